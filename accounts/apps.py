from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = _("Comptes")

    def ready(self):
        from . import (
            auth,  # noqa: F401 - connects the login-budget reset to user_logged_in
            signed_in,  # noqa: F401 - forgets a cached user when their rows change
        )
