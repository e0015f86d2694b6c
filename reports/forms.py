from datetime import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.widgets import ListedModelChoiceField, PlainSelect
from establishments.models import Product
from support.models import Team

from .models import ALL_TEAMS
from .selectors import Selection
from .services import add_months

MAX_MONTHS = 36
DEFAULT_MONTHS = 12


class MonthField(forms.Field):
    """A month typed as AAAA-MM (``<input type="month">``)."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "AAAA-MM", "maxlength": "7"})

    def to_python(self, value):
        value = str(value or "").strip()
        if not value:
            return None
        if len(value) > 7:
            raise forms.ValidationError(_("Indiquez un mois au format AAAA-MM, par exemple 2026-03."))
        try:
            return datetime.strptime(value.strip(), "%Y-%m").date()
        except ValueError:
            raise forms.ValidationError(_("Indiquez un mois au format AAAA-MM, par exemple 2026-03.")) from None


class ReportFilterForm(forms.Form):
    equipe = forms.ChoiceField(
        label=_("Équipe"),
        required=False,
        choices=[(ALL_TEAMS, _("Toutes les équipes")), *Team.choices],
        widget=PlainSelect,
    )
    produit = ListedModelChoiceField(
        label=_("Produit"),
        required=False,
        queryset=Product.objects.order_by("name"),
        empty_label=_("Tous les produits"),
    )
    du = MonthField(label=_("Du mois"), required=False)
    au = MonthField(label=_("Au mois"), required=False)

    def clean(self):
        cleaned = super().clean()
        first, last = cleaned.get("du"), cleaned.get("au")
        if first and last:
            if first > last:
                self.add_error("au", _("Le dernier mois doit suivre le premier."))
            elif (last.year - first.year) * 12 + last.month - first.month >= MAX_MONTHS:
                self.add_error("au", _("Choisissez au plus %(n)s mois.") % {"n": MAX_MONTHS})
        return cleaned

    def selection(self):
        """The selection to show: what is valid in the form, the last 12 months otherwise."""
        valid = self.is_valid()
        data = self.cleaned_data if valid else {}
        current = timezone.localdate().replace(day=1)
        last = data.get("au") or current
        first = data.get("du") or add_months(last, -(DEFAULT_MONTHS - 1))
        if not valid:
            last, first = current, add_months(current, -(DEFAULT_MONTHS - 1))
        return Selection(team=data.get("equipe") or ALL_TEAMS, product=data.get("produit"), first=first, last=last)
