"""What the knowledge base's pages read (M14.3–M14.5). Every read starts from
``knowledge.access.articles_for``: a client never reads an article of a product without a contract
in force."""

from datetime import datetime, time

from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, Sum
from django.http import Http404
from django.utils import timezone

from core.pagination import CountedPaginator, PreparedPages
from core.prepared import Prepared, PreparedRow, PreparedSlice
from establishments.access import active_contract_for, entitled_products
from establishments.models import Product

from . import search
from .access import article_scope, articles_for, scoped_articles
from .models import Article, ArticleViewDay, Deflection, ReplyLink

PAGE_SIZE = 20
LATEST_PER_PRODUCT = 5
SUGGESTIONS = 5
PICKER_SIZE = 8
TOP = 10
LIST_FIELDS = ("id", "title", "body", "tags", "version_from", "version_to", "status", "updated_at", "product__name")


def _listed(articles):
    return articles.select_related("product").only(*LIST_FIELDS)


def _in_order(articles, keys):
    """The articles of ``keys``, in that order (one query)."""
    if not keys:
        return []
    found = {article.pk: article for article in _listed(articles.filter(pk__in=keys))}
    return [found[key] for key in keys if key in found]


def index_products(user):
    """The products the user is entitled to, by name, each with its number of articles
    (``article_count``) and its newest ones (``latest``): the page's first view, in two queries."""
    visible = None if user.is_vendor else Q(articles__status=Article.Status.PUBLISHED)
    newest = (
        articles_for(user).select_related(None).only(*LIST_FIELDS[:-1], "product_id").order_by("-updated_at", "-id")
    )
    return (
        entitled_products(user)
        .order_by("name")
        .annotate(article_count=Count("articles", filter=visible))
        .prefetch_related(Prefetch("articles", queryset=newest[:LATEST_PER_PRODUCT], to_attr="latest"))
    )


def product_for(user, product_id):
    """A product the user is entitled to (404 otherwise: the page of another product's articles)."""
    try:
        return entitled_products(user).get(pk=product_id)
    except (Product.DoesNotExist, ValueError, TypeError):
        raise Http404("Produit introuvable") from None


def _searched(scope, product_id, every_word, **words):
    articles = scoped_articles(scope)
    if product_id:
        articles = articles.filter(product_id=product_id)
    count = len(words) // 2
    return search.matched(articles, every_word, [(words[f"t{i}"], words[f"a{i}"]) for i in range(count)])


def _count_of(queryset):
    # The score stays in the counted query: its operands are values of the prepared shape.
    sql, params = queryset.values_list("pk", "score").order_by().query.sql_with_params()
    return f"SELECT COUNT(*) FROM ({sql}) AS matches", params  # noqa: S608 (Django's compiled SQL; values are parameters)


# A search of the knowledge base: its count and its pages prepared (compiled once per number of
# words: docs/performance.md). On SQLite, whose words are matched with LIKE, the ORM answers.
_SEARCH_COUNT = PreparedRow(lambda **values: _count_of(_searched(**values)))
_SEARCH_PAGES = PreparedPages(lambda **values: _listed(_searched(**values)))


def article_page(user, page_number, *, product=None, query=""):
    """A page of articles: a product's, newest first, or a search's, best first."""
    if not query:
        articles = articles_for(user)
        if product is not None:
            articles = articles.filter(product=product)
        return Paginator(_listed(articles.order_by("-updated_at", "-id")), PAGE_SIZE).get_page(page_number)
    scope, operands = article_scope(user), search.match_operands(query)
    if operands is None or scope is None or scope == []:
        return Paginator([], PAGE_SIZE).get_page(page_number)
    every_word, words = operands
    values = {"scope": scope, "product_id": product.pk if product is not None else None, "every_word": every_word}
    for i, (in_title, anywhere) in enumerate(words):
        values[f"t{i}"], values[f"a{i}"] = in_title, anywhere
    (count,) = _SEARCH_COUNT.run(**values)
    return CountedPaginator(None, PAGE_SIZE, count=count, pages=_SEARCH_PAGES.of(**values)).get_page(page_number)


def suggestion_contract(user, contract_id):
    """The active contract of the user's establishment the DI is about, or None."""
    return active_contract_for(user, contract_id) if contract_id else None


