from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.forms import CollaboratorChoiceField
from accounts.models import User
from core.prepared import Prepared
from core.widgets import ListedModelChoiceField
from establishments.models import Contract

from .attachments import allowed_extensions
from .models import Ticket


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class AttachmentsBoundField(forms.BoundField):
    """The attachments input of a form: ``dropped`` names the files chosen before the form was
    refused. A browser never fills a file input again, so the page says exactly which files to
    choose again (SPEC M11.9)."""

    @property
    def dropped(self):
        if not self.form.is_bound or not self.form.errors:
            return []
        return [upload.name for upload in self.form.files.getlist(self.html_name) if upload]


class MultipleFileField(forms.FileField):
    """Several attachments in one input. Content checks happen in the service (support.attachments)."""

    widget = MultipleFileInput

    def get_bound_field(self, form, field_name):
        return AttachmentsBoundField(form, self, field_name)

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Pièces jointes"))
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = ",".join(f".{ext}" for ext in allowed_extensions())
        return attrs

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def _attachments_help():
    return _("Types acceptés : %(types)s. %(count)s fichiers au plus, %(size)s chacun au plus.") % {
        "types": ", ".join(allowed_extensions()),
        "count": settings.ATTACHMENT_MAX_COUNT,
        "size": filesizeformat(settings.ATTACHMENT_MAX_SIZE),
    }


class ContractSelect(forms.Select):
    """Each option carries its product's kind, so that portal.js can show the software fieldset."""

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex, attrs)
        instance = getattr(value, "instance", None)
        if instance is not None:
            option["attrs"]["data-product-kind"] = instance.product.kind
        return option


class FirstOptionChosen:
    """A select whose first option is a real choice (no empty label): no ``required`` attribute, as
    Django would decide anyway, but without reading the choices' queryset once more to find out."""

    def use_required_attribute(self, initial):
        return False


class FirstOptionChosenSelect(FirstOptionChosen, forms.Select):
    pass


class ChosenContractSelect(FirstOptionChosenSelect, ContractSelect):
    pass


class ContractChoiceField(ListedModelChoiceField):
    widget = ContractSelect

    def label_from_instance(self, contract):
        return f"{contract.product.name} — {contract.reference}"


def contracts_in_force(establishment_id, on):
    """The contracts a DI of the establishment may be filed on (or re-routed to), with what
    filing reads of them (the product's kind; the service level, which starts the DI's clock)."""
    return (
        Contract.objects.active(on).filter(establishment_id=establishment_id).select_related("product", "service_level")
    )


_CONTRACT_CHOSEN = Prepared(lambda establishment_id, on, pk: contracts_in_force(establishment_id, on).filter(pk=pk))


class TicketCreateForm(forms.Form):
    """« Déposer une DI » (M3.1): only the establishment's active contracts are offered."""

    contract = ContractChoiceField(
        label=_("Contrat"),
        queryset=Contract.objects.none(),
        empty_label=_("Choisissez le contrat concerné"),
        help_text=_("Le produit sur lequel porte votre demande."),
        error_messages={"invalid_choice": _("Choisissez un contrat actif de votre établissement.")},
    )
    subject = forms.CharField(label=_("Objet"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Décrivez le problème ou la question : ce que vous faisiez, ce qui s'est passé, le message affiché…"
        ),
    )
    module = forms.CharField(label=_("Module concerné"), max_length=100, required=False)
    version = forms.CharField(label=_("Version"), max_length=50, required=False)
    environment = forms.ChoiceField(
        label=_("Environnement"),
        choices=[("", _("Non précisé"))] + list(Ticket.Environment.choices),
        required=False,
    )
    files = MultipleFileField()
    # « Créer une DI de suite » (M11.5): the number of the closed DI this one follows up.
    follows = forms.CharField(required=False, widget=forms.HiddenInput, max_length=20)

    SOFTWARE_FIELDS = ("module", "version", "environment")

    def __init__(self, *args, user, establishment_id=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        establishment_id = establishment_id or user.establishment_id
        today = timezone.localdate()
        contract = self.fields["contract"]
        contract.queryset = contracts_in_force(establishment_id, today)
        # The chosen contract read through a prepared query (every « Soumettre »).
        contract.lookup = lambda pk: next(
            iter(_CONTRACT_CHOSEN.run(establishment_id=establishment_id, on=today, pk=pk)), None
        )
        contract.widget.attrs["data-contract-select"] = ""
        self.fields["files"].help_text = _attachments_help()

    def clean_follows(self):
        """The DI followed up, read through the user's scope (another establishment's: not found)."""
        number = self.cleaned_data["follows"].strip()
        if not number:
            return None
        from .access import tickets_for

        followed = tickets_for(self.user).filter(number=number).first()
        if followed is None:
            raise forms.ValidationError(_("La DI dont celle-ci est la suite est introuvable."))
        return followed

    def software_fields(self):
        return [self[name] for name in self.SOFTWARE_FIELDS]


class MessageForm(forms.Form):
    """« Envoyer »: the owner's message, with or without attachments."""

    body = forms.CharField(label=_("Message"), widget=forms.Textarea(attrs={"rows": 5}))
    files = MultipleFileField()

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "message")
        super().__init__(*args, **kwargs)
        self.fields["files"].help_text = _attachments_help()


