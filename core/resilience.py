"""When a shared service is down, pages say so.

The database or the cache (Redis in production) failing mid-request is answered by a French page
« Service momentanément indisponible » with status 503 and a ``Retry-After`` header, rather than
a 500 error page: the load balancer and the user both know to come back shortly. Each occurrence
is logged once, with the exception's type.
"""

import logging

from django.conf import settings
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.template.loader import render_to_string
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger("espace.unavailable")

UNAVAILABLE = (OperationalError, InterfaceError, RedisConnectionError, RedisTimeoutError)
RETRY_AFTER_SECONDS = 30


def unavailable_response():
    """The 503 page, rendered without the request: no context processor, so no query and no
    cache access (the very things that may be down)."""
    body = render_to_string(
        "errors/503.html",
        {"vendor_name": settings.VENDOR_NAME, "vendor_logo": settings.VENDOR_LOGO},
    )
    response = HttpResponse(body, status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class ServiceUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, UNAVAILABLE):
            return None
        logger.error(
            "service unavailable on %s %s: %s",
            request.method,
            getattr(request.resolver_match, "view_name", "?"),
            type(exception).__name__,
        )
        return unavailable_response()
