"""What the API reads and writes (SPEC M15.1). Output: the DI as the pages show it to this person
(a client never sees an internal note). Input: the fields of the pages' forms; every check that
matters is the service's (``support.services``)."""

import copy

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from support.models import Message, Status, Team, Ticket


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    champs = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)


class ErrorSerializer(serializers.Serializer):
    """The one shape of every refusal."""

    erreur = ErrorDetailSerializer()


class ChoiceLabelField(serializers.CharField):
    """The label of a choices field (« En cours » for ``in_progress``), translated once per
    response rather than once per row: ``source="get_status_display"`` also had DRF inspect the
    method's signature for every row (a quarter of a list's serialization)."""

    def __init__(self, choices, **kwargs):
        self.choices_class = choices
        super().__init__(read_only=True, **kwargs)

    def to_representation(self, value):
        labels = self.__dict__.get("labels")
        if labels is None:
            labels = self.labels = {code: str(label) for code, label in self.choices_class.choices}
        return labels.get(value, value)


class FieldsWorkedOutOnce:
    """A serializer whose fields are worked out once per class, then copied for each use. DRF
    works them out for every serializer it makes (a ``ModelSerializer`` reads the model's fields
    each time) and deep-copies each declared field, which builds it again from its arguments: a
    DI of 30 messages made some 50 serializers and 500 fields per response. Here a plain field is
    copied as it is (its state is what its arguments set; DRF binds the copy to its serializer),
    a nested serializer deep-copied as DRF does. The fields depend only on the class: no
    serializer of the API changes them per request."""

    def get_fields(self):
        cls = type(self)
        fields = cls.__dict__.get("_fields_worked_out")
        if fields is None:
            fields = super().get_fields()
            cls._fields_worked_out = fields
        return {
            name: copy.deepcopy(field) if isinstance(field, serializers.BaseSerializer) else copy.copy(field)
            for name, field in fields.items()
        }