def _suggestible(scope, product_id):
    articles = scoped_articles(scope).published()
    return articles.filter(product_id=product_id) if product_id else articles


# The suggestions under « Objet », fetched at every pause of the typing: their two reads prepared
# (compiled once per number of words: docs/performance.md). On SQLite, whose words are matched
# with LIKE '% word %', they go through the ORM.
_SUGGESTED = PreparedSlice(
    lambda scope, product_id, needed, any_operand, **words: search.ranked(
        _suggestible(scope, product_id), [words[f"w{i}"] for i in range(len(words))], needed, any_operand
    )
)
_SUGGESTED_ARTICLES = Prepared(
    lambda scope, product_id, keys: _listed(_suggestible(scope, product_id).filter(pk__in=keys))
)


def suggestions(user, subject, contract=None):
    """Up to five published articles for the subject being typed, on the contract's product (on
    every product the user is entitled to while no contract is chosen)."""
    query = search.suggestion_query(subject)
    if query is None:
        return []
    operands, needed = query
    scope, product_id = article_scope(user), contract.product_id if contract is not None else None
    keys = [
        pk
        for (pk,) in _SUGGESTED.run(
            offset=0,
            limit=SUGGESTIONS,
            scope=scope,
            product_id=product_id,
            needed=needed,
            any_operand=" | ".join(operands),
            **{f"w{i}": operand for i, operand in enumerate(operands)},
        )
    ]
    if not keys:
        return []
    found = {article.pk: article for article in _SUGGESTED_ARTICLES.run(scope=scope, product_id=product_id, keys=keys)}
    return [found[key] for key in keys if key in found]


def picker_articles(user, product_id, query=""):
    """The desk's « Insérer un lien vers un article »: published articles of the DI's product
    (those its client may read), matching what is typed, or the newest."""
    articles = articles_for(user).published().filter(product_id=product_id)
    if query.strip():
        return _in_order(articles, search.suggested(articles, query, limit=PICKER_SIZE))
    return list(_listed(articles.order_by("-updated_at", "-id")[:PICKER_SIZE]))


# --- The vendor's report -----------------------------------------------------------------------


def _moments(since, until):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(datetime.combine(since, time.min), tz) if since else None
    end = timezone.make_aware(datetime.combine(until, time.max), tz) if until else None
    return start, end


def _between(queryset, field, start, end):
    if start is not None:
        queryset = queryset.filter(**{f"{field}__gte": start})
    if end is not None:
        queryset = queryset.filter(**{f"{field}__lte": end})
    return queryset


def report(since=None, until=None):
    """Articles viewed (by the clients), DIs avoided and the articles most linked from the desk's
    replies over the period (both dates included; none: since the beginning)."""
    start, end = _moments(since, until)
    views = _between(ArticleViewDay.objects.all(), "day", since, until)
    deflections = _between(Deflection.objects.all(), "created_at", start, end)
    links = _between(ReplyLink.objects.all(), "created_at", start, end)
    totals = views.aggregate(views=Sum("views"), articles=Count("article_id", distinct=True))
    by_product = {}
    for name, count in views.values_list("article__product__name").annotate(n=Sum("views")).order_by():
        by_product.setdefault(name, {"views": 0, "deflections": 0, "links": 0})["views"] = count
    for name, count in deflections.values_list("product__name").annotate(n=Count("id")).order_by():
        by_product.setdefault(name, {"views": 0, "deflections": 0, "links": 0})["deflections"] = count
    for name, count in links.values_list("article__product__name").annotate(n=Count("id")).order_by():
        by_product.setdefault(name, {"views": 0, "deflections": 0, "links": 0})["links"] = count

    def top(queryset, total):
        return list(
            queryset.values("article_id", "article__title", "article__product__name")
            .annotate(total=total)
            .order_by("-total", "article__title")[:TOP]
        )

    return {
        "views": totals["views"] or 0,
        "articles_viewed": totals["articles"],
        "deflections": deflections.count(),
        "links": links.count(),
        "by_product": sorted(by_product.items()),
        "most_viewed": top(views, Sum("views")),
        "most_deflecting": top(deflections, Count("id")),
        "most_linked": top(links, Count("id")),
    }
