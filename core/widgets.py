"""Form widgets and choice fields the portal renders often enough for their cost to show
(docs/performance.md)."""

import html

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.forms.models import ModelChoiceIterator
from django.utils.functional import Promise
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe


def escaped(value):
    """``conditional_escape`` without its lazy-argument wrapper: the same text, at a fraction of
    the cost when called five hundred times in a page."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return html.escape(str(value))


def attributes(attrs):
    """What django/forms/widgets/attrs.html writes, in the same order."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(f" {conditional_escape(name)}")
        else:
            parts.append(f' {conditional_escape(name)}="{escaped(value)}"')
    return "".join(parts)


def option_markup(value, attrs, label):
    """One option as ``select.html`` writes it with ``select_option.html`` (each part already
    escaped; ``attrs``: what ``attributes`` writes)."""
    return f'\n  <option value="{value}"{attrs}>{label}</option>\n'


class PlainSelect(forms.Select):
    """``forms.Select`` writing its options in Python, byte for byte the markup of Django's
    templates (``select.html``, ``select_option.html``): a select of 500 colleagues took two
    template renders per option. Groups of options and multiple selection use Django's own."""

    def render(self, name, value, attrs=None, renderer=None):
        # Through iter(): list() would ask a ModelChoiceIterator its length first (a COUNT query).
        choices = list(iter(self.choices))
        if self.allow_multiple_selected or any(isinstance(label, (list, tuple)) for _value, label in choices):
            return super().render(name, value, attrs, renderer)
        wanted = self.format_value(value)
        parts = [f'<select name="{escaped(name)}"', attributes(self.build_attrs(self.attrs, attrs)), ">"]
        has_selected = False
        for option_value, label in choices:
            if type(option_value) is int:  # noqa: E721 (an int, not a bool: nothing to escape)
                text = escaped_text = str(option_value)
            else:
                text = str("" if option_value is None else option_value)
                escaped_text = escaped(text)
            selected = not has_selected and text in wanted
            has_selected |= selected
            flag = " selected" if selected else ""
            parts.append(option_markup(escaped_text, flag, escaped(label)))
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every name, value and label escaped above)


class ListedChoices(ModelChoiceIterator):
    """The choices of a ``ModelChoiceField`` read in one query. Django's own iterate with
    ``QuerySet.iterator()``, which on PostgreSQL opens a server-side cursor (DECLARE, FETCH,
    CLOSE: three round trips) to spare memory on lists far longer than a select can show."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        listed = self.field.listed
        for obj in listed() if listed is not None else self.queryset.all():
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ``ModelChoiceField`` whose list (a few dozen contracts or people) is read in one query,
    and written by ``PlainSelect`` (Django's markup, without a template render per option)."""

    iterator = ListedChoices
    widget = PlainSelect
    # Optional: ``lookup(pk)`` gives the chosen instance of the queryset or None (a prepared query,
    # ``core.prepared``), instead of compiling ``queryset.get(pk=…)`` for every submitted form.
    lookup = None
    # Optional: ``listed()`` gives the queryset's rows, in its order (a prepared query), instead of
    # compiling the queryset each time the select is written.
    listed = None

    def to_python(self, value):
        if self.lookup is None or self.to_field_name or value in self.empty_values or isinstance(value, Model):
            return super().to_python(value)
        text = str(value)
        key = int(text) if text.isascii() and text.isdigit() and len(text) < 19 else None  # within a bigint
        instance = self.lookup(key) if key else None
        if instance is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return instance
