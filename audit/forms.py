from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .actions import LABELS


def _action_choices():
    return [("", _("Tous les événements"))] + sorted(((k, str(v)) for k, v in LABELS.items()), key=lambda c: c[1])


class JournalFilterForm(forms.Form):
    evenement = forms.ChoiceField(label=_("Événement"), required=False, choices=_action_choices)
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("du"), cleaned.get("au")
        if start and end and start > end:
            raise ValidationError(_("La date de début doit précéder la date de fin."))
        return cleaned
