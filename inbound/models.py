from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class InboundMail(models.Model):
    """One mail read from the replies' mailbox, by its Message-ID: recorded once (unique), so that
    a mail seen twice, by two workers or after a crash, is never processed twice."""

    class Status(models.TextChoices):
        RECEIVED = "received", _("En cours de traitement")
        PROCESSED = "processed", _("Ajouté à la DI")
        REFUSED = "refused", _("Refusé (expéditeur prévenu)")
        IGNORED = "ignored", _("Ignoré (réponse automatique)")
        FAILED = "failed", _("En erreur")
        RETRY = "retry", _("À réessayer")

    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.RECEIVED)
    sender = models.CharField(_("expéditeur"), max_length=254, blank=True)
    subject = models.CharField(_("objet"), max_length=250, blank=True)
    size = models.PositiveIntegerField(_("taille (octets)"), default=0)
    reason = models.TextField(_("motif"), blank=True)
    ticket = models.ForeignKey(
        "support.Ticket", on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("DI")
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("destinataire de la notification"),
    )
    added_message = models.ForeignKey(
        "support.Message",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("message ajouté"),
    )
    attempts = models.PositiveSmallIntegerField(_("traitements"), default=0)
    received_at = models.DateTimeField(_("reçu le"), auto_now_add=True)
    processed_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    # The worker moving the mail to its folder holds this lease meanwhile: a MOVE is not atomic across
    # two IMAP sessions, so one worker moves a mail at a time; another takes over once it has lapsed.
    filing_until = models.DateTimeField(_("rangement en cours jusqu'au"), null=True, blank=True)

    class Meta:
        verbose_name = _("réponse reçue par mail")
        verbose_name_plural = _("réponses reçues par mail")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["-received_at", "-id"], name="inbound_received"),
            models.Index(fields=["status", "-received_at", "-id"], name="inbound_status_received"),
        ]

    def __str__(self):
        return f"{self.message_id} ({self.get_status_display()})"
