"""Scoped reads of the knowledge base (M14.2): gated exactly as downloads.

A client reads the published articles of the products on which their establishment holds a
contract in force today (``establishments.access.entitled_products``), and their files; the
vendor's staff read every article, drafts included. The right is evaluated at each call. "Does
not exist" and "not yours" get the same 404.
"""

from django.http import Http404

from establishments.access import entitled_product_ids

from .models import Article, ArticleFile

# The vendor's staff read every article: a boolean, compared with ``is``, so that a prepared query
# learns it as part of its shape (``core.prepared``), as ``support.access.EVERY_ESTABLISHMENT``.
EVERY_PRODUCT = True


def article_scope(user):
    """What ``user`` may read, as values a prepared query can take: ``EVERY_PRODUCT`` (the
    vendor's staff, drafts included), the keys of the products whose published articles they may
    read (a client), or None (nothing)."""
    if not (user.is_authenticated and user.is_active):
        return None
    if user.is_vendor:
        return EVERY_PRODUCT
    # The few product keys read first: with them in hand, PostgreSQL estimates a search's matches
    # well and reads them from the full-text index (a subquery made it scan a product's articles).
    return entitled_product_ids(user)


def scoped_articles(scope):
    """The articles of ``article_scope``'s answer (a queryset): the one place that says which."""
    if scope is None:
        return Article.objects.none()
    if scope is EVERY_PRODUCT:
        return Article.objects.all()
    return Article.objects.published().filter(product_id__in=scope)


def articles_for(user):
    """The articles ``user`` may read (a queryset)."""
    return scoped_articles(article_scope(user))


def get_article_for_user(user, pk):
    try:
        return articles_for(user).select_related("product").get(pk=pk)
    except Article.DoesNotExist:
        raise Http404("Article introuvable") from None


def get_article_file_for_user(user, file_uuid):
    """A file of an article the user may read."""
    try:
        return ArticleFile.objects.select_related("article").get(uuid=file_uuid, article__in=articles_for(user))
    except ArticleFile.DoesNotExist:
        raise Http404("Fichier introuvable") from None
