from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo data of the embedded default (``manage.py load_demo``): never loaded in production."""

    name = "demo"
    verbose_name = "Données de démonstration"
