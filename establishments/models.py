from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def department_of(postal_code):
    """The French department of a postal code: « 57 » for 57000, « 2A »/« 2B » in Corsica,
    « 974 » overseas; "" when the code says nothing."""
    code = (postal_code or "").strip()
    if len(code) != 5 or not code.isdigit():
        return ""
    if code.startswith("97"):
        return code[:3]
    if code.startswith("20"):
        return "2A" if code < "20200" else "2B"
    return code[:2]


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
    department = models.CharField(
        _("département"),
        max_length=3,
        blank=True,
        help_text=_(
            "Numéro du département (57, 67, 68 : jours fériés d'Alsace-Moselle). "
            "Déduit du code postal s'il est laissé vide."
        ),
    )
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

    def save(self, *args, **kwargs):
        if not self.department:
            self.department = department_of(self.postal_code)
        super().save(*args, **kwargs)


class ServiceLevel(models.Model):
    """A service level: the targets of a contract, in the vendor's working hours (SPEC M13.1)."""

    name = models.CharField(_("nom"), max_length=100, unique=True)
    first_response_hours = models.PositiveSmallIntegerField(
        _("première réponse (heures ouvrées)"),
        help_text=_("Délai de la première réponse publique du support, en heures ouvrées."),
    )
    resolution_hours = models.PositiveSmallIntegerField(
        _("résolution (heures ouvrées)"),
        help_text=_("Délai de résolution, en heures ouvrées, hors attente du client."),
    )

    class Meta:
        verbose_name = _("niveau de service")
        verbose_name_plural = _("niveaux de service")
        ordering = ["first_response_hours", "resolution_hours", "name"]
        constraints = [
            models.CheckConstraint(condition=Q(first_response_hours__gte=1), name="servicelevel_first_response_set"),
            models.CheckConstraint(
                condition=Q(resolution_hours__gte=models.F("first_response_hours")),
                name="servicelevel_resolution_after_first_response",
            ),
        ]

    def __str__(self):
        return _("%(name)s (réponse %(first)s h, résolution %(resolution)s h ouvrées)") % {
            "name": self.name,
            "first": self.first_response_hours,
            "resolution": self.resolution_hours,
        }


class Product(models.Model):
    class Kind(models.TextChoices):
        SOFTWARE = "software", _("Logiciel")
        LEGAL = "legal", _("Service juridique")

    name = models.CharField(_("nom"), max_length=100, unique=True)
    kind = models.CharField(_("nature"), max_length=10, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    default_service_level = models.ForeignKey(
        ServiceLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("niveau de service par défaut"),
        help_text=_("Donné aux nouveaux contrats sur ce produit."),
    )

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
    service_level = models.ForeignKey(
        ServiceLevel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contracts",
        verbose_name=_("niveau de service"),
        help_text=_("Vide : pas d'engagement de délai. Un nouveau contrat reçoit celui de son produit."),
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

    def save(self, *args, **kwargs):
        # A new contract takes its product's default level, unless it is given one.
        if self._state.adding and self.service_level_id is None and self.product_id is not None:
            self.service_level_id = (
                Product.objects.filter(pk=self.product_id).values_list("default_service_level", flat=True).first()
            )
        super().save(*args, **kwargs)

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
