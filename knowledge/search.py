"""Searching the knowledge base in French, accents and case ignored (M14.3, M14.4).

PostgreSQL: the article's stored ``tsvector`` (migration 0002: title weighted A, tags B, text D,
in the ``fr_unaccent`` configuration of support's migration 0004) behind a GIN index.
SQLite (the embedded default): the same words folded and stemmed here, in Python, as
``fr_unaccent`` does (unaccent, then PostgreSQL's French stop words, then the Snowball French
stemmer), stored on the article (``title_stems``, ``text_stems``) and matched word for word.

The query is cut into words here for both databases (letters and digits, accents folded, stop
words dropped), so both agree on what a query means:

- the page's search (``matching``): every word must appear;
- the suggestions while a DI is typed (``suggested``): any word may appear, the last one as a
  prefix (it is being typed); an article must hold at least half of the words.

Both rank the same way: each word found in the title counts 3, elsewhere 1; then the newest
first. The words reach PostgreSQL only as bound parameters, and only made of ``[a-z0-9.-]``.
"""

import re
import unicodedata

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
MAX_WORDS = 12  # a query's first words; a pasted paragraph is not a query
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


def stem(word):
    # PostgreSQL's french configuration maps words with digits, versions, files and host names to
    # the ``simple`` dictionary: kept as they are.
    return word if "." in word or any(ch.isdigit() for ch in word) else _stemmer.stemWord(word)


def stems_text(text):
    """The stems of ``text``, space-separated and space-padded (for ``LIKE '% stem %'``)."""
    return " " + " ".join(stem(word) for word in words(text)) + " "


def article_stems(title, tags, body):
    """(title_stems, text_stems) of an article, as stored for the embedded default."""
    return stems_text(title), stems_text(f"{title} {tags} {body}")


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
    """One operand of a tsquery: ``word``, ``word:*`` (a prefix), ``word:A`` (in the title)."""
    flags = ("*" if prefix else "") + ("A" if title else "")
    return f"{word}:{flags}" if flags else word


def _found(word, prefix, *, title):
    """A condition: the word (a prefix when ``prefix``) is in the title, or anywhere."""
    if _full_text():
        return Q(_pg_match(_term(word, prefix, title)))
    stemmed = stem(word)
    field = "title_stems" if title else "text_stems"
    return Q(**{f"{field}__contains": f" {stemmed}" if prefix else f" {stemmed} "})


def _score(terms):
    """Each word in the title counts TITLE_POINTS, elsewhere TEXT_POINTS."""
    total = Value(0)
    for word, prefix in terms:
        total = total + Case(
            When(_found(word, prefix, title=True), then=Value(TITLE_POINTS)),
            When(_found(word, prefix, title=False), then=Value(TEXT_POINTS)),
            default=Value(0),
        )
    return ExpressionWrapper(total, output_field=IntegerField())


def _hits(terms):
    """How many of the words the article holds."""
    total = Value(0)
    for word, prefix in terms:
        total = total + Case(When(_found(word, prefix, title=False), then=Value(1)), default=Value(0))
    return ExpressionWrapper(total, output_field=IntegerField())


def matching(articles, query):
    """The articles holding every word of ``query``, best first (then the newest)."""
    terms = [(word, False) for word in query_words(query)]
    if not terms:
        return articles.none()
    if _full_text():
        condition = Q(_pg_match(" & ".join(word for word, _prefix in terms)))
    else:
        condition = Q()
        for word, prefix in terms:
            condition &= _found(word, prefix, title=False)
    return articles.filter(condition).annotate(score=_score(terms)).order_by("-score", "-updated_at", "-id")


def suggested(articles, text, limit=5):
    """Up to ``limit`` articles for what is being typed (``text``): any word may match, the last
    one as a prefix; an article holding fewer than half of the words is left out."""
    found = query_words(text)
    if not found:
        return articles.none()
    typed = WORD.findall(fold(text))
    # The last word is being typed: no space after it yet, not a stop word, long enough.
    typing = text == text.rstrip() and typed[-1] == found[-1] and len(found[-1]) >= PREFIX_MIN
    terms = [(word, typing and index == len(found) - 1) for index, word in enumerate(found)]
    needed = max(1, (len(terms) + 1) // 2)
    if _full_text():
        condition = Q(_pg_match(" | ".join(_term(word, prefix) for word, prefix in terms)))
    else:
        condition = Q()
        for word, prefix in terms:
            condition |= _found(word, prefix, title=False)
    ranked = articles.filter(condition).annotate(hits=_hits(terms), score=_score(terms)).filter(hits__gte=needed)
    return ranked.order_by("-score", "-updated_at", "-id")[:limit]
