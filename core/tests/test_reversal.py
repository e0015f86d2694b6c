"""core.reversal and ``{% url %}``: Django's reversals, remembered per process."""

import pytest
from django.template import Context, Template, TemplateSyntaxError
from django.urls import NoReverseMatch, set_script_prefix
from django.urls import reverse as django_reverse
from django.utils.html import escape

from core import reversal


@pytest.fixture(autouse=True)
def fresh():
    reversal.forget()
    yield
    reversal.forget()
    set_script_prefix("/")


def test_a_reversal_is_django_s_and_is_remembered(monkeypatch):
    """M10: same result as Django's; the second call does not reverse again"""
    calls = []
    monkeypatch.setattr(reversal, "django_reverse", lambda *a, **k: calls.append(a) or django_reverse(*a, **k))
    assert reversal.reverse("support:list") == django_reverse("support:list")
    assert reversal.reverse("support:detail", args=["DI-2026-000001"]) == django_reverse(
        "support:detail", args=["DI-2026-000001"]
    )
    reversal.reverse("support:list")
    reversal.reverse("support:detail", args=["DI-2026-000001"])
    assert len(calls) == 2
    assert reversal.reverse("support:detail", args=["DI-2026-000002"]).endswith("DI-2026-000002/")
    assert len(calls) == 3


def test_a_failure_is_raised_and_never_kept():
    """M10"""
    for _ in range(2):
        with pytest.raises(NoReverseMatch):
            reversal.reverse("support:nowhere")
    assert not reversal._reversed


def test_a_model_instance_or_lazy_text_is_reversed_each_time(agent, monkeypatch):
    """M10: an argument whose text may change is not remembered"""
    from django.utils.functional import lazy

    calls = []
    monkeypatch.setattr(reversal, "django_reverse", lambda *a, **k: calls.append(a) or django_reverse(*a, **k))
    number = lazy(lambda: "DI-2026-000003", str)()
    reversal.reverse("support:detail", args=[number])
    reversal.reverse("support:detail", args=[number])
    assert len(calls) == 2 and not reversal._reversed


def test_the_script_prefix_and_the_urlconf_are_part_of_the_answer(settings):
    """M10: a deployment under a prefix, or another URLconf, gets its own URLs"""
    plain = reversal.reverse("portal:home")
    set_script_prefix("/portail/")
    assert reversal.reverse("portal:home") == "/portail" + plain
    set_script_prefix("/")
    settings.ROOT_URLCONF = "bench.urls"  # forgets what was remembered
    assert not reversal._reversed
    assert reversal.reverse("bench:fixed") == "/banc-essai/fixe/"


def test_the_url_tag_renders_as_django_s_and_keeps_its_errors(rf):
    """M10: {% url %} (the builtin that replaces Django's): same output, same errors, « as »"""
    request = rf.get("/")
    text = (
        "{% url 'support:detail' number %}|{% url 'support:list' as link %}{{ link }}|"
        "{% url 'support:nowhere' as missing %}[{{ missing }}]"
    )
    out = Template(text).render(Context({"number": "DI-2026-000004", "request": request}))
    assert out == (
        f"{escape(django_reverse('support:detail', args=['DI-2026-000004']))}|{django_reverse('support:list')}|[]"
    )
    with pytest.raises(NoReverseMatch):
        Template("{% url 'support:nowhere' %}").render(Context({}))
    with pytest.raises(TemplateSyntaxError):
        Template("{% url %}")


def test_every_template_s_url_tag_is_the_remembering_one():
    """M10: installed as a builtin, it replaces Django's tag without a {% load %}"""
    from core.templatetags.reversal import RememberedURLNode

    node = Template("{% url 'support:list' %}").nodelist[0]
    assert type(node) is RememberedURLNode
