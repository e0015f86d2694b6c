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


@register.filter
def pluriel(value, arg="s"):
    """Django's ``pluralize`` with the French rule: 0 and 1 are singular (« 0 DI », « 1 DI »,
    « 2 DIs »). ``arg`` is the plural suffix, or « singular,plural » (``{{ n|pluriel:"a,ont" }}``)."""
    singular, _comma, plural = arg.rpartition(",") if "," in arg else ("", "", arg)
    try:
        many = abs(float(value)) >= 2
    except (TypeError, ValueError):
        try:
            many = len(value) >= 2
        except TypeError:
            return ""
    return plural if many else singular
