"""Forms of the « Collaborateurs » pages (SPEC M4): search, profile change and reassignment."""

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.forms import CollaboratorChoiceField
from accounts.models import CLIENT_ROLES


class RoleForm(forms.Form):
    """Change a colleague's profile: only the three client profiles are offered, or accepted."""

    role = forms.ChoiceField(
        label=_("Nouveau profil"),
        choices=[(role.value, role.label) for role in CLIENT_ROLES],
        error_messages={
            "invalid_choice": _(
                "Choisissez l'un des profils d'établissement : Agent d'établissement, Administrateur ou "
                "Référent technique."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "profil")
        super().__init__(*args, **kwargs)


class ReassignForm(forms.Form):
    """« Réaffecter »: the checked DIs, or all the open DIs of the sheet, to another active colleague."""

    SELECTED, ALL = "cochees", "toutes"

    scope = forms.ChoiceField(
        label=_("DIs à réaffecter"),
        widget=forms.RadioSelect,
        initial=SELECTED,
    )
    tickets = forms.ModelMultipleChoiceField(
        label=_("DIs cochées"),
        queryset=None,
        to_field_name="number",
        required=False,
        error_messages={
            "invalid_choice": _("La %(value)s ne fait pas partie des DIs ouvertes de cette fiche."),
            "invalid_pk_value": _("La %(pk)s ne fait pas partie des DIs ouvertes de cette fiche."),
        },
    )
    new_owner = CollaboratorChoiceField(
        label=_("Nouveau propriétaire"),
        queryset=None,
        empty_label=_("Choisissez un collaborateur"),
        error_messages={
            "required": _("Choisissez le collaborateur à qui confier les DIs."),
            "invalid_choice": _("Choisissez un compte actif de votre établissement."),
        },
    )

    def __init__(self, *args, open_tickets, candidates, **kwargs):
        kwargs.setdefault("prefix", "reaffecter")
        super().__init__(*args, **kwargs)
        self.open_tickets = open_tickets
        self.fields["tickets"].queryset = open_tickets
        self.fields["new_owner"].queryset = candidates
        count = open_tickets.count()
        self.fields["scope"].choices = [
            (self.SELECTED, _("Les DIs cochées dans la liste ci-dessous")),
            (self.ALL, _("Toutes les DIs ouvertes (%(count)s)") % {"count": count}),
        ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("scope") == self.SELECTED and not cleaned.get("tickets") and "tickets" not in self.errors:
            self.add_error(
                "tickets",
                _("Cochez au moins une DI dans la liste, ou choisissez « Toutes les DIs ouvertes »."),
            )
        return cleaned

    def chosen_tickets(self):
        if self.cleaned_data["scope"] == self.ALL:
            return list(self.open_tickets.order_by("pk"))
        return sorted(self.cleaned_data["tickets"], key=lambda ticket: ticket.pk)
