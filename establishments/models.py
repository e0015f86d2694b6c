from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Establishment(models.Model):
    class Kind(models.TextChoices):
        HOSPITAL = "hospital", _("Centre hospitalier")
        CARE_HOME = "care_home", _("EHPAD")
        TOWN_HALL = "town_hall", _("Mairie")
        INTERMUNICIPAL = "intermunicipal", _("Intercommunalité")
        OTHER = "other", _("Autre établissement public")

    name = models.CharField(_("nom"), max_length=200)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.HOSPITAL)
    finess = models.CharField(_("n° FINESS"), max_length=9, blank=True)
    siret = models.CharField(_("n° SIRET"), max_length=14, blank=True)
    address = models.CharField(_("adresse"), max_length=255, blank=True)
    postal_code = models.CharField(_("code postal"), max_length=5, blank=True)
    city = models.CharField(_("commune"), max_length=120, blank=True)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    email = models.EmailField(_("adresse mail"), blank=True)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("établissement")
        verbose_name_plural = _("établissements")
        ordering = ["name"]
        indexes = [models.Index(fields=["name"])]

    def __str__(self):
        return self.name


class Product(models.Model):
    class Kind(models.TextChoices):
        SOFTWARE = "software", _("Logiciel")
        LEGAL = "legal", _("Service juridique")

    name = models.CharField(_("nom"), max_length=100, unique=True)
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("produit")
        verbose_name_plural = _("produits")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ContractQuerySet(models.QuerySet):
    def active(self, on=None):
        """Contracts in force on the given date (today by default)."""
        on = on or timezone.localdate()
        return self.filter(is_active=True, start_date__lte=on).filter(Q(end_date__isnull=True) | Q(end_date__gte=on))


class Contract(models.Model):
    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("établissement")
    )
    product = models.ForeignKey(Product, on_delete=models.PROTECT, related_name="contracts", verbose_name=_("produit"))
    reference = models.CharField(_("référence"), max_length=50, unique=True)
    start_date = models.DateField(_("date de début"))
    end_date = models.DateField(_("date de fin"), null=True, blank=True)
    is_active = models.BooleanField(
        _("actif"), default=True, help_text=_("Décocher pour suspendre le contrat avant sa date de fin.")
    )

    objects = ContractQuerySet.as_manager()

    class Meta:
        verbose_name = _("contrat")
        verbose_name_plural = _("contrats")
        ordering = ["product__name", "-start_date"]
        indexes = [models.Index(fields=["establishment", "is_active", "end_date"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="contract_ends_after_it_starts",
            )
        ]

    def __str__(self):
        return f"{self.product} — {self.reference}"

    @property
    def in_force(self):
        return self.state_on(timezone.localdate()) == self.State.ACTIVE

    class State(models.TextChoices):
        ACTIVE = "active", _("Actif")
        EXPIRED = "expired", _("Expiré")
        SUSPENDED = "suspended", _("Suspendu")
        UPCOMING = "upcoming", _("À venir")

    def state_on(self, day):
        """The contract's badge on ``day``: in force, ended, suspended before its end, or not begun."""
        if self.end_date is not None and self.end_date < day:
            return self.State.EXPIRED
        if self.start_date > day:
            return self.State.UPCOMING
        return self.State.ACTIVE if self.is_active else self.State.SUSPENDED

    @property
    def state(self):
        """The contract's badge today (``state_on``)."""
        return self.state_on(timezone.localdate())
