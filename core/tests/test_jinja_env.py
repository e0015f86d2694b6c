"""The Jinja2 engine of the hot fragments escapes exactly as Django's templates do (core.jinja_env)."""

import pytest
from django.template import engines
from django.utils.html import escape, format_html
from django.utils.translation import gettext_lazy
from jinja2 import UndefinedError

TEXT = 'L\'édition <b>"bloquée"</b> & co'


def render(source, **context):
    return engines["jinja2"].env.from_string(source).render(**context)


def test_values_are_escaped_as_django_escapes_them():
    """M10"""
    assert render("{{ v }}", v=TEXT) == escape(TEXT)
    assert "&#x27;" in render("{{ v }}", v=TEXT) and "&quot;" in render("{{ v }}", v=TEXT)
    assert render("{{ v }}", v="a < b & c") == "a &lt; b &amp; c"
    assert render("{{ v }}", v=gettext_lazy("Aujourd'hui")) == "Aujourd&#x27;hui"
    assert render("{{ n }}", n=42) == "42"


def test_django_safe_strings_are_printed_as_they_are():
    """M10"""
    assert render("{{ v }}", v=format_html("<em>{}</em>", TEXT)) == f"<em>{escape(TEXT)}</em>"


def test_an_undefined_attribute_is_an_error():
    """M10"""
    with pytest.raises(UndefinedError):
        render("{{ v.missing }}", v=object())


def test_labels_are_translated_once_per_language():
    """M10: the fragments' labels, worked out once per process and language"""
    from django.utils import translation
    from django.utils.translation import gettext_lazy

    from core.jinja_env import Labels

    labels = Labels(late=gettext_lazy("En retard"), pause=gettext_lazy("Pause"))
    with translation.override("fr"):
        french = labels.current()
        assert french == {"late": "En retard", "pause": "Pause"}
        assert labels.current() is french  # kept
    with translation.override("en"):
        assert labels.current() is not french


def test_template_labels_are_written_as_djangos_translate_tag_writes_them():
    """M10: a page moved from a Django template to Jinja2 writes the same markup; plain labels,
    the rows' values, stay escaped"""
    from core.jinja_env import Labels, TemplateLabels

    text = gettext_lazy("Son texte est inséré dans la réponse ci-dessous : relisez-le et modifiez-le avant d'envoyer.")
    django = engines["django"].from_string(
        '{% load i18n %}{% translate "Son texte est inséré dans la réponse ci-dessous : relisez-le et modifiez-le '
        "avant d'envoyer.\" %}"
    )
    assert render("{{ t.help }}", t=TemplateLabels(help=text).current()) == django.render({})
    assert "d'envoyer" in django.render({})
    assert "d&#x27;envoyer" in render("{{ t.help }}", t=Labels(help=text).current())
