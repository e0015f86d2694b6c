"""Searching the knowledge base in French, accents and case ignored (M14.3, M14.4).

PostgreSQL: the article's stored ``tsvector`` (migration 0002: title weighted A, tags B, text D,
in the ``fr_unaccent`` configuration of support's migration 0004) behind a GIN index.
SQLite (the embedded default): the same words folded and stemmed here, in Python, as
``fr_unaccent`` does (unaccent, then PostgreSQL's French stop words, then the Snowball French
stemmer), stored on the article (``title_stems``, ``text_stems``) and matched word for word.

The query is cut into words here for both databases (letters and digits, accents folded, stop
words dropped), so both agree on what a query means:

- the page's search (``matching``): every word must appear;
- the suggestions while a DI is typed (``suggested``): at least half of the words in the title
  and tags, the last one as a prefix (it is being typed); the most words first, then the newest.

The page ranks each word found in the title or tags 3, elsewhere 1; then the newest first. The words reach PostgreSQL only as bound parameters, and only made of ``[a-z0-9.-]``.
"""

import re
import unicodedata
from functools import lru_cache

import snowballstemmer
from django.db import connection
from django.db.models import BooleanField, Case, ExpressionWrapper, IntegerField, Q, Value, When
from django.db.models.expressions import RawSQL

# PostgreSQL's french.stop (tsearch_data), which french_stem applies to the word after unaccent:
# its accented entries therefore never match, exactly as there.
STOP_WORDS = frozenset(
    [
        "au",
        "aux",
        "avec",
        "ce",
        "ces",
        "dans",
        "de",
        "des",
        "du",
        "elle",
        "en",
        "et",
        "eux",
        "il",
        "je",
        "la",
        "le",
        "leur",
        "lui",
        "ma",
        "mais",
        "me",
        "même",
        "mes",
        "moi",
        "mon",
        "ne",
        "nos",
        "notre",
        "nous",
        "on",
        "ou",
        "par",
        "pas",
        "pour",
        "qu",
        "que",
        "qui",
        "sa",
        "se",
        "ses",
        "son",
        "sur",
        "ta",
        "te",
        "tes",
        "toi",
        "ton",
        "tu",
        "un",
        "une",
        "vos",
        "votre",
        "vous",
        "c",
        "d",
        "j",
        "l",
        "à",
        "m",
        "n",
        "s",
        "t",
        "y",
        "été",
        "étée",
        "étées",
        "étés",
        "étant",
        "étante",
        "étants",
        "étantes",
        "suis",
        "es",
        "est",
        "sommes",
        "êtes",
        "sont",
        "serai",
        "seras",
        "sera",
        "serons",
        "serez",
        "seront",
        "serais",
        "serait",
        "serions",
        "seriez",
        "seraient",
        "étais",
        "était",
        "étions",
        "étiez",
        "étaient",
        "fus",
        "fut",
        "fûmes",
        "fûtes",
        "furent",
        "sois",
        "soit",
        "soyons",
        "soyez",
        "soient",
        "fusse",
        "fusses",
        "fût",
        "fussions",
        "fussiez",
        "fussent",
        "ayant",
        "ayante",
        "ayantes",
        "ayants",
        "eu",
        "eue",
        "eues",
        "eus",
        "ai",
        "as",
        "avons",
        "avez",
        "ont",
        "aurai",
        "auras",
        "aura",
        "aurons",
        "aurez",
        "auront",
        "aurais",
        "aurait",
        "aurions",
        "auriez",
        "auraient",
        "avais",
        "avait",
        "avions",
        "aviez",
        "avaient",
        "eut",
        "eûmes",
        "eûtes",
        "eurent",
        "aie",
        "aies",
        "ait",
        "ayons",
        "ayez",
        "aient",
        "eusse",
        "eusses",
        "eût",
        "eussions",
        "eussiez",
        "eussent",
    ]
)
# Dotted words (« 2026.4 », « S21.G00.40.008 », « net-entreprises.fr ») are one word each, as
# PostgreSQL's parser reads a version, a file or a host name.
WORD = re.compile(r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)+|[a-z0-9]+")
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})
MAX_WORDS = 8  # a query's first words; a pasted paragraph is not a query
PREFIX_MIN = 3  # the word being typed is a prefix only from three letters on
TITLE_POINTS, TEXT_POINTS = 3, 1

_stemmer = snowballstemmer.stemmer("french")


def fold(text):
    """Lower case, accents and ligatures folded: « Œuvre Éditée » → « oeuvre editee »."""
    decomposed = unicodedata.normalize("NFKD", text.translate(LIGATURES))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).lower()


def words(text):
    """The searchable words of ``text``: folded, stop words dropped (in order, repeats kept)."""
    return [word for word in WORD.findall(fold(text or "")) if word not in STOP_WORDS]


@lru_cache(maxsize=100_000)
def stem(word):
    # PostgreSQL's french configuration maps words with digits, versions, files and host names to
    # the ``simple`` dictionary: kept as they are.
    return word if "." in word or any(ch.isdigit() for ch in word) else _stemmer.stemWord(word)


def stems_text(text):
    """The stems of ``text``, space-separated and space-padded (for ``LIKE '% stem %'``)."""
    return " " + " ".join(stem(word) for word in words(text)) + " "


def article_stems(title, tags, body):
    """(title_stems, text_stems) of an article, as stored for the embedded default: the title and
    tags' words, and all its words."""
    return stems_text(f"{title} {tags}"), stems_text(f"{title} {tags} {body}")


