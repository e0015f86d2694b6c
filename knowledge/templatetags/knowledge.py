from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.jinja_env import Labels, render_fragment
from core.reversal import reverse
from knowledge.markdown import excerpt

register = template.Library()


@register.filter
def kb_excerpt(body):
    """The beginning of an article's text, without its Markdown."""
    return excerpt(body)


_ITEM_LABELS = Labels(draft=_("Brouillon"), updated=_("mis à jour le"))


@register.simple_tag
def article_items(articles, product_name=""):
    """The items (``<li>``) of a list of articles (``knowledge/jinja2/knowledge/article_items.html``):
    title, draft badge, product (``product_name`` when the list is one product's), date of the last
    change, versions and excerpt. They were a Django include per article, about half of the
    knowledge base's search page; the Jinja2 template writes the same markup."""
    labels = _ITEM_LABELS.current()
    items = []
    for article in articles:
        moment = timezone.localtime(article.updated_at)
        items.append(
            (
                reverse("knowledge:detail", args=[article.pk]),
                article.title,
                "" if article.is_published else labels["draft"],
                product_name or article.product.name,
                moment.isoformat(),
                moment.strftime("%d/%m/%Y"),
                article.version_range,
                excerpt(article.body),
            )
        )
    return render_fragment("knowledge/article_items.html", items=items, updated=labels["updated"])
