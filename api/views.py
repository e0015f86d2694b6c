"""The DIs through the API (SPEC M15.1): the same scoped reads (``support.access``,
``support.selectors``) and the same one service per action (``support.services``) as the pages,
checked against the same workflow table (``support.workflow``)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.exceptions import NotFound
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import accounts_of_establishment
from establishments.access import contracts_for
from referential.models import Kind as ReferentialKind
from referential.services import columns as referential_columns
from referential.services import referential_upsert
from support import selectors, services, workflow
from support.access import get_attachment_for_user, get_ticket_for_user, thread_for, tickets_for
from support.attachments import serve_attachment
from support.models import OPEN_STATUSES, SurveyQuestion, Team
from support.search import number_candidates

from . import serializers as s
from .errors import error_body
from .idempotency import idempotent
from .pagination import ApiCursorPagination
from .permissions import ClientsOnly, TokenScopes, VendorAdminsOnly, VendorStaffOnly

ERRORS = {
    400: OpenApiResponse(s.ErrorSerializer, description="Données invalides (champs en erreur)."),
    401: OpenApiResponse(s.ErrorSerializer, description="Non authentifié."),
    403: OpenApiResponse(s.ErrorSerializer, description="Refusé (rôle, jeton en lecture seule, workflow)."),
    404: OpenApiResponse(s.ErrorSerializer, description="Introuvable (ou pas le vôtre)."),
    409: OpenApiResponse(s.ErrorSerializer, description="Idempotency-Key : première requête en cours."),
    415: OpenApiResponse(s.ErrorSerializer, description="Corps illisible dans le type de contenu annoncé."),
    422: OpenApiResponse(s.ErrorSerializer, description="Idempotency-Key déjà utilisée pour une autre requête."),
    429: OpenApiResponse(s.ErrorSerializer, description="Trop de requêtes (voir Retry-After)."),
}
READ_ERRORS = {code: ERRORS[code] for code in (400, 401, 403, 404, 429)}
IDEMPOTENCY = OpenApiParameter(
    "Idempotency-Key",
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    description="Rejouer la même requête sans agir deux fois (24 h).",
)


def _detail(request, number):
    ticket = get_ticket_for_user(request.user, number)
    context = {
        "thread": thread_for(request.user, ticket),
        "actions": workflow.allowed_actions(request.user, ticket),
    }
    return s.TicketDetailSerializer(ticket, context=context).data


def _valid(serializer_class, request):
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _query(serializer_class, request):
    serializer = serializer_class(data=request.query_params)
    serializer.is_valid(raise_exception=True)
    return serializer.validated_data


def _contract(user, pk, *, establishment_id):
    contract = contracts_for(user).filter(pk=pk, establishment_id=establishment_id).first()
    if contract is None or not contract.in_force:
        raise ValidationError({"contract": _("Choisissez un contrat actif de l'établissement.")})
    return contract


# --- The client's list and filing -----------------------------------------------------------

CLIENT_SORTS = {
    "-activite": ("-last_activity_at", "-pk"),
    "activite": ("last_activity_at", "pk"),
    "-date": ("-created_at", "-pk"),
    "date": ("created_at", "pk"),
    "numero": ("number",),
    "-numero": ("-number",),
}


class ClientListQuery(serializers.Serializer):
    statut = serializers.ChoiceField(choices=s.STATUS_CHOICES, required=False, help_text="Un statut.")
    clotures = serializers.BooleanField(required=False, default=False, help_text="Avec les DIs terminées.")
    mes = serializers.BooleanField(required=False, default=False, help_text="« Mes DIs » seulement.")
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    tri = serializers.ChoiceField(choices=list(CLIENT_SORTS), required=False, default="-activite")


class TicketCollection(GenericAPIView):
    """The establishment's DIs (the page « Mes DIs »), and « Soumettre la DI »."""

    permission_classes = [TokenScopes, ClientsOnly]
    pagination_class = ApiCursorPagination
    serializer_class = s.TicketRowSerializer

    def cursor_ordering(self, request):
        return CLIENT_SORTS[request.query_params.get("tri") or "-activite"]

    @extend_schema(
        operation_id="dis_list",
        summary="Lister et rechercher les DIs de l'établissement",
        parameters=[ClientListQuery],
        responses={200: s.TicketRowSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        query = _query(ClientListQuery, request)
        tickets = selectors.client_tickets(
            request.user,
            status=query.get("statut", ""),
            show_closed=query["clotures"],
            search=query["q"].strip(),
            mine=query["mes"],
        )
        page = selectors.attach_row_relations(list(self.paginate_queryset(tickets)))
        return self.get_paginated_response(s.TicketRowSerializer(page, many=True).data)

    @extend_schema(
        operation_id="dis_create",
        summary="Déposer une DI",
        request={"application/json": s.TicketCreateInput, "multipart/form-data": s.TicketCreateInput},
        parameters=[IDEMPOTENCY],
        responses={201: s.TicketDetailSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request):
        data = _valid(s.TicketCreateInput, request)
        follows = None
        if data["follows"].strip():
            follows = tickets_for(request.user).filter(number=data["follows"].strip()).first()
            if follows is None:
                raise ValidationError({"follows": _("La DI dont celle-ci est la suite est introuvable.")})
        ticket = services.ticket_create(
            acting_user=request.user,
            contract=_contract(request.user, data["contract"], establishment_id=request.user.establishment_id),
            subject=data["subject"],
            description=data["description"],
            module=data["module"],
            version=data["version"],
            environment=data["environment"],
            files=data.get("files", []),
            follows=follows,
        )
        return Response(_detail(request, ticket.number), status=201)


# --- One DI ----------------------------------------------------------------------------------


class TicketDetail(APIView):
    @extend_schema(
        operation_id="di_read",
        summary="Lire une DI (fil, pièces jointes, actions possibles)",
        responses={200: s.TicketDetailSerializer, **READ_ERRORS},
    )
    def get(self, request, number):
        return Response(_detail(request, number))


class AttachmentDownload(APIView):
    @extend_schema(
        operation_id="di_attachment",
        summary="Télécharger une pièce jointe",
        responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, **READ_ERRORS},
    )
    def get(self, request, number, uuid):
        return serve_attachment(request, get_attachment_for_user(request.user, number, uuid))


class TicketAction(APIView):
    """One action of the workflow table on a DI: the table decides (403 with its French reason),
    the body is read, the one service is called; the answer is the DI as it is now."""

    action = None
    input = None

    def act(self, request, ticket, data):
        raise NotImplementedError

    @idempotent
    def post(self, request, number):
        ticket = get_ticket_for_user(request.user, number)
        workflow.ensure(self.action, request.user, ticket)
        data = _valid(self.input, request) if self.input else {}
        shown = self.act(request, ticket, data) or ticket.number
        return Response(_detail(request, shown))


def action(cls):
    """Document an action view: its body, its answers."""
    request = {"application/json": cls.input, "multipart/form-data": cls.input} if cls.input else None
    return extend_schema_view(
        post=extend_schema(
            operation_id=f"di_{cls.action}",
            summary=workflow.TRANSITIONS[cls.action].label,
            request=request,
            parameters=[IDEMPOTENCY],
            responses={200: s.TicketDetailSerializer, **ERRORS},
        )
    )(cls)


@action
class OwnerMessage(TicketAction):
    action, input = "owner_message", s.MessageInput

    def act(self, request, ticket, data):
        services.ticket_post_message(ticket, acting_user=request.user, body=data["body"], files=data.get("files", []))


@action
class ValidateClosure(TicketAction):
    action, input = "validate_closure", s.ValidateClosureInput

    def act(self, request, ticket, data):
        services.ticket_validate_closure(
            ticket, acting_user=request.user, ratings=data["ratings"], comment=data["comment"]
        )


@action
class RefuseClosure(TicketAction):
    action, input = "refuse_closure", s.BodyInput

    def act(self, request, ticket, data):
        services.ticket_refuse_closure(ticket, acting_user=request.user, body=data["body"])


@action
class Cancel(TicketAction):
    action, input = "cancel", s.CancelInput

    def act(self, request, ticket, data):
        services.ticket_cancel(ticket, acting_user=request.user, reason=data["reason"])


# --- The desk ------------------------------------------------------------------------------

DESK_SORTS = {
    "anciennete": ("created_at", "pk"),
    "recentes": ("-created_at", "-pk"),
    "activite": ("-last_activity_at", "-pk"),
    "numero": ("number",),
    "-numero": ("-number",),
}


class DeskListQuery(serializers.Serializer):
    equipe = serializers.ChoiceField(choices=[selectors.ALL, *Team.values], required=False)
    statut = serializers.ChoiceField(
        choices=[selectors.OPEN, *(value for value, _label in s.STATUS_CHOICES), selectors.ALL],
        required=False,
        default=selectors.OPEN,
    )
    etablissement = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    support = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=20, help_text="« moi », « aucun » ou un id."
    )
    age = serializers.ChoiceField(choices=[7, 30, 90], required=False, allow_null=True, default=None)
    suivi = serializers.ChoiceField(choices=list(selectors.FOLLOW_UPS), required=False, default="")
    q = serializers.CharField(required=False, default="", allow_blank=True, max_length=200)
    tri = serializers.ChoiceField(choices=list(DESK_SORTS), required=False)

    def validate_support(self, value):
        if value in ("", selectors.ME, selectors.NOBODY) or value.isdigit():
            return value
        raise serializers.ValidationError(_("« moi », « aucun » ou l'identifiant d'une personne du support."))


class DeskCollection(GenericAPIView):
    """The desk's DIs (« Guichet »), its filters; « Déposer la DI pour ce client »."""

    permission_classes = [TokenScopes, VendorStaffOnly]
    pagination_class = ApiCursorPagination
    serializer_class = s.DeskRowSerializer

    def cursor_ordering(self, request):
        sort = request.query_params.get("tri")
        if sort not in DESK_SORTS:
            status = request.query_params.get("statut") or selectors.OPEN
            sort = "anciennete" if status in (selectors.OPEN, *OPEN_STATUSES) else "activite"
        return DESK_SORTS[sort]

    @extend_schema(
        operation_id="desk_list",
        summary="Lister les DIs du guichet (mêmes filtres que la page)",
        parameters=[DeskListQuery],
        responses={200: s.DeskRowSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        query = _query(DeskListQuery, request)
        tickets = selectors.desk_tickets(
            request.user,
            team=query.get("equipe") or selectors.default_team(request.user),
            etablissement=query["etablissement"].strip(),
            support=query["support"],
            older_than_days=query["age"],
            q=query["q"].strip(),
            suivi=query["suivi"],
        )
        listed = selectors.filter_status(tickets, query["statut"], q=query["q"].strip())
        listed = selectors.only_row_columns(listed, with_establishment=True)
        page = list(self.paginate_queryset(listed))
        page = selectors.attach_row_relations(page, with_establishment=True)
        return self.get_paginated_response(s.DeskRowSerializer(page, many=True).data)

    @extend_schema(
        operation_id="desk_file_on_behalf",
        summary="Déposer une DI pour un client",
        request={"application/json": s.OnBehalfInput, "multipart/form-data": s.OnBehalfInput},
        parameters=[IDEMPOTENCY],
        responses={201: s.TicketDetailSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request):
        data = _valid(s.OnBehalfInput, request)
        contract = contracts_for(request.user).filter(pk=data["contract"]).first()
        if contract is None:
            raise ValidationError({"contract": _("Choisissez un contrat actif de l'établissement.")})
        owner = accounts_of_establishment(request.user, contract.establishment_id).filter(pk=data["owner"]).first()
        if owner is None:
            raise ValidationError({"owner": _("Choisissez un compte actif de l'établissement.")})
        ticket = services.ticket_create_on_behalf(
            acting_user=request.user,
            owner=owner,
            contract=_contract(request.user, data["contract"], establishment_id=owner.establishment_id),
            subject=data["subject"],
            description=data["description"],
            module=data["module"],
            version=data["version"],
            environment=data["environment"],
            files=data.get("files", []),
        )
        return Response(_detail(request, ticket.number), status=201)


class DeskAction(TicketAction):
    permission_classes = [TokenScopes, VendorStaffOnly]


@action
class Take(DeskAction):
    action = "take"

    def act(self, request, ticket, data):
        services.ticket_take(ticket, acting_user=request.user)


@action
class Reply(DeskAction):
    action, input = "reply", s.ReplyInput

    def act(self, request, ticket, data):
        services.ticket_reply(
            ticket, acting_user=request.user, body=data["body"], question=data["question"], files=data.get("files", [])
        )


@action
class InternalNote(DeskAction):
    action, input = "internal_note", s.MessageInput

    def act(self, request, ticket, data):
        services.ticket_add_internal_note(
            ticket, acting_user=request.user, body=data["body"], files=data.get("files", [])
        )


@action
class ProposeClosure(DeskAction):
    action, input = "propose_closure", s.BodyInput

    def act(self, request, ticket, data):
        services.ticket_propose_closure(ticket, acting_user=request.user, body=data["body"])


@action
class ChangeAssignee(DeskAction):
    action, input = "change_assignee", s.AssigneeInput

    def act(self, request, ticket, data):
        assignee = services.team_members(ticket.team).filter(pk=data["assignee"]).first()
        if assignee is None:
            raise ValidationError({"assignee": _("Choisissez une personne active de l'équipe de la DI.")})
        services.ticket_change_assignee(ticket, acting_user=request.user, new_assignee=assignee)


@action
class Reroute(DeskAction):
    action, input = "reroute", s.RerouteInput

    def act(self, request, ticket, data):
        contract = _contract(request.user, data["contract"], establishment_id=ticket.establishment_id)
        default = Team.SOFTWARE if contract.product.kind == "software" else Team.LEGAL
        services.ticket_reroute(ticket, acting_user=request.user, contract=contract, team=data["team"] or default.value)


@action
class Merge(DeskAction):
    action, input = "merge", s.MergeInput

    def act(self, request, ticket, data):
        numbers = number_candidates(data["target"])
        target = (
            tickets_for(request.user).filter(establishment_id=ticket.establishment_id, number__in=numbers).first()
            if numbers
            else None
        )
        if target is None:
            raise ValidationError({"target": _("Aucune DI de cet établissement ne porte ce numéro.")})
        return services.ticket_merge(ticket, acting_user=request.user, target=target).number


# --- What filing needs --------------------------------------------------------------------


class ContractList(GenericAPIView):
    """The contracts this person may file on (a client: their establishment's; the vendor: all)."""

    pagination_class = ApiCursorPagination
    serializer_class = s.ContractSerializer

    @extend_schema(
        operation_id="contracts_list",
        summary="Lister les contrats",
        responses={200: s.ContractSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        page = self.paginate_queryset(contracts_for(request.user))
        return self.get_paginated_response(s.ContractSerializer(page, many=True).data)


class SurveyQuestions(APIView):
    @extend_schema(
        operation_id="survey_questions",
        summary="Les questions du questionnaire de satisfaction (valider une clôture)",
        responses={200: s.SurveyQuestionSerializer(many=True), **READ_ERRORS},
    )
    def get(self, request):
        questions = SurveyQuestion.objects.filter(is_active=True).order_by("position", "pk")
        return Response(s.SurveyQuestionSerializer(questions, many=True).data)


# --- The vendor's master data (M15.3) ----------------------------------------------------------


class ReferentialUpsert(APIView):
    """Create or update establishments, products, contracts or client accounts by their external
    reference: all the lines or none, each wrong line reported; ``simulation`` writes nothing."""

    permission_classes = [TokenScopes, VendorAdminsOnly]

    @extend_schema(
        operation_id="referential_upsert",
        summary="Importer le référentiel (tout ou rien, par référence externe)",
        description="Colonnes : "
        + " ; ".join(f"{kind.value} : {', '.join(referential_columns(kind))}" for kind in ReferentialKind),
        request=s.ReferentialInput,
        parameters=[IDEMPOTENCY],
        responses={200: s.ReferentialReportSerializer, **ERRORS},
    )
    @idempotent
    def post(self, request, kind):
        if kind not in ReferentialKind.values:
            return Response(
                error_body(404, _("Référentiel inconnu : %(kinds)s.") % {"kinds": ", ".join(ReferentialKind.values)}),
                404,
            )
        data = _valid(s.ReferentialInput, request)
        report = referential_upsert(
            kind, data["lignes"], acting_user=request.user, dry_run=data["simulation"], request=request
        )
        body = report.as_dict()
        if report.ok:
            return Response(body)
        fields = {}
        for line, column, message in report.errors:
            fields.setdefault(f"lignes[{line}]" + (f".{column}" if column else ""), []).append(message)
        message = _("%(count)s erreur(s) : rien n'est enregistré.") % {"count": len(report.errors)}
        return Response({**error_body(400, message, fields, code="validation"), "rapport": body}, status=400)


@extend_schema(exclude=True)
class UnknownRoute(APIView):
    """Any other address under /api/v1/: the API's JSON 404, not the portal's page."""

    def _not_found(self, request, *args, **kwargs):
        raise NotFound(_("Cette adresse n'existe pas dans l'API : voir /api/v1/docs/."))

    get = post = put = patch = delete = head = options = _not_found
