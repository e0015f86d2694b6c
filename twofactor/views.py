import django_otp
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods
from django_otp.plugins.otp_static.models import StaticDevice

from . import pending, policy, services
from .forms import CodeForm, ConfirmIdentityForm, SetupForm
from .totp import key_for_humans, new_key, otpauth_url, qr_svg

SETUP_KEY = "twofactor_setup_key"  # the secret being set up, until the app confirms it
NEW_CODES = "twofactor_new_codes"  # recovery codes just made, shown once


def back_office_login(request):
    """The back office's login URL. It has no form of its own: the portal's login (captcha, lockout,
    code) serves, then brings the user back. A signed-in account that is not the vendor's
    administrator is refused here rather than sent round in a loop."""
    if request.user.is_authenticated:
        raise PermissionDenied(_("Le back office est réservé aux administrateurs de l'éditeur."))
    return redirect_to_login(request.GET.get("next") or reverse("admin:index"))


def _locked(request):
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(request, "twofactor/locked.html", {"minutes": minutes}, status=429)


def _wrong_code_message(left):
    return ngettext(
        "Code incorrect ou expiré. Il vous reste %(left)d essai.",
        "Code incorrect ou expiré. Il vous reste %(left)d essais.",
        left,
    ) % {"left": left}


def _wait_message(seconds):
    return ngettext(
        "Trop d'essais rapprochés : patientez %(seconds)d seconde puis saisissez le nouveau code.",
        "Trop d'essais rapprochés : patientez %(seconds)d secondes puis saisissez le nouveau code.",
        seconds,
    ) % {"seconds": seconds}


def _safe_next(request, url):
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)


@require_http_methods(["GET", "POST"])
def verify(request):
    """« Code de vérification », asked after a right password when the account has 2FA."""
    user, state = pending.get(request)
    if user is None:
        return redirect("accounts:login")
    if pending.attempts_exhausted(user):
        pending.clear(request)
        return _locked(request)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        wait = services.code_wait_seconds(user, code)
        if wait:
            form.add_error("code", _wait_message(wait))
        else:
            attempt = pending.attempt_take(user)
            if attempt > settings.TWO_FACTOR_MAX_ATTEMPTS:
                pending.clear(request)
                return _locked(request)
            device = services.second_factor_check(user, code, request=request, attempt=attempt)
            if device is not None:
                pending.attempts_clear(user)
                pending.clear(request)
                services.login_complete(request, user, device, backend=state["backend"])
                if isinstance(device, StaticDevice):
                    _warn_codes_left(request, user)
                return redirect(_safe_next(request, state.get("next")))
            left = pending.attempts_left(attempt)
            if not left:
                pending.clear(request)
                return _locked(request)
            form.add_error("code", _wrong_code_message(left))
    return render(request, "twofactor/verify.html", {"form": form})


def _warn_codes_left(request, user):
    left = policy.recovery_codes_left(user)
    messages.warning(
        request,
        ngettext(
            "Connexion avec un code de secours : ce code ne servira plus. Il vous en reste %(left)d.",
            "Connexion avec un code de secours : ce code ne servira plus. Il vous en reste %(left)d.",
            left,
        )
        % {"left": left},
    )


