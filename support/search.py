"""Searching DIs (SPEC M3.2 for the client list, M8.1 for the desk).

PostgreSQL: full-text search in French with accents folded (the ``fr_unaccent`` configuration
of migration 0004), against stored ``tsvector`` columns with GIN indexes: ``support_ticket.
search_vector`` (subject and description), ``support_message.search_vector`` (body) and
``support_ticket.messages_vector`` (all its messages' words, kept by the trigger of migration 0005), so that a
search across five million messages reads only the DI table's indexes: « bulletins bloqués »
finds « Bulletin bloqué », « relance » finds « relancé ». The query is read as a search engine
reads it (``websearch_to_tsquery``: words all required, "quoted phrase", ``or``, ``-word``).
SQLite (the embedded default): every word must appear in the text, accents and case ignored
(``fcontains``, see ``core.folding``: « conges » finds « Congés » there too).

A query shaped like a DI number (« DI-2026-000123 », « 2026-123 », « 123 ») also matches that
number exactly, through its unique index: never a ``LIKE '%…%'`` over the whole table.
"""

import re

from django.db import connection
from django.db.models import BooleanField, Exists, OuterRef, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone

from .models import Message

NUMBER = re.compile(r"(?:DI-?)?(?:(\d{4})-)?(\d{1,6})", re.IGNORECASE)
FIRST_YEAR = 2015  # a bare number (« 123 ») is looked for in every year since


def _full_text():
    return connection.vendor == "postgresql"


def number_candidates(query):
    """The DI numbers a query may designate (empty when it is not shaped like one)."""
    match = NUMBER.fullmatch(query.strip())
    if not match:
        return []
    year, serial = match.groups()
    years = [int(year)] if year else range(FIRST_YEAR, timezone.localdate().year + 2)
    return [f"DI-{y}-{int(serial):06d}" for y in years]


def _words(query):
    return [word for word in re.split(r"\s+", query.replace('"', " ")) if word and word not in ("-", "or", "OR")]


def _ticket_text_matches(query, prefix=""):
    """Each word in the subject or description, accents and case ignored (SQLite). As on
    PostgreSQL, a number is found by ``number_condition`` (exactly), not as a text: « 2 » would
    otherwise match every DI of 2026."""
    condition = Q()
    for word in _words(query):
        condition &= Q(**{f"{prefix}subject__fcontains": word}) | Q(**{f"{prefix}description__fcontains": word})
    return condition


# Constant SQL: the user's words are always bound parameters.
TICKET_MATCH = '"support_ticket"."search_vector" @@ websearch_to_tsquery(\'fr_unaccent\', %s)'
# The DI's own words, or any of its messages' (``messages_vector``, kept by a trigger: migration 0005).
TICKET_OR_MESSAGES_MATCH = (
    '("support_ticket"."search_vector" @@ websearch_to_tsquery(\'fr_unaccent\', %s)'
    ' OR "support_ticket"."messages_vector" @@ websearch_to_tsquery(\'fr_unaccent\', %s))'
)


def number_condition(query):
    """The DIs whose number ``query`` designates (``None`` when it is not shaped like one): a
    number finds its DI whatever the other filters of the list (M11.6)."""
    numbers = number_candidates(query)
    return Q(number__in=numbers) if numbers else None


def text_condition(query):
    """The DIs whose subject or description match ``query`` (number matches aside)."""
    query = query.strip()
    if _full_text():
        return Q(RawSQL(TICKET_MATCH, (query,), output_field=BooleanField()))  # noqa: S611
    return _ticket_text_matches(query)


def text_and_messages_condition(query):
    """The DIs whose subject, description or any message (internal notes included) match ``query``."""
    query = query.strip()
    if _full_text():
        # Two GIN indexes of the DI table (its own words, its messages' words), OR-ed into one
        # bitmap: no message row is read.
        return Q(RawSQL(TICKET_OR_MESSAGES_MATCH, (query, query), output_field=BooleanField()))  # noqa: S611
    in_messages = Message.objects.filter(ticket=OuterRef("pk"))
    for word in _words(query):
        in_messages = in_messages.filter(body__fcontains=word)
    return _ticket_text_matches(query) | Q(Exists(in_messages))


def _or_number(condition, query):
    number = number_condition(query)
    return condition | number if number is not None else condition


def filter_tickets(tickets, query):
    """The DIs of ``tickets`` whose number, subject or description match ``query``."""
    query = query.strip()
    if not query:
        return tickets
    return tickets.filter(_or_number(text_condition(query), query))


def filter_tickets_and_messages(tickets, query):
    """The DIs of ``tickets`` matching ``query`` in their number, subject, description or in any
    of their messages, internal notes included (the desk: the vendor's staff read them all). On
    PostgreSQL, the number's unique index joins the two GIN indexes' bitmap."""
    query = query.strip()
    if not query:
        return tickets
    return tickets.filter(_or_number(text_and_messages_condition(query), query))
