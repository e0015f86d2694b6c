from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailBody(models.Model):
    """What an e-mail says (its text and HTML), stored once for all the recipients it goes to: a
    new DI tells a team of thirty in thirty rows of ``OutgoingEmail`` and one body."""

    text = models.TextField(_("texte"))
    html = models.TextField(_("HTML"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("corps de mail")
        verbose_name_plural = _("corps de mails")

    def __str__(self):
        return self.text[:80]


class OutgoingEmail(models.Model):
    """An e-mail, written in the same transaction as the change it reports, sent after commit."""

    class Status(models.TextChoices):
        PENDING = "pending", _("À envoyer")
        SENDING = "sending", _("En cours d'envoi")
        SENT = "sent", _("Envoyé")
        FAILED = "failed", _("Abandonné")

    to = models.EmailField(_("destinataire"))
    subject = models.CharField(_("objet"), max_length=250)
    # Shared by the rows of one e-mail sent to several people; never deleted while a row uses it.
    body = models.ForeignKey(EmailBody, on_delete=models.PROTECT, related_name="emails", verbose_name=_("corps"))
    template = models.CharField(_("modèle"), max_length=100)
    # The address a reply goes to, when the recipient may answer by e-mail (one per recipient).
    reply_to = models.CharField(_("adresse de réponse"), max_length=254, blank=True)
    # Extra headers of this e-mail (In-Reply-To, Auto-Submitted…).
    headers = models.JSONField(_("en-têtes"), default=dict, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("tentatives"), default=0)
    last_error = models.TextField(_("dernière erreur"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("prochaine tentative"), auto_now_add=True)
    sent_at = models.DateTimeField(_("envoyé le"), null=True, blank=True)
    # When a worker claimed the row to send it (status « sending »); a claim older than
    # EMAIL_CLAIM_EXPIRES means the worker died mid-send: the row is due again.
    claimed_at = models.DateTimeField(_("pris en charge le"), null=True, blank=True)

    class Meta:
        verbose_name = _("mail")
        verbose_name_plural = _("mails")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self):
        return f"{self.subject} → {self.to}"

    @property
    def body_text(self):
        return self.body.text

    @property
    def body_html(self):
        return self.body.html
