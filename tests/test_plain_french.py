"""Plain French everywhere (M11.8): the French plural rule (« 0 DI », « 1 DI », « Aucune DI »),
elision (« DIs de l'EHPAD »), no « la DI DI-2026-… », sizes in Ko and Mo, one wording of the
satisfaction scale, « mail » rather than « e-mail » in the templates, accents in body text."""

import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils import translation

from tools import french_catalog

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES = [
    path
    for path in ROOT.glob("**/templates/**/*")
    if path.suffix in (".html", ".txt") and ".venv" not in path.parts and path.is_file()
]


def _render(source, **context):
    with translation.override("fr"):
        return Template(source).render(Context(context))


@pytest.mark.parametrize(("count", "number"), [(0, "0 DI"), (1, "1 DI"), (2, "2 DIs")])
def test_zero_and_one_are_singular_in_the_templates(count, number):
    """M11.8"""
    source = (  # the client list's caption: in the catalog (tools.french_catalog), like every plural
        "{% load i18n %}{% blocktranslate count counter=n %}{{ counter }} DI dont vous êtes propriétaire"
        "{% plural %}{{ counter }} DIs dont vous êtes propriétaire{% endblocktranslate %}"
    )
    assert _render(source, n=count) == f"{number} dont vous êtes propriétaire"
    assert _render("{% load french %}{{ n }} DI{{ n|pluriel }} en retard", n=count) == f"{number} en retard"


def test_every_plural_of_the_code_is_in_the_french_catalog():
    """M11.8"""
    assert french_catalog.check(), "run: python -m tools.french_catalog"


def test_the_elided_de_before_a_vowel():
    """M11.8"""
    assert _render("{% load french %}DIs {{ name|de }}", name="EHPAD Bêta") == "DIs de l&#x27;EHPAD Bêta"
    assert (
        _render("{% load french %}DIs {{ name|de }}", name="Établissement Nord") == "DIs de l&#x27;Établissement Nord"
    )
    assert _render("{% load french %}DIs {{ name|de }}", name="Centre Hospitalier Alpha") == (
        "DIs de Centre Hospitalier Alpha"
    )


@pytest.mark.django_db
def test_the_list_of_an_ehpad_says_de_l_and_aucune_di(client, other_agent):
    """M11.8"""
    client.force_login(other_agent)
    page = client.get(reverse("support:list")).content.decode()
    assert "0 DI de l&#x27;EHPAD Bêta" in page and "0 DIs" not in page
    assert "Aucune DI à afficher." in page


def test_sizes_are_in_ko_and_mo():
    """M11.8"""
    with translation.override("fr"):
        assert filesizeformat(10 * 1024 * 1024) == "10,0\xa0Mo"
        assert filesizeformat(2048) == "2,0\xa0Ko"


def test_no_template_says_la_di_before_a_number():
    """M11.8"""
    pattern = re.compile(r"\b[Ll]a DI (\{\{|%\(|<strong>\{\{)")
    found = [f"{path.relative_to(ROOT)}" for path in TEMPLATES if pattern.search(path.read_text(encoding="utf-8"))]
    assert not found, found


def test_the_templates_say_mail_not_e_mail():
    """M11.8"""
    pattern = re.compile(r"\b[Ee]-mails?\b")
    found = [f"{path.relative_to(ROOT)}" for path in TEMPLATES if pattern.search(path.read_text(encoding="utf-8"))]
    assert not found, found


def test_one_wording_of_the_satisfaction_scale():
    """M11.8"""
    scales = set()
    for path in TEMPLATES:
        scales |= set(re.findall(r"de 1 \(([^)]*)\) à 5 \(([^)]*)\)", path.read_text(encoding="utf-8")))
        assert "/ 5<" not in path.read_text(encoding="utf-8"), path
    assert scales == {("très insatisfait", "très satisfait")}
