from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.services import record
from core import ratelimit
from twofactor import pending as twofactor_pending
from twofactor import policy as twofactor_policy

from . import services, throttle
from .auth import axes_username
from .forms import AccountRequestForm, LoginForm, PasswordResetForm, ProfileForm, SetPasswordForm
from .models import User, normalize_email
from .tokens import invitation_token_generator


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def dispatch(self, request, *args, **kwargs):
        return _limited(request) or super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.get_user()
        if not form.verdict.known_device:
            # A try that cleared the throttle: the account's count starts again. From a known device
            # it is kept (guesses may be going on elsewhere).
            throttle.clear_account(user.email)
        if twofactor_policy.is_enrolled(user):
            # Not logged in yet: the code comes first (twofactor.views.verify completes the login).
            twofactor_pending.start(self.request, user, next_url=self.get_success_url())
            response = redirect("twofactor:verify")
        else:
            response = super().form_valid(form)
            record("login_succeeded", actor=user, request=self.request, target=user.email)
        # The right password was typed in this browser: guesses from elsewhere no longer slow it.
        throttle.remember_device(self.request, response, user.email)
        return response

    def form_invalid(self, form):
        username = form.cleaned_data.get("username")
        codes = {error.code for error in form.non_field_errors().as_data()}
        if "throttled" in codes:
            record("login_throttled", request=self.request, target=username, wait=form.verdict.wait)
            response = super().form_invalid(form)
            response.status_code = 429
            response["Retry-After"] = str(form.verdict.wait)
            return response
        if username and "captcha" not in form.errors:
            record("login_failed", request=self.request, target=username)
        if getattr(form, "locked_now", False):
            record("login_account_locked", request=self.request, target=username)
        return super().form_invalid(form)


def _limited(request):
    """The 429 page once this address has been handed too many captcha challenges (each rendering
    of the login, reset and account-request forms hands out one), else None."""
    address = ratelimit.by_address(request)
    wait = ratelimit.exceeded(("challenge_address", address))
    if wait is None:
        return None
    if ratelimit.first_refusal("challenge_address", address, wait):  # one line per flood, not per request
        record("public_form_rate_limited", request=request, target=request.path, rule="challenge_address")
    return ratelimit.too_many_requests(request, wait)


def _limited_submission(request, form_name, email):
    """The 429 page if this address, or the e-mail address typed, sent this form too often, else None.
    Counted once the captcha is solved: an unsolved one costs the portal nothing, and nobody uses up
    someone else's quota for free."""
    address = ratelimit.by_address(request)
    wait = ratelimit.exceeded((f"{form_name}_address", address), (f"{form_name}_email", normalize_email(email)))
    if wait is None:
        return None
    if ratelimit.first_refusal(form_name, address, wait):
        record("public_form_rate_limited", request=request, target=request.path, rule=form_name)
    return ratelimit.too_many_requests(request, wait)


def locked_out(request, credentials=None, *args, **kwargs):
    """django-axes calls this when the e-mail + IP pair is locked."""
    from django.conf import settings

    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    # The middleware's call carries no credentials: the account is then read from the form posted.
    record("login_locked_out", request=request, target=axes_username(request, credentials))
    return render(request, "accounts/locked_out.html", {"minutes": minutes}, status=429)


class LogoutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    template_name = "accounts/password_reset.html"
    success_url = reverse_lazy("accounts:password_reset_done")

    def dispatch(self, request, *args, **kwargs):
        return _limited(request) or super().dispatch(request, *args, **kwargs)

    def form_valid(self, form):
        limited = _limited_submission(self.request, "password_reset", form.cleaned_data["email"])
        if limited:
            return limited
        form.save(request=self.request)
        return redirect(self.success_url)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "accounts/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = SetPasswordForm
    template_name = "accounts/password_set.html"
    success_url = reverse_lazy("accounts:password_reset_complete")
    extra_context = {"title": _("Choisir un nouveau mot de passe")}
    notify_change = True  # a password replaced: the person is told (M11.10)

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_completed(form.user, request=self.request, notify=self.notify_change)
        return response


class InvitationConfirmView(PasswordResetConfirmView):
    token_generator = invitation_token_generator
    reset_url_token = "choisir-mot-de-passe"
    extra_context = {"title": _("Choisir votre mot de passe")}
    notify_change = False  # the first password of a new account: nothing replaced


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "accounts/password_reset_complete.html"


@require_http_methods(["GET", "POST"])
def account_request(request):
    limited = _limited(request)
    if limited:
        return limited
    form = AccountRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        limited = _limited_submission(request, "account_request", form.cleaned_data["email"])
        if limited:
            return limited
        services.account_request_submit(form=form, request=request)
        return redirect("accounts:account_request_done")
    return render(request, "accounts/account_request.html", {"form": form})


def account_request_done(request):
    return render(request, "accounts/account_request_done.html")


@login_required
def profile(request):
    pending = request.user.email_changes.filter(status="pending").order_by("-created_at").first()
    context = {"profile_user": request.user, "pending_email_change": pending if pending and pending.is_open else None}
    return render(request, "accounts/profile.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request):
    # A fresh copy: a rejected form must not alter request.user for the rest of the page.
    user = User.objects.select_related("establishment").get(pk=request.user.pk)
    form = ProfileForm(request.POST or None, instance=user)
    if request.method == "POST" and form.is_valid():
        wait = ratelimit.hit("email_change_email", form.cleaned_data["email"]) if form.email_changed else None
        if wait:
            # Nobody sends a stream of confirmation links to someone else's mailbox.
            minutes = max(1, -(-wait // 60))
            form.add_error(
                "email", _("Trop de demandes pour cette adresse : réessayez dans %(n)s minutes.") % {"n": minutes}
            )
            response = render(request, "accounts/profile_edit.html", {"form": form}, status=429)
            response["Retry-After"] = str(wait)
            return response
        _user, change = services.profile_update(user, form=form, request=request)
        messages.success(request, _("Vos informations ont été enregistrées."))
        if change is not None:
            messages.info(
                request,
                _(
                    "Pour changer votre adresse mail, ouvrez le lien que nous venons d'envoyer à %(email)s. "
                    "D'ici là, votre identifiant reste %(old)s."
                )
                % {"email": change.new_email, "old": change.old_email},
            )
        return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})


@require_http_methods(["GET", "POST"])
def email_change_confirm(request, token):
    """The link sent to the new address. GET shows a button (a mail scanner opening the link changes
    nothing); POST applies the change, once."""
    return _email_change_link(request, token, kind="confirm")


@require_http_methods(["GET", "POST"])
def email_change_cancel(request, token):
    """The link sent to the old address: the change asked will not take effect."""
    return _email_change_link(request, token, kind="cancel")


def _email_change_link(request, token, *, kind):
    change = services.email_change_for_token(token, kind=kind)
    context = {"kind": kind, "change": change}
    if change is None:
        return render(request, "accounts/email_change.html", {**context, "invalid": True}, status=404)
    if request.method == "POST":
        action = services.email_change_confirm if kind == "confirm" else services.email_change_cancel
        try:
            action(token, request=request)
        except ValidationError as error:
            return render(
                request, "accounts/email_change.html", {**context, "error": " ".join(error.messages)}, status=409
            )
        return render(request, "accounts/email_change.html", {**context, "done": True})
    return render(request, "accounts/email_change.html", context)
