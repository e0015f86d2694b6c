import functools

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    # Client profiles: one establishment each.
    AGENT = "agent", _("Agent d'établissement")
    ADMIN = "admin", _("Administrateur")
    REFERENT = "referent", _("Référent technique")
    # The vendor's staff: no establishment.
    SUPPORT_SOFTWARE = "support_software", _("Support logiciel")
    SUPPORT_LEGAL = "support_legal", _("Support juridique")
    VENDOR_ADMIN = "vendor_admin", _("Administrateur éditeur")


CLIENT_ROLES = (Role.AGENT, Role.ADMIN, Role.REFERENT)
VENDOR_ROLES = (Role.SUPPORT_SOFTWARE, Role.SUPPORT_LEGAL, Role.VENDOR_ADMIN)
SUPPORT_ROLES = (Role.SUPPORT_SOFTWARE, Role.SUPPORT_LEGAL)


def normalize_email(email):
    return (email or "").strip().lower()


class UserManager(BaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        return self.get(email=normalize_email(username))

    def create_user(self, email, password=None, **fields):
        user = self.model(email=normalize_email(email), **fields)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email, password=None, **fields):
        fields.update(role=Role.VENDOR_ADMIN, establishment=None)
        return self.create_user(email, password, **fields)


@functools.lru_cache(maxsize=4096)
def _session_auth_hash(password, secret):
    key_salt = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"
    return salted_hmac(key_salt, password, secret=secret, algorithm="sha256").hexdigest()


def full_name(first_name, last_name):
    """A person's name as the portal writes it (``User.full_name``), from the two columns alone:
    for the lists that read names without loading accounts."""
    return f"{first_name} {last_name}".strip()


class User(AbstractBaseUser):
    email = models.EmailField(_("adresse mail"), unique=True)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    function = models.CharField(_("fonction"), max_length=120, blank=True)
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
        verbose_name=_("établissement"),
    )
    role = models.CharField(_("profil"), max_length=20, choices=Role.choices, default=Role.REFERENT)
    is_active = models.BooleanField(_("actif"), default=True)
    is_team_lead = models.BooleanField(
        _("responsable d'équipe"),
        default=False,
        help_text=_(
            "Support logiciel ou juridique : reçoit chaque matin la liste des DIs en retard de son équipe "
            "et consulte les rapports."
        ),
    )
    date_joined = models.DateTimeField(_("créé le"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["first_name", "last_name"]

    class Meta:
        verbose_name = _("compte")
        verbose_name_plural = _("comptes")
        ordering = ["last_name", "first_name"]
        indexes = [
            models.Index(fields=["establishment", "last_name", "first_name"]),
            # The vendor's staff (the desk's « Support » filter, the team e-mailed about a new DI):
            # a few dozen accounts among a hundred thousand.
            models.Index(
                fields=["role", "last_name", "first_name"], name="user_vendor_staff", condition=Q(role__in=VENDOR_ROLES)
            ),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(email=Lower("email")), name="user_email_lowercase"),
            models.CheckConstraint(
                condition=(Q(role__in=CLIENT_ROLES) & Q(establishment__isnull=False))
                | (Q(role__in=VENDOR_ROLES) & Q(establishment__isnull=True)),
                name="user_client_has_establishment_vendor_has_none",
            ),
            models.CheckConstraint(
                condition=Q(is_team_lead=False) | Q(role__in=SUPPORT_ROLES), name="user_team_lead_is_support"
            ),
        ]

    def __str__(self):
        return self.full_name or self.email

    def clean(self):
        super().clean()
        self.email = normalize_email(self.email)
        from django.core.exceptions import ValidationError

        if self.role in CLIENT_ROLES and self.establishment_id is None:
            raise ValidationError({"establishment": _("Un compte client appartient à un établissement.")})
        if self.role in VENDOR_ROLES and self.establishment_id is not None:
            raise ValidationError({"establishment": _("Le personnel de l'éditeur n'appartient à aucun établissement.")})
        if self.is_team_lead and self.role not in SUPPORT_ROLES:
            raise ValidationError(
                {"is_team_lead": _("Seul un membre du support logiciel ou juridique dirige une équipe.")}
            )

    def save(self, *args, **kwargs):
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)

    @property
    def full_name(self):
        return full_name(self.first_name, self.last_name)

    def get_full_name(self):
        return self.full_name

    def _get_session_auth_hash(self, secret=None):
        """Django's, remembered per password hash and secret: every request checks its session
        against it (an HMAC, about 2 % of the portal's fixed page)."""
        return _session_auth_hash(self.password, settings.SECRET_KEY if secret is None else secret)

    def get_short_name(self):
        return self.first_name

    # --- The role questions: one predicate each, asked everywhere (guards, workflow, services) ---

    @property
    def is_client(self):
        """A person of an establishment (any of the three client profiles)."""
        return self.role in CLIENT_ROLES

    @property
    def is_vendor(self):
        """The vendor's staff: support and administrators."""
        return self.role in VENDOR_ROLES

    @property
    def is_establishment_admin(self):
        """An active « Administrateur » of an establishment: acts on its accounts and DIs."""
        return self.is_active and self.role == Role.ADMIN

    def administers(self, establishment_id):
        """An active « Administrateur » of that establishment."""
        return (
            self.is_establishment_admin and establishment_id is not None and self.establishment_id == establishment_id
        )

    @property
    def is_vendor_admin(self):
        """An active administrator of the vendor: supervises every team, runs the back office."""
        return self.is_active and self.role == Role.VENDOR_ADMIN

    @property
    def leads_a_team(self):
        """An active support person who leads their team (the daily list of late DIs)."""
        return self.is_active and self.is_team_lead and self.role in SUPPORT_ROLES

    @property
    def is_manager(self):
        """Reads the service-level reports: the vendor's administrators and the team leads."""
        return self.is_vendor_admin or self.leads_a_team

    @property
    def is_staff(self):
        """Only the vendor's administrators reach the back office (Django admin).

        The profile alone decides: changing it takes the back office away at once."""
        return self.is_vendor_admin

    def has_perm(self, perm, obj=None):
        return self.is_staff

    def has_module_perms(self, app_label):
        return self.is_staff


