from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The shared library of the portal: private file serving, caching, pagination, middleware,
    resilience, observability, the guards and the refusal page. It imports no app of the project."""

    name = "core"
    verbose_name = "Bibliothèque commune"
