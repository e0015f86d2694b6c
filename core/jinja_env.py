"""The Jinja2 environment of the portal's second template engine (``settings.TEMPLATES``), used for
the hot fragments rendered many times per page (the DI lists' rows, a DI's thread: see
docs/performance.md).

Autoescape is on. Jinja2 escapes with markupsafe, which writes quotes as ``&#34;`` and ``&#39;``
where Django writes ``&quot;`` and ``&#x27;``: a text holding a quote goes through Django's own
``escape`` first (``finalize``), so that the fragments escape exactly as Django's templates do;
other values go straight to markupsafe, which escapes ``&``, ``<`` and ``>`` as Django does and
prints Django's safe strings (``mark_safe``, ``format_html``, ``linebreaks``…) as they are, through
their ``__html__``. An undefined name or attribute is an error, not an empty string."""

import html

from django.template import engines
from django.utils import translation
from django.utils.functional import Promise
from django.utils.safestring import SafeString, mark_safe
from jinja2 import Environment, StrictUndefined


def django_escaping(value):
    """Quotes escaped as Django escapes them; everything else left to markupsafe (same result).
    What ``django.utils.html.escape`` does, without its ``keep_lazy`` wrapper (which looks for a
    lazy argument on every call: ~6 % of a list page, one call per value written)."""
    if type(value) is str:
        return SafeString(html.escape(value)) if "'" in value or '"' in value else value
    if isinstance(value, Promise):  # a lazy translation
        return SafeString(html.escape(str(value)))
    return value


def astimezone(moment, tz):
    return moment.astimezone(tz)


def isoformat(moment):
    return moment.isoformat()


def strftime(moment, fmt):
    return moment.strftime(fmt)


# Dates as filters: a filter is a direct call, where a method call in a template goes through
# Jinja2's context (about three times the cost, which counts in 25 rows of three dates each).
FILTERS = {"astimezone": astimezone, "isoformat": isoformat, "strftime": strftime}


class Labels:
    """The labels a fragment shows (``gettext_lazy`` strings), translated once per process and
    language rather than on every page: ``Labels(late=_("En retard")).current()["late"]``."""

    def __init__(self, **labels):
        self._labels = labels
        self._translated = {}  # language: {name: text}; as many as the portal's languages

    def current(self):
        language = translation.get_language()
        translated = self._translated.get(language)
        if translated is None:
            translated = self._translated[language] = {name: self.text(label) for name, label in self._labels.items()}
        return translated

    @staticmethod
    def text(label):
        return str(label)


class TemplateLabels(Labels):
    """Labels written as Django's ``{% translate "…" %}`` writes a template's own text: as the
    translation says, not escaped (an apostrophe stays an apostrophe), for a page moved from a
    Django template to Jinja2 that must write the same markup."""

    @staticmethod
    def text(label):
        return SafeString(label)


def sentence(text, **values):
    """What ``{% blocktranslate %}`` writes: the translated ``text`` as it is, its ``%(name)s``
    values escaped (as Django escapes them)."""
    return SafeString(text % {name: html.escape(str(value)) for name, value in values.items()})


def environment(**options):
    options["undefined"] = StrictUndefined
    options.pop("autoescape", None)  # always on, whatever the settings say
    env = Environment(autoescape=True, finalize=django_escaping, **options)
    env.filters.update(FILTERS)
    return env


def render_fragment(name, **values):
    """A Jinja2 fragment (``<app>/jinja2/<name>``) rendered for a Django template tag: the template
    itself, not Django's wrapper (which would add the request's context), its markup safe to insert
    (the environment escapes every value)."""
    return mark_safe(engines["jinja2"].env.get_template(name).render(**values))  # noqa: S308
