from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import VENDOR_ROLES, User
from core.widgets import ListedModelChoiceField

from .tokens import EXPIRY_CHOICES


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nom du jeton"), max_length=100, help_text=_("À quoi il sert, par exemple « Tableau de bord interne ».")
    )
    can_write = forms.BooleanField(
        label=_("Autoriser l'écriture"),
        required=False,
        help_text=_("Sans cette case, le jeton ne fait que lire (lister, lire, télécharger)."),
    )
    days = forms.TypedChoiceField(
        label=_("Durée de validité"),
        coerce=int,
        choices=[(days, _("%(days)s jours") % {"days": days}) for days in EXPIRY_CHOICES],
        initial=90,
    )


class IntegrationTokenForm(TokenForm):
    owner = ListedModelChoiceField(
        label=_("Compte utilisé par l'intégration"),
        queryset=User.objects.none(),
        help_text=_("L'intégration agit avec les droits de ce compte du personnel de l'éditeur."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = User.objects.filter(role__in=VENDOR_ROLES, is_active=True).order_by(
            "last_name", "first_name"
        )