@login_required
@require_GET
def manage(request):
    """« Double authentification », from « Mon profil »."""
    user = request.user
    return render(
        request,
        "twofactor/manage.html",
        {
            "device": policy.totp_device(user),
            "required": policy.is_required(user),
            "codes_left": policy.recovery_codes_left(user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request):
    """Show the secret (QR code and text key), then confirm it with the code the app shows."""
    user = request.user
    if policy.is_enrolled(user):
        return redirect("twofactor:manage")
    key = request.session.get(SETUP_KEY)
    if not key:
        key = request.session[SETUP_KEY] = new_key()
    form = SetupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = services.twofactor_enable(user, key=key, code=form.cleaned_data["code"], request=request)
        except ValidationError as error:
            form.add_error("code", error)
        else:
            del request.session[SETUP_KEY]
            django_otp.login(request, device)
            request.session[NEW_CODES] = codes
            messages.success(request, _("La double authentification est activée."))
            return redirect("twofactor:codes")
    return render(
        request,
        "twofactor/setup.html",
        {"form": form, "key_text": key_for_humans(key), "required": policy.is_required(user)},
    )


@login_required
@require_GET
def qr_code(request):
    """The QR code of the secret being set up, as its own SVG response (no inline markup in the page)."""
    key = request.session.get(SETUP_KEY)
    if not key:
        raise Http404
    response = HttpResponse(qr_svg(otpauth_url(request.user, key)), content_type="image/svg+xml")
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def codes(request):
    """« Codes de secours », shown once right after they are made."""
    new_codes = request.session.pop(NEW_CODES, None)
    if not new_codes:
        messages.info(
            request, _("Les codes de secours ne sont affichés qu'une fois. Générez-en de nouveaux au besoin.")
        )
        return redirect("twofactor:manage")
    return render(request, "twofactor/codes.html", {"codes": new_codes})


def _identity_confirmed(request, form):
    """The current password and a code, both right. Wrong ones count against the account's tries."""
    user = request.user
    if pending.attempts_exhausted(user):
        minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        form.add_error(None, _("Trop de codes incorrects : réessayez dans %(minutes)d minutes.") % {"minutes": minutes})
        return False
    if not form.is_valid():
        if form.has_error("current_password", code="wrong_password"):
            pending.attempt_take(user)
        return False
    code = form.cleaned_data["code"]
    wait = services.code_wait_seconds(user, code)
    if wait:
        form.add_error("code", _wait_message(wait))
        return False
    attempt = pending.attempt_take(user)
    if (
        attempt > settings.TWO_FACTOR_MAX_ATTEMPTS
        or services.second_factor_check(user, code, request=request, attempt=attempt) is None
    ):
        form.add_error("code", _wrong_code_message(pending.attempts_left(attempt)))
        return False
    pending.attempts_clear(user)
    return True


@login_required
@require_http_methods(["GET", "POST"])
def regenerate(request):
    """« Générer de nouveaux codes de secours » (asks the current password and a code)."""
    if not policy.is_enrolled(request.user):
        return redirect("twofactor:manage")
    form = ConfirmIdentityForm(request.POST or None, user=request.user)
    if request.method == "POST" and _identity_confirmed(request, form):
        request.session[NEW_CODES] = services.recovery_codes_regenerate(request.user, request=request)
        messages.success(request, _("Vos nouveaux codes de secours sont prêts : les précédents ne servent plus."))
        return redirect("twofactor:codes")
    return render(
        request,
        "twofactor/confirm.html",
        {
            "form": form,
            "title": _("Générer de nouveaux codes de secours"),
            "intro": _("Les codes de secours actuels cesseront de fonctionner et dix nouveaux codes seront affichés."),
            "submit": _("Générer de nouveaux codes"),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def disable(request):
    """« Désactiver la double authentification » (asks the current password and a code)."""
    user = request.user
    if not policy.is_enrolled(user):
        return redirect("twofactor:manage")
    required = policy.is_required(user)
    form = ConfirmIdentityForm(request.POST or None, user=user)
    if request.method == "POST" and _identity_confirmed(request, form):
        services.twofactor_disable(user, acting_user=user, request=request)
        if required:
            messages.info(request, _("Enregistrez maintenant votre nouvelle application d'authentification."))
            return redirect("twofactor:setup")
        messages.success(request, _("La double authentification est désactivée."))
        return redirect("twofactor:manage")
    intro = _("Votre application d'authentification et vos codes de secours ne serviront plus.")
    if required:
        intro += " " + _(
            "La double authentification est obligatoire pour votre profil : vous enregistrerez aussitôt une "
            "nouvelle application, par exemple sur un nouveau téléphone."
        )
    return render(
        request,
        "twofactor/confirm.html",
        {
            "form": form,
            "title": _("Désactiver la double authentification"),
            "intro": intro,
            "submit": _("Désactiver la double authentification"),
            "danger": True,
        },
    )
