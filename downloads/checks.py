from django.conf import settings
from django.core.checks import Error, register

from .serving import SERVE_MODES


@register()
def check_serve_mode(app_configs, **kwargs):
    mode = getattr(settings, "DOWNLOADS_SERVE_MODE", "django")
    if mode not in SERVE_MODES:
        return [
            Error(
                f"DOWNLOADS_SERVE_MODE vaut « {mode} » : les valeurs possibles sont {', '.join(SERVE_MODES)}.",
                id="downloads.E001",
            )
        ]
    return []