class AccountRequest(models.Model):
    """« Demande ou mise à jour de compte », filed from the login page."""

    class Kind(models.TextChoices):
        CREATE = "create", _("Création de compte")
        UPDATE = "update", _("Mise à jour d'un compte existant")

    class Status(models.TextChoices):
        PENDING = "pending", _("À examiner")
        APPROVED = "approved", _("Approuvée")
        REJECTED = "rejected", _("Refusée")

    kind = models.CharField(_("demande"), max_length=10, choices=Kind.choices, default=Kind.CREATE)
    first_name = models.CharField(_("prénom"), max_length=100)
    last_name = models.CharField(_("nom"), max_length=100)
    email = models.EmailField(_("adresse mail"))
    phone = models.CharField(_("téléphone"), max_length=30, blank=True)
    establishment_name = models.CharField(_("établissement"), max_length=200)
    function = models.CharField(_("fonction"), max_length=120)
    message = models.TextField(_("objet de la demande"))
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(_("reçue le"), auto_now_add=True)
    reviewed_at = models.DateTimeField(_("traitée le"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("traitée par")
    )
    rejection_reason = models.TextField(_("motif du refus"), blank=True)
    account = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="account_requests",
        verbose_name=_("compte créé ou mis à jour"),
    )

    class Meta:
        verbose_name = _("demande de compte")
        verbose_name_plural = _("demandes de compte")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "-created_at"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name} <{self.email}> — {self.get_kind_display()}"


class EmailChange(models.Model):
    """A change of the e-mail address that identifies an account (issue 12, item 2).

    Asked from « Mon profil » (with the current password), it takes effect only once confirmed from
    the single-use link sent to the new address, before ``expires_at``; until then the old address
    stays the identifier, and it is told, with a link to cancel. A change made by the vendor's
    administrator in the back office is recorded here too (``requested_by``, status « applied »).
    Tokens are kept as SHA-256 digests only."""

    class Status(models.TextChoices):
        PENDING = "pending", _("En attente de confirmation")
        CONFIRMED = "confirmed", _("Confirmé")
        CANCELLED = "cancelled", _("Annulé")
        SUPERSEDED = "superseded", _("Remplacé par une demande plus récente")
        APPLIED = "applied", _("Appliqué par l'éditeur (back office)")

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="email_changes", verbose_name=_("compte"))
    old_email = models.EmailField(_("ancienne adresse"))
    new_email = models.EmailField(_("nouvelle adresse"))
    status = models.CharField(_("état"), max_length=12, choices=Status.choices, default=Status.PENDING)
    confirm_digest = models.CharField(
        _("empreinte du lien de confirmation"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    cancel_digest = models.CharField(
        _("empreinte du lien d'annulation"), max_length=64, unique=True, null=True, blank=True, editable=False
    )
    created_at = models.DateTimeField(_("demandé le"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expire le"), null=True, blank=True)
    decided_at = models.DateTimeField(_("traité le"), null=True, blank=True)
    requested_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("par")
    )

    class Meta:
        verbose_name = _("changement d'adresse mail")
        verbose_name_plural = _("changements d'adresse mail")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "status"])]

    def __str__(self):
        return f"{self.old_email} → {self.new_email} ({self.get_status_display()})"

    @property
    def is_open(self):
        return self.status == self.Status.PENDING and self.expires_at is not None and self.expires_at > timezone.now()
