"""URL reversal remembered per process (issue 18: the cost every page pays).

Django's ``reverse`` costs about 12 µs a call on the benchmark's machine (namespaces, the reverse
map, the pattern's substitution, quoting), and a page calls it 15 to 30 times — its menu, its
links, ``{% url %}`` in every template. Its answer depends only on the arguments, the URLconf, the
script prefix, the language and the current application: ``reverse`` remembers it under exactly
those, for every call by name with text or integer arguments that does not fail (a failure is
raised as Django raises it, never kept; other arguments go to Django's each time).
Forgotten when a test changes ``ROOT_URLCONF`` or ``FORCE_SCRIPT_NAME``; bounded.

``{% url %}`` in the Django templates goes through it (``core.templatetags.reversal``, a template
builtin that replaces Django's tag with the same syntax and behaviour).
"""

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse
from django.utils.translation import get_language

from core.memo import Memo

_reversed = Memo(bound=20_000)
_PLAIN = (str, int)  # the arguments remembered: their text is themselves


def reverse(viewname, args=None, kwargs=None, current_app=None):
    """Django's ``reverse``, remembered (same arguments, same result, same exceptions)."""
    values = (*(args or ()), *(kwargs or {}).values())
    if not isinstance(viewname, str) or any(type(value) not in _PLAIN for value in values):
        # A view object, a model instance, a lazy string…: its text may change; not remembered.
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    key = (
        viewname,
        tuple(args) if args else (),
        tuple(sorted(kwargs.items())) if kwargs else (),
        current_app,
        get_urlconf(),
        get_script_prefix(),
        get_language(),
    )
    url = _reversed.get(key)
    if url is None:
        url = _reversed.keep(key, django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app))
    return url


def forget():
    _reversed.clear()


@receiver(setting_changed, dispatch_uid="core.reversal.settings_changed")
def _settings_changed(setting, **kwargs):
    if setting in ("ROOT_URLCONF", "FORCE_SCRIPT_NAME"):
        forget()
