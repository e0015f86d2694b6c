"""Per-token rate limit (SPEC M15.2): API_RATE_PER_MINUTE requests a minute for each token (each
signed-in person without one; each address for the anonymous); then 429 with ``Retry-After``."""

from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from core.network import client_address

from .models import ApiToken


class PerTokenThrottle(SimpleRateThrottle):
    scope = "api"

    def get_rate(self):
        return f"{settings.API_RATE_PER_MINUTE}/min"

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            who = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            who = f"user-{request.user.pk}"
        else:
            who = f"addr-{client_address(request)}"
        return f"api-rate-{who}"
