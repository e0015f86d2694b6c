from django import template

from portal.menu import menu_for

register = template.Library()


@register.inclusion_tag("portal/side_menu.html", takes_context=True)
def side_menu(context):
    request = context["request"]
    return {"entries": menu_for(request.user, request.path)}


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagination and sorting links)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        if value in (None, ""):
            query.pop(key, None)
        else:
            query[key] = value
    return query.urlencode()
