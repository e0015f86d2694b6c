"""The form renderer of the portal (``settings.FORM_RENDERER``): Django's own, but the plain
inputs (check boxes and file inputs included), the text areas and the selects written in Python.

Django renders every widget through its templates: a text input is ``text.html``, which includes
``input.html``, which includes ``attrs.html`` — three template renders and a context each, about
80–120 µs for one ``<input>``, and the portal's forms have many (the desk's filters, the DI's
reply, the sign-in page). A select is two template renders per option (the desk's DI page had
three selects: ~4 ms). ``PortalRenderer`` writes those widgets' markup itself, byte for byte what
Django's templates write (``core/tests/test_renderers.py`` renders both for every kind of input,
choice and value); every other template goes through Django's renderer as before, and so does a
select whose options have a template of their own or labels Django would localise (numbers, dates).
"""

from django.forms.renderers import DjangoTemplates
from django.utils.functional import Promise

from core.widgets import attributes, escaped, option_markup

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
        "checkbox",
        "file",
    )
)
TEXTAREA = "django/forms/widgets/textarea.html"
CLEARABLE_FILE = "django/forms/widgets/clearable_file_input.html"
SELECT = "django/forms/widgets/select.html"
SELECT_OPTION = "django/forms/widgets/select_option.html"


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


def _text(value):
    """What ``{{ value }}`` writes for a label or a group's name, or None for a value Django's
    templates would localise (a number, a date): those go through the templates."""
    if isinstance(value, (str, Promise)):
        return escaped(value)
    return None


def _select(widget):
    """What ``select.html`` writes (with ``select_option.html`` for each option, groups
    included), or None when an option has a template of its own or a label to localise."""
    parts = [f'<select name="{escaped(widget["name"])}"{attributes(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            label = _text(group_name)
            if label is None:
                return None
            parts.append(f'\n  <optgroup label="{label}">')
        for option in options:
            label = _text(option["label"])
            if option["template_name"] != SELECT_OPTION or label is None:
                return None
            value = escaped(_formatted(option["value"]))
            parts.append(option_markup(value, attributes(option["attrs"]), label))
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


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
        if template_name == CLEARABLE_FILE and not context["widget"]["is_initial"]:
            # Without a file already there: the input alone (its value is None: none written).
            return _input(context["widget"])
        if template_name == SELECT:
            written = _select(context["widget"])
            if written is not None:
                return written
        return super().render(template_name, context, request)
