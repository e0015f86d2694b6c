"""The security log's request side.

- Every event recorded while a request is served knows where it came from (its IP address), even
  when the service that records it was not handed the request.
- A refusal (403 or 404) of a signed-in user on a tenant page — DIs, support desk, collaborators,
  establishment sheet, downloads, this log — is recorded as « access_refused »: who, which page
  (its path, never a query string), which answer.
"""

import logging
from contextvars import ContextVar

from django.db import DatabaseError

current_request: ContextVar = ContextVar("audit_current_request", default=None)
logger = logging.getLogger(__name__)

# URL namespaces that serve an establishment's data (see config/urls.py).
TENANT_NAMESPACES = frozenset({"support", "desk", "collaborators", "establishments", "downloads", "audit"})
REFUSAL_STATUSES = (403, 404)


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_request.set(request)
        try:
            response = self.get_response(request)
            if response.status_code in REFUSAL_STATUSES:
                self.record_refusal(request, response)
        finally:
            current_request.reset(token)
        return response

    def record_refusal(self, request, response):
        from .services import record

        match = getattr(request, "resolver_match", None)
        user = getattr(request, "user", None)
        if match is None or match.namespace not in TENANT_NAMESPACES:
            return
        if user is None or not user.is_authenticated:
            return
        try:
            record(
                "access_refused",
                actor=user,
                request=request,
                target=request.path,
                status=response.status_code,
                method=request.method,
                view=match.view_name,
                route="/" + match.route,
            )
        except DatabaseError:  # the refusal is still answered; the log line says why it is missing
            logger.exception("access_refused not recorded for %s", match.view_name)
