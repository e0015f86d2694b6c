"""Webhook endpoints and their deliveries (SPEC M15.4)."""

import base64
import secrets
import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.TextChoices):
    TICKET_CREATED = "ticket.created", _("DI déposée")
    TICKET_ANSWERED = "ticket.answered", _("DI répondue par le support")
    TICKET_STATUS_CHANGED = "ticket.status_changed", _("Statut de DI modifié")
    TICKET_CLOSURE_VALIDATED = "ticket.closure_validated", _("Clôture de DI validée")
    TICKET_CLOSURE_REFUSED = "ticket.closure_refused", _("Clôture de DI refusée")
    ACCOUNT_CREATED = "account.created", _("Compte créé")
    ACCOUNT_DEACTIVATED = "account.deactivated", _("Compte désactivé")


def new_secret():
    """A Standard Webhooks secret: « whsec_ » and 32 random bytes in base64."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


class Endpoint(models.Model):
    url = models.URLField(_("adresse (URL)"), max_length=500)
    description = models.CharField(_("description"), max_length=200, blank=True)
    events = models.JSONField(_("événements"), default=list)
    secret = models.CharField(_("secret de signature"), max_length=100, default=new_secret, editable=False)
    is_active = models.BooleanField(_("actif"), default=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("point de réception de webhooks")
        verbose_name_plural = _("points de réception de webhooks")
        ordering = ["-created_at", "-pk"]

    def __str__(self):
        return self.url

    def event_labels(self):
        labels = dict(Event.choices)
        return [str(labels.get(name, name)) for name in self.events]


class Delivery(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("En attente")
        SUCCEEDED = "succeeded", _("Livrée")
        RETRYING = "retrying", _("Nouvel essai prévu")
        FAILED = "failed", _("Échec")

    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    message_id = models.CharField(max_length=40, default="", editable=False)
    event = models.CharField(_("événement"), max_length=40, choices=Event.choices)
    payload = models.JSONField()
    state = models.CharField(_("état"), max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField(_("essais"), default=0)
    next_attempt_at = models.DateTimeField(_("prochain essai"), null=True, blank=True)
    last_status_code = models.PositiveSmallIntegerField(_("dernier code HTTP"), null=True, blank=True)
    last_error = models.CharField(_("dernière erreur"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    last_attempt_at = models.DateTimeField(_("dernier essai"), null=True, blank=True)

    class Meta:
        verbose_name = _("livraison de webhook")
        verbose_name_plural = _("livraisons de webhooks")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["endpoint", "-created_at"], name="delivery_endpoint_created"),
            models.Index(fields=["state", "next_attempt_at"], name="delivery_state_next"),
        ]

    def __str__(self):
        return f"{self.event} → {self.endpoint_id} ({self.state})"

    def save(self, *args, **kwargs):
        if not self.message_id:
            self.message_id = f"msg_{uuid.uuid4().hex}"
        super().save(*args, **kwargs)