RATING_CHOICES = [
    (1, _("1 — Très insatisfait")),
    (2, _("2 — Insatisfait")),
    (3, _("3 — Moyennement satisfait")),
    (4, _("4 — Satisfait")),
    (5, _("5 — Très satisfait")),
]


class SurveyForm(forms.Form):
    """« Valider la clôture »: one 1–5 rating per active question of the questionnaire, and a comment."""

    comment = forms.CharField(label=_("Commentaire"), required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, questions, **kwargs):
        kwargs.setdefault("prefix", "survey")
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        ratings = {}
        for question in self.questions:
            ratings[f"q{question.pk}"] = forms.TypedChoiceField(
                label=question.text,
                choices=RATING_CHOICES,
                coerce=int,
                widget=forms.RadioSelect,
                error_messages={"required": _("Choisissez une note de 1 à 5.")},
            )
        self.fields = {**ratings, "comment": self.fields["comment"]}

    def rating_fields(self):
        return [self[f"q{question.pk}"] for question in self.questions]

    def ratings(self):
        return {question.pk: self.cleaned_data[f"q{question.pk}"] for question in self.questions}


class RefuseClosureForm(forms.Form):
    """« Refuser la clôture »: a message saying why the DI is not solved."""

    body = forms.CharField(
        label=_("Pourquoi la DI n'est-elle pas résolue ?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Expliquez pourquoi la DI n'est pas résolue.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "refuse")
        super().__init__(*args, **kwargs)


class CancelForm(forms.Form):
    """« Annuler la DI » with a reason."""

    reason = forms.CharField(
        label=_("Motif de l'annulation"),
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": _("Indiquez pourquoi vous annulez la DI.")},
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "cancel")
        super().__init__(*args, **kwargs)


class ReassignForm(forms.Form):
    """« Réaffecter »: another active collaborator of the DI's establishment."""

    new_owner = CollaboratorChoiceField(
        label=_("Nouveau propriétaire"),
        queryset=User.objects.none(),
        empty_label=_("Choisissez un collaborateur"),
        error_messages={"invalid_choice": _("Choisissez un compte actif de votre établissement.")},
    )

    def __init__(self, *args, ticket, **kwargs):
        kwargs.setdefault("prefix", "reassign")
        super().__init__(*args, **kwargs)
        self.fields["new_owner"].among(ticket.establishment_id, exclude_pk=ticket.owner_id)


class OnBehalfForm(TicketCreateForm):
    """A DI filed by the vendor's staff for a client of ``establishment`` who phoned (M11.4): the
    client who will own it, then the same fields as « Déposer une DI »."""

    owner = CollaboratorChoiceField(
        label=_("Pour le compte de"),
        queryset=User.objects.none(),
        empty_label=_("Choisissez qui a appelé"),
        help_text=_("Il devient propriétaire de la DI et reçoit l'accusé de réception par mail."),
        error_messages={"invalid_choice": _("Choisissez un compte actif de l'établissement.")},
    )

    field_order = ["owner", "contract", "subject", "description"]

    def __init__(self, *args, user, establishment, **kwargs):
        super().__init__(*args, user=user, establishment_id=establishment.pk, **kwargs)
        del self.fields["follows"]
        self.fields["owner"].among(establishment.pk)
        self.fields["description"].help_text = _("Ce que le client a décrit au téléphone.")
        self.fields["contract"].help_text = _("Le produit sur lequel porte la demande du client.")
