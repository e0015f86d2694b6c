from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServiceLevelsConfig(AppConfig):
    name = "servicelevels"
    verbose_name = _("Niveaux de service")
