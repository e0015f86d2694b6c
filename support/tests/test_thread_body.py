"""A message's text in the thread (support.templatetags.support_rows._body): Django's own
``linebreaks`` markup, written without its wrappers."""

import pytest
from django.utils.html import linebreaks, urlize

from support.templatetags.support_rows import _body

TEXTS = [
    "",
    "Une ligne",
    "Première ligne\nseconde ligne",
    "Un paragraphe\n\nUn autre\n\n\n\nUn troisième après trois lignes vides",
    "Fins de ligne Windows\r\nsuite\r\n\r\nparagraphe",
    "Fins de ligne anciennes\rsuite\r\rparagraphe",
    "\n\nCommence et finit par des lignes vides\n\n",
    "\n",
    "Balises <script>alert(1)</script> & « guillemets » \"doubles\" et 'simples'",
    "Voir https://exemple.fr/kb/article?id=1&x=2\npuis <b>gras</b>\n\nhttp://a.b/c'd",
    "Espaces   multiples\n \nligne blanche avec un espace",
]


@pytest.mark.parametrize("text", TEXTS)
def test_a_message_reads_as_django_linebreaks_writes_it(text):
    """M3.4 M8.2: the same paragraphs, line breaks, escaping and links as Django's filters."""
    expected = (
        linebreaks(urlize(text, nofollow=True, autoescape=True)) if "://" in text else linebreaks(text, autoescape=True)
    )
    assert _body(text) == expected


def test_markup_typed_in_a_message_is_shown_never_run():
    """M3.4"""
    assert (
        _body("<img src=x onerror=alert(1)>\n\"'&") == "<p>&lt;img src=x onerror=alert(1)&gt;<br>&quot;&#x27;&amp;</p>"
    )
