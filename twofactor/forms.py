from django import forms
from django.utils.translation import gettext_lazy as _

from .totp import normalize_code

CODE_HELP = _(
    "Les 6 chiffres affichés par votre application d'authentification. "
    "Sans votre téléphone, saisissez l'un de vos codes de secours."
)


def code_field(help_text=CODE_HELP, *, autofocus=False):
    attrs = {"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}
    if autofocus:
        attrs["autofocus"] = True
    return forms.CharField(
        label=_("Code de vérification"),
        max_length=32,
        help_text=help_text,
        widget=forms.TextInput(attrs=attrs),
        error_messages={"required": _("Saisissez le code de vérification.")},
    )


class CodeForm(forms.Form):
    """The code asked after the password: the app's 6 digits or a recovery code."""

    code = code_field(autofocus=True)


class SetupForm(forms.Form):
    """Confirms that the app has the secret: the code it shows now."""

    code = forms.CharField(
        label=_("Code de vérification"),
        max_length=16,
        help_text=_("Les 6 chiffres que votre application affiche pour l'Espace Clients."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
        error_messages={"required": _("Saisissez le code de vérification.")},
    )

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError(_("Saisissez les 6 chiffres affichés par votre application."))
        return code


class ConfirmIdentityForm(forms.Form):
    """Current password and a code: asked before regenerating the recovery codes or disabling 2FA."""

    current_password = forms.CharField(
        label=_("Mot de passe actuel"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        error_messages={"required": _("Saisissez votre mot de passe actuel pour confirmer.")},
    )
    code = code_field()

    def __init__(self, *args, user, **kwargs):
        self.user = user
        super().__init__(*args, **kwargs)

    def clean_current_password(self):
        password = self.cleaned_data["current_password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("Le mot de passe actuel est incorrect."), code="wrong_password")
        return password
