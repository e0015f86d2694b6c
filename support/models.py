import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Team(models.TextChoices):
    SOFTWARE = "software", _("Support logiciel")
    LEGAL = "legal", _("Support juridique")


class Status(models.TextChoices):
    TO_PROCESS = "to_process", _("A traiter")
    IN_PROGRESS = "in_progress", _("En cours")
    CLOSURE_PENDING = "closure_pending", _("Clôture à valider")
    CLOSED = "closed", _("Clôturée")
    CANCELLED = "cancelled", _("Annulée")


OPEN_STATUSES = (Status.TO_PROCESS, Status.IN_PROGRESS, Status.CLOSURE_PENDING)


class TicketCounter(models.Model):
    """The last DI number given each year: numbers are never reused, even if a DI is deleted."""

    year = models.PositiveSmallIntegerField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last}"


class StatusCount(models.Model):
    """How many DIs an establishment holds in each status, kept by a PostgreSQL trigger on
    ``support_ticket`` (migration 0006): the dashboard's tiles and the client list's totals read
    a handful of rows instead of counting up to 20,000 index entries per page. On SQLite (the
    embedded default, small) the DIs are counted instead and this table stays empty."""

    establishment = models.ForeignKey("establishments.Establishment", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=20, choices=Status.choices)
    count = models.IntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["establishment", "status"], name="statuscount_est_status")]

    def __str__(self):
        return f"{self.establishment_id} {self.status}: {self.count}"


