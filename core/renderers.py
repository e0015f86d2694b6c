"""The form renderer of the portal (``settings.FORM_RENDERER``): Django's own, but the plain
inputs and the text areas written in Python.

Django renders every widget through its templates: a text input is ``text.html``, which includes
``input.html``, which includes ``attrs.html`` — three template renders and a context each, about
80–120 µs for one ``<input>``, and the portal's forms have many (the desk's filters, the DI's
reply, the sign-in page). ``PortalRenderer`` writes those two widgets' markup itself, byte for byte
what Django's templates write (``core/tests/test_renderers.py`` renders both for every kind of
input and value); every other template goes through Django's renderer as before.
"""

from django.forms.renderers import DjangoTemplates

from core.widgets import attributes, escaped

# Django's input widgets whose template is only « {% include "django/forms/widgets/input.html" %} ».
PLAIN_INPUTS = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in (
        "input",
        "text",
        "email",
        "password",
        "number",
        "url",
        "hidden",
        "search",
        "tel",
        "date",
        "datetime",
        "time",
        "color",
    )
)
TEXTAREA = "django/forms/widgets/textarea.html"


def _input(widget):
    value = widget["value"]
    written = "" if value is None else f' value="{escaped(_formatted(value))}"'
    return f'<input type="{escaped(widget["type"])}" name="{escaped(widget["name"])}"{written}{attributes(widget["attrs"])}>'


def _textarea(widget):
    value = widget["value"]
    return (
        f'<textarea name="{escaped(widget["name"])}"{attributes(widget["attrs"])}>\n'
        f"{escaped(value) if value else ''}</textarea>"
    )


def _formatted(value):
    """What ``|stringformat:'s'`` gives (a safe string stays safe: it is not escaped again)."""
    if hasattr(value, "__html__"):
        return value
    return str(value) if isinstance(value, tuple) else "%s" % value  # noqa: UP031 (the filter's own formatting)


class PortalRenderer(DjangoTemplates):
    def render(self, template_name, context, request=None):
        if template_name in PLAIN_INPUTS:
            return _input(context["widget"])
        if template_name == TEXTAREA:
            return _textarea(context["widget"])
        return super().render(template_name, context, request)
