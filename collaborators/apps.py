from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaboratorsConfig(AppConfig):
    """« Collaborateurs » (SPEC M4): an establishment's accounts, their sheets, and the
    administrator's actions on them (profile, (de)activation, reassignment of DIs)."""

    name = "collaborators"
    verbose_name = _("Collaborateurs")
