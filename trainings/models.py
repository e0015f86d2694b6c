"""Training sessions run by the vendor (SPEC M8.3) and their participants."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.models import normalize_email


class Training(models.Model):
    product = models.ForeignKey(
        "establishments.Product", on_delete=models.PROTECT, related_name="trainings", verbose_name=_("produit")
    )
    title = models.CharField(_("intitulé"), max_length=200)
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(_("date de fin"))
    trainer = models.CharField(_("formateur"), max_length=120)
    place = models.CharField(_("lieu"), max_length=200)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("créée le"), auto_now_add=True)
    validated_at = models.DateTimeField(_("validée le"), null=True, blank=True)
    validated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("validée par"),
    )

    class Meta:
        verbose_name = _("formation")
        verbose_name_plural = _("formations")
        ordering = ["-start_date", "title"]
        indexes = [models.Index(fields=["-start_date"])]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="training_ends_after_it_starts")
        ]

    def __str__(self):
        return f"{self.title} ({self.start_date:%d/%m/%Y})"

    def clean(self):
        super().clean()
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": _("La date de fin précède la date de début.")})

    @property
    def is_validated(self):
        return self.validated_at is not None


class Participant(models.Model):
    class Outcome(models.TextChoices):
        CREATED = "created", _("Compte créé")
        LINKED = "linked", _("Compte existant rattaché")
        CONFLICT = "conflict", _("Conflit signalé")

    training = models.ForeignKey(
        Training, on_delete=models.CASCADE, related_name="participants", verbose_name=_("formation")
    )
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        related_name="training_participants",
        verbose_name=_("établissement"),
    )
    last_name = models.CharField(_("nom"), max_length=100)
    first_name = models.CharField(_("prénom"), max_length=100)
    email = models.EmailField(_("adresse mail"))
    function = models.CharField(_("fonction"), max_length=120, blank=True)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="trainings_attended",
        verbose_name=_("compte"),
    )
    outcome = models.CharField(_("résultat de la validation"), max_length=10, choices=Outcome.choices, blank=True)
    outcome_message = models.CharField(_("détail"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["last_name", "first_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["training", "email"],
                name="participant_once_per_training",
                violation_error_message=_("Cette adresse mail figure déjà parmi les participants de la formation."),
            ),
            models.CheckConstraint(condition=Q(email=Lower("email")), name="participant_email_lowercase"),
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}>"

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)

    @property
    def full_name(self):
        return f"{self.first_name} {self.last_name}".strip()