class Ticket(models.Model):
    """A « DI » (demande d'intervention)."""

    class Environment(models.TextChoices):
        PRODUCTION = "production", _("Production")
        TEST = "test", _("Test / recette")
        TRAINING = "training", _("Formation")

    number = models.CharField(_("numéro"), max_length=20, unique=True, editable=False)
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="tickets",
        verbose_name=_("établissement"),
    )
    contract = models.ForeignKey(
        "establishments.Contract", on_delete=models.PROTECT, related_name="tickets", verbose_name=_("contrat")
    )
    team = models.CharField(_("équipe"), max_length=10, choices=Team.choices)
    # None means « Demande A Reaffecter »: the establishment's placeholder for DIs whose owner is gone.
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_tickets",
        verbose_name=_("agent"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="authored_tickets", verbose_name=_("auteur")
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_tickets",
        verbose_name=_("support"),
    )
    subject = models.CharField(_("objet"), max_length=200)
    description = models.TextField(_("description"))
    module = models.CharField(_("module concerné"), max_length=100, blank=True)
    version = models.CharField(_("version"), max_length=50, blank=True)
    environment = models.CharField(_("environnement"), max_length=20, choices=Environment.choices, blank=True)
    status = models.CharField(_("statut"), max_length=20, choices=Status.choices, default=Status.TO_PROCESS)
    awaiting_owner = models.BooleanField(_("en attente de réponse du propriétaire"), default=False)
    # The ball is the support's: the owner wrote after the support's last public answer (M11.1).
    client_answered = models.BooleanField(_("le demandeur a répondu"), default=False)
    # Since when the client has waited for an answer of the support: set when the DI is filed or
    # the owner writes, cleared by a public answer, a question or a closure proposal (M11.1).
    waiting_since = models.DateTimeField(_("en attente du support depuis"), null=True, blank=True)
    follows = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="follow_ups",
        verbose_name=_("suite de la DI"),
    )
    merged_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="merged_tickets",
        verbose_name=_("fusionnée dans la DI"),
    )
    created_at = models.DateTimeField(_("déposée le"), auto_now_add=True)
    last_activity_at = models.DateTimeField(_("dernière activité"), auto_now_add=True)
    closure_proposed_at = models.DateTimeField(_("clôture proposée le"), null=True, blank=True)
    closed_at = models.DateTimeField(_("clôturée le"), null=True, blank=True)
    # The service level (SPEC M13): the contract's level when the DI was filed, and what its clock
    # (servicelevels.clock.due_dates) read at the DI's last change, written by support.clock on
    # every status change and public answer so that lists sort and flag without computing.
    service_level = models.ForeignKey(
        "establishments.ServiceLevel",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("niveau de service"),
    )
    first_response_due_at = models.DateTimeField(_("réponse attendue avant le"), null=True, blank=True)
    first_response_at = models.DateTimeField(_("première réponse le"), null=True, blank=True)
    first_response_minutes = models.PositiveIntegerField(
        _("délai de première réponse (minutes ouvrées)"), null=True, blank=True
    )
    resolution_due_at = models.DateTimeField(_("résolution visée avant le"), null=True, blank=True)
    # Working minutes on the clock at the last change: exact while it is paused or stopped (the
    # resolution time of a closed DI), the elapsed time when it last moved while it runs.
    clock_minutes = models.PositiveIntegerField(_("temps ouvré décompté (minutes)"), default=0)
    # The desk's sort: the next deadline of a running clock (first response, then resolution).
    due_at = models.DateTimeField(_("échéance"), null=True, blank=True)

    class Meta:
        verbose_name = _("DI")
        verbose_name_plural = _("DIs")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["establishment", "status", "-last_activity_at", "-id"], name="ticket_est_status_activity"
            ),
            models.Index(fields=["establishment", "-last_activity_at", "-id"], name="ticket_est_activity"),
            # The client list's default view: the establishment's open DIs, latest activity first,
            # read in index order (three statuses in one index would need a sort of them all).
            models.Index(
                fields=["establishment", "-last_activity_at", "-id"],
                name="ticket_est_open_activity",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["establishment", "-created_at", "-id"], name="ticket_est_created"),
            models.Index(fields=["team", "status", "created_at", "id"], name="ticket_team_status_created"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_status"),
            models.Index(fields=["owner", "status"], name="ticket_owner_status"),
            models.Index(fields=["status", "closure_proposed_at"], name="ticket_status_proposed"),
            # Each list's sort is read in index order, the id breaking ties (LIMIT without a sort).
            # The client list's other sorts, within one establishment.
            models.Index(fields=["establishment", "number"], name="ticket_est_number"),
            models.Index(fields=["establishment", "subject"], name="ticket_est_subject"),
            # The desk: a team across every establishment, by age or activity, open or not.
            models.Index(fields=["team", "created_at", "id"], name="ticket_team_created"),
            models.Index(fields=["team", "-last_activity_at", "-id"], name="ticket_team_activity"),
            models.Index(fields=["team", "status", "-last_activity_at", "-id"], name="ticket_team_status_activity"),
            models.Index(
                fields=["team", "created_at", "id"],
                name="ticket_team_open_created",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            # The vendor's administrators: every team.
            models.Index(fields=["created_at", "id"], name="ticket_created"),
            models.Index(fields=["-last_activity_at", "-id"], name="ticket_activity"),
            models.Index(fields=["status", "-last_activity_at", "-id"], name="ticket_status_activity"),
            models.Index(
                fields=["created_at", "id"], name="ticket_open_created", condition=Q(status__in=OPEN_STATUSES)
            ),
            # The desk's customer context (M11.3): a contract's last closed DIs, latest activity first.
            models.Index(fields=["contract", "status", "-last_activity_at", "-id"], name="ticket_contract_status_act"),
            # The desk by due time (SPEC M13.4): nearest deadline first, the others after it.
            models.Index(fields=["team", "due_at", "id"], name="ticket_team_due"),
            models.Index(fields=["due_at", "id"], name="ticket_due"),
            # The vendor's home (M11.1): who owes whom an answer, per team and person in charge.
            models.Index(
                fields=["team", "waiting_since", "id"],
                name="ticket_team_waiting",
                condition=Q(waiting_since__isnull=False),
            ),
            models.Index(
                fields=["waiting_since", "id"], name="ticket_waiting", condition=Q(waiting_since__isnull=False)
            ),
            models.Index(fields=["team", "assignee"], name="ticket_team_answered", condition=Q(client_answered=True)),
            models.Index(fields=["team", "assignee"], name="ticket_team_awaiting", condition=Q(awaiting_owner=True)),
            # The full-text search vector and its GIN index are PostgreSQL-only (support.search,
            # migration 0004): they live outside the model.
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="closure_pending") | Q(closure_proposed_at__isnull=False),
                name="ticket_closure_pending_has_date",
            )
        ]

    def __str__(self):
        return f"{self.number} — {self.subject}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES

    @property
    def clock_paused(self):
        """The service-level clock waits on the client: a question to answer, a closure to validate."""
        return self.is_open and (self.awaiting_owner or self.status == Status.CLOSURE_PENDING)

    @property
    def automatic_closure_at(self):
        """When a DI « Clôture à valider » closes by itself (``tickets_auto_close``), else None."""
        if self.status != Status.CLOSURE_PENDING or self.closure_proposed_at is None:
            return None
        return self.closure_proposed_at + timedelta(days=settings.TICKET_CLOSURE_VALIDATION_DAYS)

    @property
    def days_before_automatic_closure(self):
        """Whole days left before ``automatic_closure_at`` (0: today or overdue), else None."""
        moment = self.automatic_closure_at
        if moment is None:
            return None
        return max(0, (timezone.localdate(moment) - timezone.localdate()).days)


def attachment_path(instance, filename):
    # A random name, no extension: the original name lives in the database only.
    return f"attachments/{instance.uuid.hex[:2]}/{instance.uuid.hex}"


class Message(models.Model):
    class Kind(models.TextChoices):
        MESSAGE = "message", _("Message")
        QUESTION = "question", _("Question au demandeur")
        INTERNAL = "internal", _("Note interne")
        CLOSURE_PROPOSED = "closure_proposed", _("Proposition de clôture")
        CLOSURE_REFUSED = "closure_refused", _("Clôture refusée")
        CANCELLATION = "cancellation", _("Annulation")
        MERGED = "merged", _("Fusion")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="messages", verbose_name=_("DI"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("auteur")
    )
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices, default=Kind.MESSAGE)
    body = models.TextField(_("message"))
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="message_ticket_created")]

    def __str__(self):
        return f"{self.ticket.number} · {self.get_kind_display()} · {self.created_at:%d/%m/%Y %H:%M}"

    @property
    def is_internal(self):
        return self.kind == self.Kind.INTERNAL


