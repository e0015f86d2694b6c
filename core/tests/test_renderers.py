"""core.renderers.PortalRenderer writes the plain inputs, text areas and selects exactly as
Django's templates do, and leaves every other widget to them."""

import datetime

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from core.renderers import CLEARABLE_FILE, PLAIN_INPUTS, SELECT, TEXTAREA, PortalRenderer, _select

WIDGETS = [
    forms.TextInput,
    forms.EmailInput,
    forms.PasswordInput,
    forms.NumberInput,
    forms.URLInput,
    forms.HiddenInput,
    forms.SearchInput,
    forms.TelInput,
    forms.DateInput,
    forms.DateTimeInput,
    forms.TimeInput,
    forms.ColorInput,
    forms.Textarea,
    forms.CheckboxInput,
    forms.FileInput,
    forms.ClearableFileInput,
]
VALUES = [
    None,
    "",
    0,
    12,
    'Léa <b>"L\'ami"</b> & co',
    mark_safe("<i>sûr</i>"),  # noqa: S308 (a safe string stays as it is, as in Django's templates)
    gettext_lazy("Nom d'usage"),
    datetime.date(2026, 11, 30),
    datetime.datetime(2026, 11, 30, 8, 5),
]
ATTRS = [
    None,
    {"id": "id_x", "required": True, "disabled": False, "maxlength": 200, "placeholder": "« a » & 'b'"},
    {"aria-describedby": "id_x_helptext id_x_error", "aria-invalid": "true", "type": "search", "data-x": "<y>"},
]


@pytest.mark.parametrize("widget_class", WIDGETS)
@pytest.mark.parametrize("value", VALUES)
@pytest.mark.parametrize("attrs", ATTRS)
def test_plain_inputs_are_written_byte_for_byte_as_django_writes_them(widget_class, value, attrs):
    """M10"""
    widget = widget_class(
        attrs={"class": "x"}, **({"render_value": True} if widget_class is forms.PasswordInput else {})
    )
    assert widget.template_name in PLAIN_INPUTS | {TEXTAREA, CLEARABLE_FILE}
    ours = widget.render("nom", value, attrs, renderer=PortalRenderer())
    django_s = widget.render("nom", value, attrs, renderer=DjangoTemplates())
    assert ours == django_s


CHOICES = [
    [],
    [
        ("", "---------"),
        (1, 'Léa <b>"L\'ami"</b> & co'),
        (2, mark_safe("<i>sûr</i>")),
        (3, gettext_lazy("Nom d'usage")),
    ],
    [("Groupe « 1 »", [("a", "A"), ("b", "B & b")]), ("c", "C"), (gettext_lazy("Équipe"), [(4, "Quatre")])],
    [(None, "aucun"), (True, "oui"), (0, "zéro")],
]
SELECTED = [None, "", "a", 1, "1", ["a", 4]]


@pytest.mark.parametrize("widget_class", [forms.Select, forms.SelectMultiple])
@pytest.mark.parametrize("choices", CHOICES)
@pytest.mark.parametrize("value", SELECTED)
@pytest.mark.parametrize("attrs", ATTRS)
def test_selects_are_written_byte_for_byte_as_django_writes_them(widget_class, choices, value, attrs):
    """M10: the selects of every form (the desk's « Personne en charge », « Réorienter »…)."""
    widget = widget_class(attrs={"class": "x"}, choices=choices)
    assert widget.template_name == SELECT
    ours = widget.render("choix", value, attrs, renderer=PortalRenderer())
    assert ours == widget.render("choix", value, attrs, renderer=DjangoTemplates())


def test_a_select_is_written_without_templates_unless_django_would_localise_or_has_its_own_option():
    """M10"""
    common = forms.Select(choices=[("a", "A"), ("Groupe", [("b", "B")])]).get_context("x", "a", None)["widget"]
    assert _select(common) == forms.Select(choices=[("a", "A"), ("Groupe", [("b", "B")])]).render(
        "x", "a", renderer=DjangoTemplates()
    )
    numbers = forms.Select(choices=[(1, 1), (2, 2.5)])  # labels Django's templates localise
    assert _select(numbers.get_context("x", 1, None)["widget"]) is None
    assert numbers.render("x", 1, renderer=PortalRenderer()) == numbers.render("x", 1, renderer=DjangoTemplates())

    class OwnOption(forms.Select):
        option_template_name = "django/forms/widgets/input_option.html"

    own = OwnOption(choices=[("a", "A")])
    assert _select(own.get_context("x", "a", None)["widget"]) is None
    assert own.render("x", "a", renderer=PortalRenderer()) == own.render("x", "a", renderer=DjangoTemplates())


def test_a_file_input_holding_a_file_already_goes_through_django_s_template():
    """M10: « Actuellement : … », « Effacer », « Modifier » as Django writes them"""

    class Stored:
        url = "/media/contrat.pdf"

        def __str__(self):
            return "contrat <1>.pdf"

    for required in (True, False):
        widget = forms.ClearableFileInput()
        widget.is_required = required
        ours = widget.render("piece", Stored(), {"id": "id_piece"}, renderer=PortalRenderer())
        assert ours == widget.render("piece", Stored(), {"id": "id_piece"}, renderer=DjangoTemplates())
        assert "contrat &lt;1&gt;.pdf" in ours


def test_other_widgets_go_through_django_s_templates():
    """M10"""
    for widget in (forms.RadioSelect(choices=[("a", "A")]), forms.CheckboxSelectMultiple(choices=[("a", "A")])):
        assert widget.template_name not in PLAIN_INPUTS | {TEXTAREA, CLEARABLE_FILE, SELECT}
        assert widget.render("x", "a", renderer=PortalRenderer()) == widget.render("x", "a", renderer=DjangoTemplates())


def test_the_portal_s_forms_use_it():
    """M10"""
    from django.forms.renderers import get_default_renderer

    assert isinstance(get_default_renderer(), PortalRenderer)
