from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    """The shared library of the portal: private file serving, caching, pagination, middleware,
    resilience, observability, the guards and the refusal page. It imports no app of the project."""

    name = "core"
    verbose_name = "Bibliothèque commune"

    def ready(self):
        from . import folding

        # Accent- and case-insensitive search on SQLite (core.folding); on PostgreSQL, unaccent.
        connection_created.connect(folding.register_sqlite_functions, dispatch_uid="core.folding")