class Attachment(models.Model):
    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attachments", null=True, blank=True)
    file = models.FileField(upload_to=attachment_path, max_length=200)
    original_name = models.CharField(_("nom du fichier"), max_length=200)
    content_type = models.CharField(_("type"), max_length=100)
    size = models.PositiveBigIntegerField(_("taille"))
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("pièce jointe")
        verbose_name_plural = _("pièces jointes")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name


class TicketEvent(models.Model):
    """Every status change, assignment and reassignment: who, when, from → to."""

    class Action(models.TextChoices):
        CREATED = "created", _("DI déposée")
        TAKEN = "taken", _("Prise en charge")
        REPLIED = "replied", _("Réponse du support")
        QUESTION = "question", _("Question au demandeur")
        INTERNAL_NOTE = "internal_note", _("Note interne")
        OWNER_MESSAGE = "owner_message", _("Message du demandeur")
        CLOSURE_PROPOSED = "closure_proposed", _("Clôture proposée")
        CLOSURE_VALIDATED = "closure_validated", _("Clôture validée")
        CLOSURE_REFUSED = "closure_refused", _("Clôture refusée")
        AUTO_CLOSED = "auto_closed", _("Clôture automatique")
        CANCELLED = "cancelled", _("DI annulée")
        REASSIGNED = "reassigned", _("Réaffectation")
        ASSIGNEE_CHANGED = "assignee_changed", _("Changement de support")
        HANDED_OVER = "handed_over", _("Confiée à un collègue")
        REROUTED = "rerouted", _("Réorientation")
        MERGED = "merged", _("Fusion")

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events", verbose_name=_("DI"))
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("par"),
    )
    from_status = models.CharField(_("statut avant"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("statut après"), max_length=20, choices=Status.choices, blank=True)
    from_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne avant"),
    )
    to_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("personne après"),
    )
    # What the columns above do not say: « Support logiciel → Support juridique », « fusionnée dans DI-… ».
    note = models.CharField(_("détail"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True)

    class Meta:
        verbose_name = _("événement de DI")
        verbose_name_plural = _("événements de DI")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketevent_ticket_created")]

    def __str__(self):
        return f"{self.ticket_id} {self.action}"


class SurveyQuestion(models.Model):
    """A question of the satisfaction questionnaire, answered 1 (poor) to 5 (excellent)."""

    text = models.CharField(_("question"), max_length=200)
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("posée"), default=True)

    class Meta:
        verbose_name = _("question du questionnaire")
        verbose_name_plural = _("questions du questionnaire")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class SurveyResponse(models.Model):
    ticket = models.OneToOneField(Ticket, on_delete=models.CASCADE, related_name="survey", verbose_name=_("DI"))
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("répondant")
    )
    comment = models.TextField(_("commentaire"), blank=True)
    created_at = models.DateTimeField(_("répondu le"), auto_now_add=True)

    class Meta:
        verbose_name = _("questionnaire de satisfaction")
        verbose_name_plural = _("questionnaires de satisfaction")

    def __str__(self):
        return f"{self.ticket.number} — {self.respondent}"


class SurveyAnswer(models.Model):
    response = models.ForeignKey(
        SurveyResponse, on_delete=models.CASCADE, related_name="answers", verbose_name=_("questionnaire")
    )
    question = models.ForeignKey(
        SurveyQuestion, on_delete=models.PROTECT, related_name="answers", verbose_name=_("question")
    )
    rating = models.PositiveSmallIntegerField(_("note"))

    class Meta:
        verbose_name = _("réponse au questionnaire")
        verbose_name_plural = _("réponses au questionnaire")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="survey_answer_once"),
            models.CheckConstraint(condition=Q(rating__gte=1) & Q(rating__lte=5), name="survey_rating_1_to_5"),
        ]

    def __str__(self):
        return f"{self.question}: {self.rating}/5"


class CannedReply(models.Model):
    """« Réponses types »: a team's ready-made answers, kept in the back office, inserted into a
    reply on the desk and edited there before it is sent (M11.4)."""

    team = models.CharField(_("équipe"), max_length=10, choices=Team.choices)
    title = models.CharField(_("titre"), max_length=120, help_text=_("Ce que le support voit dans la liste."))
    body = models.TextField(
        _("texte"),
        help_text=_(
            "Inséré dans la réponse, modifiable avant l'envoi. [demandeur] devient le nom du propriétaire de la DI, "
            "[numéro] son numéro et [support] le nom de la personne qui répond."
        ),
    )
    position = models.PositiveSmallIntegerField(_("ordre"), default=0)
    is_active = models.BooleanField(_("proposée"), default=True)

    class Meta:
        verbose_name = _("réponse type")
        verbose_name_plural = _("réponses types")
        ordering = ["team", "position", "title", "pk"]
        indexes = [models.Index(fields=["team", "position", "title"], name="cannedreply_team")]

    def __str__(self):
        return f"{self.get_team_display()} — {self.title}"
