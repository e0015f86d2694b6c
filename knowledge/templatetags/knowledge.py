from django import template

from knowledge.markdown import excerpt

register = template.Library()


@register.filter
def kb_excerpt(body):
    """The beginning of an article's text, without its Markdown."""
    return excerpt(body)
