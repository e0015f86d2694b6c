"""Forms of the vendor's support desk (SPEC M8.1): the list filters and the actions on a DI."""

from django import forms
from django.forms.models import ModelChoiceIterator
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from accounts.models import full_name
from core.memo import Memo
from core.widgets import ListedModelChoiceField, PlainSelect
from establishments.models import Contract

from .access import tickets_for
from .forms import (
    ChosenContractSelect,
    ContractChoiceField,
    FirstOptionChosen,
    MultipleFileField,
    contracts_in_force,
)
from .models import OPEN_STATUSES, Status, Team
from .search import number_candidates
from .selectors import (
    ALL,
    ANSWERED,
    AWAITING_CLIENT,
    ME,
    NOBODY,
    OPEN,
    SORTS,
    WAITING,
    default_team,
    desk_staff_names,
    establishment_contracts,
)
from .services import team_member, team_member_options

AGES = [("", _("Tous âges")), ("7", _("Plus de 7 jours")), ("30", _("Plus de 30 jours")), ("90", _("Plus de 90 jours"))]
SORT_LABELS = {
    "anciennete": _("Les plus anciennes d'abord"),
    "recentes": _("Les plus récentes d'abord"),
    "activite": _("Dernière activité"),
    "attente": _("Attente du support la plus longue d'abord"),
    "numero": _("Numéro croissant"),
    "-numero": _("Numéro décroissant"),
    "echeance": _("Échéance la plus proche"),
}


