"""French the templates need: « de » before a name, elided (SPEC M11.8)."""

import unicodedata

from django import template

register = template.Library()

VOWELS = set("aeiouyh")


def _initial(name):
    """The first letter of ``name`` without its accent, in lower case (« É » → « e »)."""
    text = str(name).strip()
    if not text:
        return ""
    return unicodedata.normalize("NFD", text[0])[0].lower()


@register.filter
def de(name):
    """« de » and a name, elided before a vowel or a mute h: « de l'EHPAD Bêta », « de l'Hôpital
    Nord », « de Centre Hospitalier Alpha »."""
    return f"de l'{name}" if _initial(name) in VOWELS else f"de {name}"
