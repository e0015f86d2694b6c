"""``{% kept %}``: a fragment written once per process for each language and key value."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.utils import translation

from core.templatetags import kept


@pytest.fixture(autouse=True)
def forgotten():
    kept.KEPT.clear()
    yield
    kept.KEPT.clear()


FRAGMENT = Template("{% load i18n %}[{% kept q %}{{ q }} {{ other }} {% translate 'Filtrer' %}{% endkept %}]")


def test_a_fragment_is_written_once_per_key_value_and_given_again_as_written():
    """M10"""
    assert FRAGMENT.render(Context({"q": "<b>paie</b>", "other": 1})) == "[&lt;b&gt;paie&lt;/b&gt; 1 Filtrer]"
    # The same key: the fragment as first written (what it shows must follow from its keys).
    assert FRAGMENT.render(Context({"q": "<b>paie</b>", "other": 2})) == "[&lt;b&gt;paie&lt;/b&gt; 1 Filtrer]"
    assert FRAGMENT.render(Context({"q": "congés", "other": 3})) == "[congés 3 Filtrer]"


def test_each_language_and_each_fragment_is_kept_apart():
    """M10"""
    with translation.override("fr"):
        FRAGMENT.render(Context({"q": "a", "other": "fr"}))
    with translation.override("en"):
        assert FRAGMENT.render(Context({"q": "a", "other": "en"})) == "[a en Filtrer]"
    elsewhere = Template("({% kept q %}{{ other }}{% endkept %})")
    assert elsewhere.render(Context({"q": "a", "other": "ailleurs"})) == "(ailleurs)"


def test_the_process_keeps_a_bounded_number_of_fragments(monkeypatch):
    """M10"""
    for n in range(kept.BOUND + 5):
        FRAGMENT.render(Context({"q": str(n), "other": n}))
    assert len(kept.KEPT) <= kept.BOUND


def test_kept_needs_a_key():
    """M10"""
    with pytest.raises(TemplateSyntaxError):
        Template("{% kept %}x{% endkept %}")