def query_words(query):
    """The distinct words of a query, in order, at most MAX_WORDS."""
    seen = []
    for word in words(query):
        if word not in seen:
            seen.append(word)
    return seen[:MAX_WORDS]


def _full_text():
    return connection.vendor == "postgresql"


# Constant SQL: the words are always bound parameters.
MATCH_SQL = '"knowledge_article"."search_vector" @@ to_tsquery(\'fr_unaccent\', %s)'


def _pg_match(tsquery):
    return RawSQL(MATCH_SQL, (tsquery,), output_field=BooleanField())  # noqa: S611


def _term(word, prefix, title=False):
    """One operand of a tsquery: ``word``, ``word:*`` (a prefix), ``word:AB`` (in the title or
    the tags)."""
    flags = ("*" if prefix else "") + ("AB" if title else "")
    return f"{word}:{flags}" if flags else word


def match_operands(query):
    """What ``matching`` looks for: ``(every_word, words)`` — the operand of all the words
    together (PostgreSQL's tsquery « a & b »; unused on SQLite) and, per word, its operands in the
    title and tags and anywhere (tsquery terms on PostgreSQL, stems between spaces on SQLite) —
    or None when the query holds no word worth looking for."""
    words = query_words(query)
    if not words:
        return None
    if _full_text():
        return " & ".join(words), [(_term(word, False, title=True), _term(word, False)) for word in words]
    return "", [(f" {stem(word)} ",) * 2 for word in words]


def matched(articles, every_word, words):
    """The articles holding every word (``match_operands``), best first (then the newest): each
    word in the title counts TITLE_POINTS, elsewhere TEXT_POINTS."""

    def found(operand, *, title):
        if _full_text():
            return Q(_pg_match(operand))
        return Q(**{f"{'title_stems' if title else 'text_stems'}__contains": operand})

    if _full_text():
        condition = Q(_pg_match(every_word))
    else:
        condition = Q()
        for _in_title, anywhere in words:
            condition &= found(anywhere, title=False)
    total = Value(0)
    for in_title, anywhere in words:
        total = total + Case(
            When(found(in_title, title=True), then=Value(TITLE_POINTS)),
            When(found(anywhere, title=False), then=Value(TEXT_POINTS)),
            default=Value(0),
        )
    score = ExpressionWrapper(total, output_field=IntegerField())
    return articles.filter(condition).annotate(score=score).order_by("-score", "-updated_at", "-id")


def matching(articles, query):
    """The articles holding every word of ``query``, best first (then the newest)."""
    operands = match_operands(query)
    return articles.none() if operands is None else matched(articles, *operands)


TITLE_MATCH_SQL = '"knowledge_article"."title_vector" @@ to_tsquery(\'fr_unaccent\', %s)'


def suggestion_query(text):
    """What ``suggested`` looks for in ``text`` (the words being typed; the last one a prefix
    while it is typed): ``(operands, needed)`` — per word, the operand the database matches in
    the titles and tags (a tsquery term on PostgreSQL, a stem between spaces on SQLite) and how
    many of them an article must hold (at least half) — or None when no word is worth it.
    One-letter words (« à » is « a ») say nothing here and are left out."""
    found = [word for word in query_words(text) if len(word) > 1]
    if not found:
        return None
    typed = WORD.findall(fold(text))
    # The last word is being typed: no space after it yet, not a stop word, long enough.
    typing = text == text.rstrip() and typed[-1] == found[-1] and len(found[-1]) >= PREFIX_MIN
    operands = []
    for index, word in enumerate(found):
        prefix = typing and index == len(found) - 1
        if _full_text():
            operands.append(_term(word, prefix))
        else:
            stemmed = stem(word)
            operands.append(f" {stemmed}" if prefix else f" {stemmed} ")
    return operands, max(1, (len(operands) + 1) // 2)


def ranked(articles, operands, needed, any_operand):
    """The keys (``values_list("pk")``) of ``articles`` whose title and tags hold at least
    ``needed`` of ``operands`` (``suggestion_query``), the most first, then the newest.
    ``any_operand``: the operands joined by « | » (PostgreSQL's tsquery of any of them).

    Titles and tags only: a DI's subject is short and so are they; the whole text of thousands of
    articles holds the subject's common words too often to say anything. The candidates come from
    the index of the titles and tags; the words each holds are counted in SQL, the same way on both
    databases (the titles' vectors are small: testing each word costs little)."""

    def in_title(operand):
        if _full_text():
            return Q(RawSQL(TITLE_MATCH_SQL, (operand,), output_field=BooleanField()))  # noqa: S611
        return Q(title_stems__contains=operand)

    checks = [in_title(operand) for operand in operands]
    if _full_text():
        condition = Q(RawSQL(TITLE_MATCH_SQL, (any_operand,), output_field=BooleanField()))  # noqa: S611
    else:
        condition = Q()
        for check in checks:
            condition |= check
    hits = Value(0)
    for check in checks:
        hits = hits + Case(When(check, then=Value(1)), default=Value(0))
    return (
        articles.filter(condition)
        .annotate(hits=ExpressionWrapper(hits, output_field=IntegerField()))
        .filter(hits__gte=needed)
        .order_by("-hits", "-updated_at", "-id")
        .values_list("pk")
    )


def suggested(articles, text, limit=5):
    """The keys, best first, of up to ``limit`` of ``articles`` whose title and tags hold at least
    half of the words being typed (``text``): ``suggestion_query`` then ``ranked``."""
    query = suggestion_query(text)
    if query is None:
        return []
    operands, needed = query
    return [pk for (pk,) in ranked(articles, operands, needed, " | ".join(operands))[:limit]]
