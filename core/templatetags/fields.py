"""``{% form_field form.x %}``: one form field as every form of the portal writes it — its label
(with the required mark), its input, its help and its errors, tied to the input for screen
readers — from the Jinja2 template ``core/jinja2/core/field.html``.

A built-in of the Django templates (``settings.TEMPLATES``). It was an ``{% include %}`` of a Django
template: eight fields of the desk's filters cost ~0.5 ms of include and context work on top of
their widgets (docs/performance.md); the Jinja2 template writes the same markup for a tenth.
"""

from django import template

from core.jinja_env import render_fragment

register = template.Library()


@register.simple_tag
def form_field(field):
    widget = field.field.widget
    return render_fragment(
        "core/field.html",
        field=field,
        kind=getattr(widget, "input_type", None),
        required=field.field.required,
        errors=field.errors,
    )
