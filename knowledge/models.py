"""The knowledge base (SPEC M14): articles per product, their files, and what the vendor's report
counts (views per day, DIs avoided, links from the desk's replies)."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ArticleQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED)


class Article(models.Model):
    """One article of one product, written in Markdown by the vendor's staff (M14.1)."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Brouillon")
        PUBLISHED = "published", _("Publié")

    product = models.ForeignKey(
        "establishments.Product", on_delete=models.PROTECT, related_name="articles", verbose_name=_("produit")
    )
    title = models.CharField(_("titre"), max_length=200)
    body = models.TextField(
        _("texte"),
        help_text=_(
            "En Markdown : # Titre, **gras**, *italique*, listes (- ou 1.), [lien](https://…), "
            "`code`, tableaux. Le HTML saisi est affiché tel quel, jamais interprété."
        ),
    )
    tags = models.CharField(
        _("mots-clés"), max_length=300, blank=True, help_text=_("Séparés par des virgules : paie, DSN, clôture…")
    )
    version_from = models.CharField(_("à partir de la version"), max_length=50, blank=True)
    version_to = models.CharField(_("jusqu'à la version"), max_length=50, blank=True)
    status = models.CharField(_("état"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    created_at = models.DateTimeField(_("créé le"), auto_now_add=True)
    updated_at = models.DateTimeField(_("mis à jour le"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rédigé par"),
        editable=False,
    )
    # The closed DI a draft started from (« Rédiger un article »): for the vendor's staff only;
    # nothing of the DI's client is copied into the article.
    source_ticket = models.ForeignKey(
        "support.Ticket",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("DI d'origine"),
        editable=False,
    )
    # The words of the title, and of the title, tags and text, folded and stemmed as PostgreSQL's
    # ``fr_unaccent`` does (knowledge.search): what the embedded default (SQLite) searches.
    # PostgreSQL searches its own stored tsvector (migration 0002).
    title_stems = models.TextField(_("racines du titre"), editable=False, default="")
    text_stems = models.TextField(_("racines du texte"), editable=False, default="")

    objects = ArticleQuerySet.as_manager()

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles de la base de connaissances")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # A product's articles, newest first (the page by product, the suggestions' product).
            models.Index(fields=["product", "status", "-updated_at", "-id"], name="article_product_status_updated"),
            # Every product's, newest first.
            models.Index(fields=["status", "-updated_at", "-id"], name="article_status_updated"),
            models.Index(fields=["source_ticket"], name="article_source_ticket"),
            # The full-text vector and its GIN index are PostgreSQL-only (migration 0002).
        ]

    def __str__(self):
        return self.title

    @property
    def is_published(self):
        return self.status == self.Status.PUBLISHED

    def tag_list(self):
        return [tag.strip() for tag in self.tags.split(",") if tag.strip()]

    @property
    def version_range(self):
        if self.version_from and self.version_to:
            return _("versions %(start)s à %(end)s") % {"start": self.version_from, "end": self.version_to}
        if self.version_from:
            return _("à partir de la version %(start)s") % {"start": self.version_from}
        if self.version_to:
            return _("jusqu'à la version %(end)s") % {"end": self.version_to}
        return ""


def article_file_path(instance, filename):
    # A random name, no extension: the original name lives in the database only.
    return f"knowledge/{instance.uuid.hex[:2]}/{instance.uuid.hex}"


class ArticleFile(models.Model):
    """An image or a file shown in an article, served only to whoever may read the article."""

    uuid = models.UUIDField(_("identifiant public"), default=uuid.uuid4, unique=True, editable=False)
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="files", verbose_name=_("article"))
    file = models.FileField(_("fichier"), upload_to=article_file_path, max_length=200, editable=False)
    original_name = models.CharField(_("nom du fichier"), max_length=200, editable=False)
    content_type = models.CharField(_("type"), max_length=100, editable=False)
    size = models.PositiveBigIntegerField(_("taille"), editable=False)
    sha256 = models.CharField(_("empreinte SHA-256"), max_length=64, editable=False)
    created_at = models.DateTimeField(_("déposé le"), auto_now_add=True)

    class Meta:
        verbose_name = _("fichier d'article")
        verbose_name_plural = _("fichiers d'article")
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.original_name

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class ArticleViewDay(models.Model):
    """How many times the clients read an article on a day (the report's « articles consultés »)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "day"], name="article_view_day_unique")]
        indexes = [models.Index(fields=["day"], name="article_view_day")]

    def __str__(self):
        return f"{self.article_id} {self.day}: {self.views}"


class Deflection(models.Model):
    """« Cet article a résolu mon problème »: a DI that was not filed (M14.4)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+", verbose_name=_("article"))
    product = models.ForeignKey("establishments.Product", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")
    establishment = models.ForeignKey(
        "establishments.Establishment", on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["created_at"], name="deflection_created")]

    def __str__(self):
        return f"{self.article_id} {self.created_at:%Y-%m-%d}"


class ReplyLink(models.Model):
    """An article linked from a reply of the desk (a message of the vendor's staff seen by the
    client): the report's « articles les plus cités dans les réponses » (M14.5)."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="+")
    message = models.ForeignKey("support.Message", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["article", "message"], name="reply_link_unique")]
        indexes = [models.Index(fields=["created_at"], name="reply_link_created")]

    def __str__(self):
        return f"{self.article_id} ← {self.message_id}"