class DeskFilterForm(forms.Form):
    """The filters of the desk list. Missing or invalid values fall back to the user's defaults."""

    equipe = forms.ChoiceField(
        label=_("Équipe"), required=False, choices=[(ALL, _("Toutes les équipes")), *Team.choices], widget=PlainSelect
    )
    statut = forms.ChoiceField(
        label=_("Statut"),
        required=False,
        choices=[(OPEN, _("DIs ouvertes")), *Status.choices, (ALL, _("Toutes"))],
        widget=PlainSelect,
    )
    etablissement = forms.CharField(
        label=_("Établissement"), required=False, max_length=200, widget=forms.TextInput(attrs={"type": "search"})
    )
    support = forms.ChoiceField(label=_("Support"), required=False, widget=PlainSelect)
    age = forms.ChoiceField(label=_("Âge"), required=False, choices=AGES, widget=PlainSelect)
    suivi = forms.ChoiceField(
        label=_("Suivi"),
        required=False,
        choices=[
            ("", _("Tous")),
            (WAITING, _("Sans réponse du support")),
            (ANSWERED, _("Le demandeur a répondu")),
            (AWAITING_CLIENT, _("En attente du demandeur")),
        ],
        widget=PlainSelect,
    )
    q = forms.CharField(
        label=_("Rechercher (numéro, objet, description ou messages)"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    tri = forms.ChoiceField(
        label=_("Trier par"), required=False, choices=[(key, SORT_LABELS[key]) for key in SORTS], widget=PlainSelect
    )

    def __init__(self, params, *, user, staff=None):
        """``staff``: ``desk_staff_names()``, when the caller has read it already."""
        self.defaults = {"equipe": default_team(user), "statut": OPEN}
        super().__init__(self.data_of(params, self.defaults))
        self.fields["support"].choices = [
            ("", _("Toutes")),
            (ME, _("Moi")),
            (NOBODY, _("Non attribuées")),
            *((str(pk), full_name(first, last)) for pk, first, last in (staff or desk_staff_names())),
        ]

    @classmethod
    def data_of(cls, params, defaults):
        """What the form reads of the query string ``params``, the user's defaults filling the gaps."""
        data = {**defaults, **{key: params.get(key) for key in params if key in cls.base_fields}}
        data.setdefault("tri", cls._default_sort(data["statut"]))
        return data

    @staticmethod
    def _default_sort(status):
        """Open DIs: the oldest first (they wait the longest); otherwise the latest activity."""
        return "anciennete" if status in (OPEN, *OPEN_STATUSES) else "activite"

    def values(self):
        """The filters to apply: what is valid in the query string, the defaults for the rest."""
        self.is_valid()
        values = {
            "equipe": self.defaults["equipe"],
            "statut": OPEN,
            "etablissement": "",
            "support": "",
            "age": "",
            "suivi": "",
            "q": "",
        }
        values.update({k: v for k, v in self.cleaned_data.items() if k not in self.errors and v})
        values.setdefault("tri", self._default_sort(values["statut"]))
        values["etablissement"] = values["etablissement"].strip()
        values["q"] = values["q"].strip()
        return values


# The desk's filters for one query string, worked out once per process for each query string,
# user's defaults, language and list of support staff: what they select, and their fields' markup
# (the eight fields cost ~0.6 ms a page to build and write). Searches add keys: the memo forgets
# everything at its bound.
_FILTERS = Memo(512)


def desk_filters(params, *, user):
    """(the filters to apply, the markup of the filters' fields) for ``params`` (the query string)."""
    staff = tuple(desk_staff_names())
    defaults = {"equipe": default_team(user), "statut": OPEN}
    key = (get_language(), tuple(sorted(DeskFilterForm.data_of(params, defaults).items())), staff)
    found = _FILTERS.get(key)
    if found is None:
        form = DeskFilterForm(params, user=user, staff=staff)
        found = _FILTERS.keep(
            key, (form.values(), render_to_string("support/desk/includes/filters.html", {"form": form}))
        )
    values, markup = found
    return dict(values), markup


class TicketActionForm(forms.Form):
    """A form of an action on a DI: it knows the DI and who acts (``desk_views._action_form``)."""

    def __init__(self, *args, ticket, user, **kwargs):
        self.ticket, self.user = ticket, user
        super().__init__(*args, **kwargs)


class ReplyForm(TicketActionForm):
    body = forms.CharField(label=_("Réponse"), widget=forms.Textarea(attrs={"rows": 6}))
    question = forms.BooleanField(
        label=_("Question au demandeur"),
        required=False,
        help_text=_("La DI sera marquée « en attente » jusqu'à ce que le demandeur réponde."),
    )
    files = MultipleFileField()


class InternalNoteForm(TicketActionForm):
    body = forms.CharField(
        label=_("Note interne"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Visible uniquement par le personnel de l'éditeur : le client ne la voit jamais."),
    )
    files = MultipleFileField()


class ProposeClosureForm(TicketActionForm):
    body = forms.CharField(
        label=_("Message de clôture"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Résumez la solution : le demandeur le lit avant de valider la clôture."),
    )


class TeamMemberSelect(FirstOptionChosen, PlainSelect):
    """« Personne en charge », written by ``PlainSelect`` (Django's option dictionaries, one per
    colleague, were ~5 % of the desk's DI page in a sampled profile)."""


class _TeamMemberOptions(ModelChoiceIterator):
    """The options of « Personne en charge »: its field's (pk, name) pairs, kept in the cache."""

    def __iter__(self):
        return iter(self.field.options())


class AssigneeForm(TicketActionForm):
    # Its options from the cache (``team_member_options``: no query, no instance per colleague),
    # its choice found among the team's active members (``team_member``: one prepared query).
    assignee = ListedModelChoiceField(
        label=_("Personne en charge"), queryset=None, empty_label=None, widget=TeamMemberSelect
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        field = self.fields["assignee"]
        field.iterator = _TeamMemberOptions
        field.options = lambda: team_member_options(ticket.team)
        field.lookup = lambda pk: team_member(ticket.team, pk)
        field.widget.choices = field.choices  # this form's options, not the declared field's
        if ticket.assignee_id and "initial" not in kwargs:
            self.initial["assignee"] = ticket.assignee_id


class RerouteForm(TicketActionForm):
    """« Réorienter » (M11.4): another contract of the establishment, another team, or both."""

    contract = ContractChoiceField(
        label=_("Contrat"),
        queryset=Contract.objects.none(),
        empty_label=None,
        widget=ChosenContractSelect,
        error_messages={"invalid_choice": _("Choisissez un contrat actif de l'établissement de la DI.")},
    )
    team = forms.ChoiceField(
        label=_("Équipe"),
        required=False,
        choices=[("", _("Celle du produit du contrat")), *Team.choices],
        help_text=_(
            "Une autre équipe reprend la DI « A traiter », sans personne en charge ; ses membres sont prévenus."
        ),
    )

    def __init__(self, *args, ticket, **kwargs):
        super().__init__(*args, ticket=ticket, **kwargs)
        today = timezone.localdate()
        self.fields["contract"].queryset = contracts_in_force(ticket.establishment_id, today)
        # The options: the contracts the customer's context reads, those in force (the queryset's
        # filter, ``Contract.state_on``), in the same order; the queryset still validates.
        self.fields["contract"].listed = lambda: [
            contract
            for contract in establishment_contracts(ticket)
            if contract.state_on(today) == Contract.State.ACTIVE
        ]
        self.initial.setdefault("contract", ticket.contract_id)

    @staticmethod
    def chosen_team(cleaned_data):
        """The team chosen, or the one of the contract's product."""
        contract = cleaned_data["contract"]
        default = Team.SOFTWARE if contract.product.kind == "software" else Team.LEGAL
        return cleaned_data["team"] or default.value


class MergeForm(TicketActionForm):
    """« Fusionner » (M11.4): the number of the DI to keep, an open DI of the same establishment."""

    target = forms.CharField(
        label=_("Numéro de la DI à conserver"),
        max_length=20,
        help_text=_(
            "Une DI « A traiter » ou « En cours » du même établissement, par exemple DI-2026-000123. Les messages "
            "et pièces jointes de cette DI-ci y sont déplacés, puis cette DI-ci est annulée ; les deux "
            "propriétaires sont prévenus."
        ),
    )

    def clean_target(self):
        numbers = number_candidates(self.cleaned_data["target"])
        found = (
            tickets_for(self.user).filter(establishment_id=self.ticket.establishment_id, number__in=numbers).first()
            if numbers
            else None
        )
        if found is None:
            raise forms.ValidationError(_("Aucune DI de cet établissement ne porte ce numéro."))
        return found


class SatisfactionFilterForm(forms.Form):
    du = forms.DateField(
        label=_("Du"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    au = forms.DateField(
        label=_("Au"), required=False, widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("du") and cleaned.get("au") and cleaned["du"] > cleaned["au"]:
            raise forms.ValidationError(_("La date de début doit précéder la date de fin."))
        return cleaned
