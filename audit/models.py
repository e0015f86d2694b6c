from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Event(models.Model):
    """One line of the audit trail: who did what, to what, when, from where.

    Never holds a password, a token or a session id.
    """

    action = models.CharField(_("action"), max_length=60, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("auteur"),
    )
    actor_email = models.CharField(_("identifiant de l'auteur"), max_length=254, blank=True)
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    target = models.CharField(_("objet"), max_length=200, blank=True)
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    data = models.JSONField(_("détails"), default=dict, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("événement")
        verbose_name_plural = _("journal des événements")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["establishment", "-created_at"])]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.action} {self.actor_email}"