class PersonSerializer(FieldsWorkedOutOnce, serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()


class ContractBriefSerializer(FieldsWorkedOutOnce, serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    product = serializers.CharField(source="product.name")


class EstablishmentBriefSerializer(FieldsWorkedOutOnce, serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TicketRowSerializer(FieldsWorkedOutOnce, serializers.ModelSerializer):
    """A row of a list (the client's DIs)."""

    status_label = ChoiceLabelField(Status, source="status")
    contract = ContractBriefSerializer()
    owner = PersonSerializer(allow_null=True)
    assignee = PersonSerializer(allow_null=True)

    class Meta:
        model = Ticket
        fields = (
            "number",
            "subject",
            "status",
            "status_label",
            "awaiting_owner",
            "contract",
            "owner",
            "assignee",
            "created_at",
            "last_activity_at",
            "due_at",
        )


class DeskRowSerializer(TicketRowSerializer):
    """A row of the desk's list: with its establishment."""

    establishment = EstablishmentBriefSerializer()

    class Meta(TicketRowSerializer.Meta):
        fields = (*TicketRowSerializer.Meta.fields, "establishment")


def attachments_at(number):
    """The address of a DI's attachments, each one's UUID and « / » to follow."""
    marker = "00000000-0000-0000-0000-000000000000"
    return reverse("api:attachment", args=[number, marker]).removesuffix(f"{marker}/")


class AttachmentSerializer(FieldsWorkedOutOnce, serializers.Serializer):
    uuid = serializers.UUIDField()
    name = serializers.CharField(source="original_name")
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    url = serializers.SerializerMethodField()

    @extend_schema_field(serializers.CharField())
    def get_url(self, attachment):
        return f"{self.context['attachments_at']}{attachment.uuid}/"  # attachments_at(number): one reverse() per DI


class MessageSerializer(FieldsWorkedOutOnce, serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=Message.Kind.choices)
    author = PersonSerializer(allow_null=True)
    body = serializers.CharField()
    created_at = serializers.DateTimeField()
    attachments = AttachmentSerializer(many=True, source="files")  # given by support.access.thread_for


class TicketDetailSerializer(FieldsWorkedOutOnce, serializers.ModelSerializer):
    """One DI with its thread and the actions this person may take on it (the workflow table's
    names: ``take``, ``reply``, ``owner_message``, ``propose_closure``, ``validate_closure``…)."""

    status_label = ChoiceLabelField(Status, source="status")
    contract = ContractBriefSerializer()
    establishment = EstablishmentBriefSerializer()
    owner = PersonSerializer(allow_null=True)
    author = PersonSerializer(allow_null=True)
    assignee = PersonSerializer(allow_null=True)
    follows = serializers.SlugRelatedField(slug_field="number", read_only=True)
    attachments = serializers.SerializerMethodField()
    messages = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    class Meta:
        model = Ticket
        fields = (
            "number",
            "subject",
            "description",
            "status",
            "status_label",
            "team",
            "module",
            "version",
            "environment",
            "awaiting_owner",
            "contract",
            "establishment",
            "owner",
            "author",
            "assignee",
            "follows",
            "created_at",
            "last_activity_at",
            "closure_proposed_at",
            "closed_at",
            "due_at",
            "attachments",
            "messages",
            "actions",
        )

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, ticket):
        files = self.context["thread"].initial_files  # support.access.thread_for
        return AttachmentSerializer(files, many=True, context={"attachments_at": attachments_at(ticket.number)}).data

    @extend_schema_field(MessageSerializer(many=True))
    def get_messages(self, ticket):
        context = {"attachments_at": attachments_at(ticket.number)}
        return MessageSerializer(self.context["thread"].messages, many=True, context=context).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_actions(self, ticket):
        return sorted(self.context["actions"])


class ContractSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    product = serializers.CharField(source="product.name")
    product_kind = serializers.CharField(source="product.kind")
    establishment_id = serializers.IntegerField()
    in_force = serializers.BooleanField()


class SurveyQuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()


# --- Input ---------------------------------------------------------------------------------

TEXT = {"trim_whitespace": False}


def files_field():
    return serializers.ListField(
        child=serializers.FileField(),
        required=False,
        max_length=settings.ATTACHMENT_MAX_COUNT,
        help_text=_("Pièces jointes (multipart, champ « files » répété)."),
    )


class TicketCreateInput(serializers.Serializer):
    contract = serializers.IntegerField(help_text=_("L'identifiant d'un contrat actif (GET /api/v1/contrats/)."))
    subject = serializers.CharField(max_length=200)
    description = serializers.CharField()
    module = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    version = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    environment = serializers.ChoiceField(
        choices=Ticket.Environment.choices, required=False, default="", allow_blank=True
    )
    follows = serializers.CharField(max_length=20, required=False, default="", allow_blank=True)
    files = files_field()


class OnBehalfInput(TicketCreateInput):
    owner = serializers.IntegerField(help_text=_("L'identifiant du compte client propriétaire de la DI."))
    follows = None


class BodyInput(serializers.Serializer):
    body = serializers.CharField()


class MessageInput(BodyInput):
    files = files_field()


class ReplyInput(MessageInput):
    question = serializers.BooleanField(required=False, default=False)


class CancelInput(serializers.Serializer):
    reason = serializers.CharField()


class ValidateClosureInput(serializers.Serializer):
    ratings = serializers.DictField(
        child=serializers.IntegerField(min_value=1, max_value=5),
        help_text=_("Une note de 1 à 5 par question du questionnaire (GET /api/v1/questionnaire/)."),
    )
    comment = serializers.CharField(required=False, default="", allow_blank=True)

    def validate_ratings(self, ratings):
        try:
            return {int(key): value for key, value in ratings.items()}
        except ValueError:
            raise serializers.ValidationError(_("Les clés sont les identifiants des questions.")) from None


class AssigneeInput(serializers.Serializer):
    assignee = serializers.IntegerField()


class RerouteInput(serializers.Serializer):
    contract = serializers.IntegerField()
    team = serializers.ChoiceField(choices=Team.choices, required=False, default="", allow_blank=True)


class MergeInput(serializers.Serializer):
    target = serializers.CharField(max_length=20, help_text=_("Le numéro de la DI à conserver."))


STATUS_CHOICES = Status.choices


class ReferentialInput(serializers.Serializer):
    lignes = serializers.ListField(
        child=serializers.DictField(), max_length=50_000, help_text=_("Les lignes : les colonnes du type, par nom.")
    )
    simulation = serializers.BooleanField(required=False, default=False, help_text=_("Vérifier sans rien enregistrer."))


class ReferentialErrorSerializer(serializers.Serializer):
    ligne = serializers.IntegerField()
    colonne = serializers.CharField()
    message = serializers.CharField()


class ReferentialReportSerializer(serializers.Serializer):
    type = serializers.CharField()
    simulation = serializers.BooleanField()
    enregistre = serializers.BooleanField()
    crees = serializers.IntegerField()
    modifies = serializers.IntegerField()
    inchanges = serializers.IntegerField()
    erreurs = ReferentialErrorSerializer(many=True)
