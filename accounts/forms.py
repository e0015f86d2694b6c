from django import forms
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import password_validation
from django.forms.models import ModelChoiceIterator, ModelChoiceIteratorValue
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from core.widgets import PlainSelect

from . import throttle
from .access import active_colleagues, colleague_options
from .captcha import CaptchaField, cost_of
from .models import AccountRequest, Role, User, full_name, normalize_email


class LoginForm(auth_forms.AuthenticationForm):
    username = forms.EmailField(
        label=_("Identifiant"),
        help_text=_("Votre identifiant est votre adresse mail."),
        widget=forms.EmailInput(attrs={"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Mot de passe"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )
    captcha = CaptchaField()

    error_messages = {
        "invalid_login": _(
            "Identifiant ou mot de passe incorrect, ou compte désactivé. Vérifiez votre saisie et réessayez."
        ),
        "inactive": _(
            "Identifiant ou mot de passe incorrect, ou compte désactivé. Vérifiez votre saisie et réessayez."
        ),
        "harder_captcha": _(
            "Après plusieurs échecs, une vérification plus longue est demandée. Cochez à nouveau la case "
            "« Je ne suis pas un robot » et patientez quelques secondes."
        ),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.verdict = throttle.Verdict()
        if request is not None and settings.LOGIN_THROTTLE_ENABLED:
            # The address under attack: its captcha is the harder one from the first page on.
            self.fields["captcha"].widget.cost = throttle.address_captcha_cost(request)

    def clean_username(self):
        return normalize_email(self.cleaned_data["username"])

    def clean(self):
        # No password is tried until the captcha is solved: the captcha guards the password.
        if "captcha" in self.errors or "username" in self.errors:
            return self.cleaned_data
        username = self.cleaned_data["username"]
        self.verdict = throttle.assess(self.request, username)
        if self.verdict.hard_captcha:
            self.fields["captcha"].widget.cost = throttle.hard_captcha_cost()
        if self.verdict.wait:
            raise forms.ValidationError(self._throttled_message(self.verdict), code="throttled")
        if self.verdict.hard_captcha and cost_of(self.data.get("captcha", "")) < throttle.hard_captcha_cost():
            self.add_error("captcha", forms.ValidationError(self.error_messages["harder_captcha"], code="harder"))
            return self.cleaned_data
        try:
            return super().clean()
        except forms.ValidationError as error:
            if error.code == "invalid_login" and not getattr(self.request, "axes_locked_out", False):
                self.locked_now = throttle.record_failure(self.request, username)
            raise

    @staticmethod
    def _throttled_message(verdict):
        if verdict.locked:
            minutes = max(1, -(-verdict.wait // 60))
            return ngettext(
                "Après de nombreux échecs, la connexion à ce compte est bloquée par sécurité pendant %(n)s minute. "
                "Pour la débloquer tout de suite, choisissez un nouveau mot de passe avec « Mot de passe oublié ».",
                "Après de nombreux échecs, la connexion à ce compte est bloquée par sécurité pendant %(n)s minutes. "
                "Pour la débloquer tout de suite, choisissez un nouveau mot de passe avec « Mot de passe oublié ».",
                minutes,
            ) % {"n": minutes}
        return ngettext(
            "Trop de tentatives ont échoué pour ce compte ou depuis votre adresse. Réessayez dans %(n)s seconde.",
            "Trop de tentatives ont échoué pour ce compte ou depuis votre adresse. Réessayez dans %(n)s secondes.",
            verdict.wait,
        ) % {"n": verdict.wait}


class PasswordResetForm(auth_forms.PasswordResetForm):
    email = forms.EmailField(
        label=_("Adresse mail"), max_length=254, widget=forms.EmailInput(attrs={"autocomplete": "email"})
    )
    captcha = CaptchaField()

    def get_users(self, email):
        """Active accounts with this exact stored address, including those that never set a password."""
        return User.objects.filter(email=normalize_email(email), is_active=True)

    def save(self, *, request, **kwargs):
        from .services import password_reset_request

        password_reset_request(self.cleaned_data["email"], request=request)


class SetPasswordForm(auth_forms.SetPasswordForm):
    new_password1 = forms.CharField(
        label=_("Nouveau mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Au moins 12 caractères. Une phrase de plusieurs mots est un bon choix."),
    )
    new_password2 = forms.CharField(
        label=_("Confirmation du mot de passe"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )


class AccountRequestForm(forms.ModelForm):
    captcha = CaptchaField()

    class Meta:
        model = AccountRequest
        fields = ["kind", "last_name", "first_name", "email", "phone", "establishment_name", "function", "message"]
        widgets = {
            "kind": forms.RadioSelect,
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "phone": forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
            "message": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "establishment_name": _("Le nom de votre établissement (centre hospitalier, EHPAD, mairie…)."),
            "message": _("Ce que vous demandez et pourquoi : création, changement d'établissement, de fonction…"),
        }

    def clean_email(self):
        return normalize_email(self.cleaned_data["email"])


class ProfileForm(forms.ModelForm):
    """« Modifier ses informations et/ou le mot de passe »."""

    current_password = forms.CharField(
        label=_("Mot de passe actuel"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text=_("Obligatoire pour changer d'adresse mail ou de mot de passe."),
    )
    new_password1 = forms.CharField(
        label=_("Nouveau mot de passe"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Laisser vide pour le garder. Au moins 12 caractères."),
    )
    new_password2 = forms.CharField(
        label=_("Confirmation du nouveau mot de passe"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    class Meta:
        model = User
        fields = ["last_name", "first_name", "email", "phone", "function"]
        widgets = {
            "last_name": forms.TextInput(attrs={"autocomplete": "family-name"}),
            "first_name": forms.TextInput(attrs={"autocomplete": "given-name"}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
            "phone": forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
            "function": forms.TextInput(attrs={"autocomplete": "organization-title"}),
        }
        help_texts = {
            "email": _(
                "Votre identifiant. Une nouvelle adresse ne remplace l'actuelle qu'une fois confirmée "
                "par le lien que nous y envoyons."
            ),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial_email = self.instance.email

    def clean_email(self):
        email = normalize_email(self.cleaned_data["email"])
        if email != self.initial_email and User.objects.filter(email=email).exclude(pk=self.instance.pk).exists():
            raise forms.ValidationError(_("Cette adresse mail est déjà celle d'un autre compte."))
        return email

    @property
    def email_changed(self):
        return self.cleaned_data.get("email", self.initial_email) != self.initial_email

    @property
    def password_changed(self):
        return bool(self.cleaned_data.get("new_password1"))

    def clean(self):
        cleaned = super().clean()
        p1, p2 = cleaned.get("new_password1"), cleaned.get("new_password2")
        if p1 or p2:
            if p1 != p2:
                self.add_error("new_password2", _("Les deux mots de passe ne sont pas identiques."))
            else:
                try:
                    password_validation.validate_password(p1, self.instance)
                except forms.ValidationError as error:
                    self.add_error("new_password1", error)
        if self.email_changed or p1:
            current = cleaned.get("current_password")
            if not current:
                self.add_error("current_password", _("Saisissez votre mot de passe actuel pour confirmer."))
            elif not self.instance.check_password(current):
                self.add_error("current_password", _("Le mot de passe actuel est incorrect."))
        return cleaned


class _Collaborators(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        among = self.field.among_colleagues
        if among is not None:
            # An establishment's active colleagues: the list the cache keeps (accounts.access).
            establishment_id, exclude_pk = among
            for pk, label in colleague_options(establishment_id):
                if pk != exclude_pk:
                    yield (pk, label)  # a primary key and an escaped label: PlainSelect writes them as they are
            return
        roles = {value: str(label) for value, label in Role.choices}
        # Rows, not accounts: the list shows four columns of each (the chosen one is read again,
        # as an account, when the form is validated).
        key = self.field.to_field_name or "pk"
        for value, first_name, last_name, role in self.queryset.values_list(key, "first_name", "last_name", "role"):
            label = f"{full_name(first_name, last_name)} ({roles.get(role, role)})"
            yield (ModelChoiceIteratorValue(value, None), label)


class CollaboratorChoiceField(forms.ModelChoiceField):
    """A colleague chosen in a list: « Prénom Nom (Profil) ». An establishment may have hundreds:
    the options read only the columns they show, each profile is translated once per list rather
    than once per person, and the options are written in Python (core.widgets.PlainSelect).

    ``among(establishment_id, exclude_pk=…)`` offers an establishment's active colleagues: the
    options come from the cache (``accounts.access.colleague_options``), the choice is validated
    against the database (``accounts.access.active_colleagues``)."""

    iterator = _Collaborators  # writes each option's label itself
    widget = PlainSelect
    among_colleagues = None

    def among(self, establishment_id, *, exclude_pk=None):
        self.queryset = active_colleagues(establishment_id, exclude_pk=exclude_pk)
        self.among_colleagues = (establishment_id, exclude_pk)

    def _set_queryset(self, queryset):
        self.among_colleagues = None  # another list: its options come from it
        super()._set_queryset(queryset)

    queryset = property(forms.ModelChoiceField._get_queryset, _set_queryset)
