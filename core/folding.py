"""Text compared as people type it: accents and case ignored (« conges » finds « Congés »).

``fold`` is the one definition of a folded text. Queries use the ``fcontains`` lookup
(``subject__fcontains="conges"``), registered on every text column:

- SQLite (the embedded default): ``espace_fold(column) LIKE '%conges%'``, ``espace_fold`` being
  ``fold`` itself, registered on each new connection (``register_sqlite_functions``). A LIKE with
  a leading ``%`` reads every row whatever the column holds, so folding at query time costs no
  more index use than ``icontains`` did, keeps no second copy of the text to maintain (the back
  office, the services, raw imports would all have to keep a folded column in step), and needs no
  migration. The embedded default holds a few thousand DIs: a scan is a few milliseconds.
- PostgreSQL: ``lower(unaccent(column)) LIKE …`` (the ``unaccent`` extension, created by the
  migration of support's full-text search). The DI searches there use the full-text indexes
  (``support.search``); this lookup serves the short columns (names) where a scan is cheap.
"""

import unicodedata

from django.db.models import CharField, Lookup, TextField

# Letters that Unicode does not decompose but that a French reader treats as two.
LIGATURES = str.maketrans({"œ": "oe", "Œ": "OE", "æ": "ae", "Æ": "AE", "ß": "ss"})


def fold(text):
    """Lower case, without accents: « Congés Œuvre » → « conges oeuvre ». None stays None."""
    if text is None:
        return None
    decomposed = unicodedata.normalize("NFKD", str(text).translate(LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


SQLITE_FUNCTION = "espace_fold"


def register_sqlite_functions(sender, connection, **kwargs):
    """``connection_created`` receiver: gives each new SQLite connection ``espace_fold``."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(SQLITE_FUNCTION, 1, fold, deterministic=True)


class FoldedContains(Lookup):
    """``column__fcontains=text``: the column contains ``text``, accents and case ignored."""

    lookup_name = "fcontains"
    prepare_rhs = False

    def get_db_prep_lookup(self, value, connection):
        return "%s", ["%" + connection.ops.prep_for_like_query(fold(value)) + "%"]

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if connection.vendor == "sqlite":
            return f"{SQLITE_FUNCTION}({lhs}) LIKE {rhs} ESCAPE '\\'", [*lhs_params, *rhs_params]
        if connection.vendor == "postgresql":
            return f"lower(unaccent(({lhs})::text)) LIKE {rhs}", [*lhs_params, *rhs_params]
        return f"LOWER({lhs}) LIKE {rhs}", [*lhs_params, *rhs_params]  # case only


CharField.register_lookup(FoldedContains)
TextField.register_lookup(FoldedContains)
