"""The vendor's references of the portal's objects (SPEC M15.3): its ERP or CRM names each
establishment, product, contract and client account by a reference of its own; the import finds
the object again by it."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    ESTABLISHMENTS = "etablissements", _("Établissements")
    PRODUCTS = "produits", _("Produits")
    CONTRACTS = "contrats", _("Contrats")
    ACCOUNTS = "comptes", _("Comptes clients")


class ExternalReference(models.Model):
    kind = models.CharField(_("nature"), max_length=20, choices=Kind.choices)
    reference = models.CharField(_("référence externe"), max_length=100)
    object_id = models.PositiveBigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("référence externe")
        verbose_name_plural = _("références externes")
        constraints = [
            models.UniqueConstraint(fields=["kind", "reference"], name="external_reference_unique"),
            models.UniqueConstraint(fields=["kind", "object_id"], name="external_reference_one_per_object"),
        ]

    def __str__(self):
        return f"{self.kind}:{self.reference}"
