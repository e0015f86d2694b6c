from django.apps import AppConfig


class OpsConfig(AppConfig):
    """Operations: backup and restore, purges of expired data, maintenance jobs."""

    name = "ops"
    verbose_name = "Exploitation"
