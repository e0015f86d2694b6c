from django import template

from support.selectors import dashboard_counts

register = template.Library()


@register.inclusion_tag("support/includes/dashboard_tiles.html", takes_context=True)
def dashboard_tiles(context):
    """The establishment's DI count per status (SPEC M2.5), for the home page."""
    return {"tiles": dashboard_counts(context["request"].user)}
