import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def download_path(instance, filename):
    # A random name, no extension, unrelated to the public uuid: the original name lives in the
    # database only.
    token = uuid.uuid4().hex
    return f"downloads/{token[:2]}/{token}"


class DownloadFileQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)


class DownloadFile(models.Model):
    """A document or package the vendor publishes for one product (SPEC M6)."""

    uuid = models.UUIDField(_("identifiant public"), default=uuid.uuid4, unique=True, editable=False)
    product = models.ForeignKey(
        "establishments.Product", on_delete=models.PROTECT, related_name="downloads", verbose_name=_("produit")
    )
    name = models.CharField(_("nom"), max_length=200)
    version = models.CharField(_("version"), max_length=50, blank=True)
    published_on = models.DateField(_("date"), default=timezone.localdate)
    description = models.TextField(_("description"), blank=True)
    file = models.FileField(_("fichier"), upload_to=download_path, max_length=200, editable=False)
    original_name = models.CharField(_("nom du fichier"), max_length=200, editable=False)
    size = models.PositiveBigIntegerField(_("taille"), editable=False)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, editable=False)
    content_type = models.CharField(_("type"), max_length=100, editable=False)
    is_published = models.BooleanField(
        _("publié"), default=True, help_text=_("Décocher pour retirer le fichier du portail sans le supprimer.")
    )
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    objects = DownloadFileQuerySet.as_manager()

    class Meta:
        verbose_name = _("fichier à télécharger")
        verbose_name_plural = _("fichiers à télécharger")
        ordering = ["product__name", "-published_on", "-created_at"]
        indexes = [models.Index(fields=["product", "-published_on"], name="download_product_date_idx")]

    def __str__(self):
        return f"{self.name} {self.version}".strip()


class DownloadEvent(models.Model):
    """One served download: who, what, when, from where, which bytes (None: the whole file)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("compte"),
    )
    user_email = models.CharField(_("identifiant"), max_length=254)
    file = models.ForeignKey(
        DownloadFile,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("fichier"),
    )
    file_label = models.CharField(_("fichier téléchargé"), max_length=300)
    establishment = models.ForeignKey(
        "establishments.Establishment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("établissement"),
    )
    ip_address = models.GenericIPAddressField(_("adresse IP"), null=True, blank=True)
    first_byte = models.PositiveBigIntegerField(_("premier octet"), null=True, blank=True)
    last_byte = models.PositiveBigIntegerField(_("dernier octet"), null=True, blank=True)
    created_at = models.DateTimeField(_("date"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("téléchargement")
        verbose_name_plural = _("journal des téléchargements")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["file", "-created_at"], name="download_event_file_idx")]

    def __str__(self):
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.user_email} {self.file_label}"

    @property
    def byte_range(self):
        if self.first_byte is None:
            return ""
        return f"{self.first_byte}-{self.last_byte}"
