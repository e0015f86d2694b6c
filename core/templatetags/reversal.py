"""``{% url %}``, Django's tag with Django's syntax and behaviour, its reversals remembered per
process (core.reversal). Installed as a template builtin (settings.TEMPLATES), so it replaces
Django's own in every template."""

from django import template
from django.template.defaulttags import URLNode
from django.template.defaulttags import url as django_url
from django.urls import NoReverseMatch
from django.utils.html import conditional_escape

from core.reversal import reverse

register = template.Library()


class RememberedURLNode(URLNode):
    # Django 5.2's URLNode.render line for line, but for the remembered ``reverse``: Django's
    # imports its own inside the method, so there is nothing smaller to override.
    def render(self, context):
        args = [arg.resolve(context) for arg in self.args]
        kwargs = {k: v.resolve(context) for k, v in self.kwargs.items()}
        view_name = self.view_name.resolve(context)
        try:
            current_app = context.request.current_app
        except AttributeError:
            try:
                current_app = context.request.resolver_match.namespace
            except AttributeError:
                current_app = None
        url = ""
        try:
            url = reverse(view_name, args=args, kwargs=kwargs, current_app=current_app)
        except NoReverseMatch:
            if self.asvar is None:
                raise
        if self.asvar:
            context[self.asvar] = url
            return ""
        return conditional_escape(url) if context.autoescape else url


@register.tag
def url(parser, token):
    node = django_url(parser, token)  # Django's parsing and its errors
    return RememberedURLNode(node.view_name, node.args, node.kwargs, node.asvar)
