"""Articles of the knowledge base written through the services, as the back office does."""

from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from demo.knowledge import png
from knowledge.models import Article
from knowledge.services import article_file_add, article_save

PNG = png()  # a small real image


def write_article(product, title="Éditer les bulletins de paie", body="Ouvrez **Paie › Bulletins**.", **fields):
    """A published article (``status=Article.Status.DRAFT`` for a draft), saved by nobody in particular."""
    fields.setdefault("status", Article.Status.PUBLISHED)
    return article_save(Article(product=product, title=title, body=body, **fields), acting_user=None)


def attach_image(article, name="ecran.png", content=PNG):
    return article_file_add(article, SimpleUploadedFile(name, content), acting_user=None)


def age_article(article, days):
    """Pretend the article was last changed ``days`` days ago."""
    Article.objects.filter(pk=article.pk).update(updated_at=timezone.now() - timedelta(days=days))
    article.refresh_from_db()
    return article
