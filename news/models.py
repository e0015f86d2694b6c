from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class NewsQuerySet(models.QuerySet):
    def current(self):
        now = timezone.now()
        return self.filter(is_published=True, published_at__lte=now).filter(
            Q(expires_at__isnull=True) | Q(expires_at__gt=now)
        )


class NewsItem(models.Model):
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(_("texte"))
    published_at = models.DateTimeField(_("publiée le"), default=timezone.now)
    expires_at = models.DateTimeField(
        _("retirée le"), null=True, blank=True, help_text=_("Laisser vide pour la garder en ligne.")
    )
    is_published = models.BooleanField(_("publiée"), default=True)
    in_banner = models.BooleanField(_("dans le bandeau défilant"), default=True)

    objects = NewsQuerySet.as_manager()

    class Meta:
        verbose_name = _("actualité")
        verbose_name_plural = _("actualités")
        ordering = ["-published_at"]
        indexes = [models.Index(fields=["is_published", "-published_at"])]

    def __str__(self):
        return self.title
