from django.apps import AppConfig


class ReferentialConfig(AppConfig):
    name = "referential"
    verbose_name = "Référentiel"
    default_auto_field = "django.db.models.BigAutoField"
