"""Structured logs and health checks.

- ``RequestLogMiddleware``: one log line per request (method, route, status, duration, request
  id, user and establishment ids). Paths that carry a token are logged by their route only.
- ``JsonFormatter``: renders every record as one JSON line (production).
- ``liveness`` / ``readiness``: for the load balancer and the orchestrator.
"""

import json
import logging
import os
import re
import time
import uuid
from contextvars import ContextVar

from django.core.cache import cache
from django.core.files.storage import default_storage
from django.db import connection
from django.http import JsonResponse
from django.views.decorators.cache import never_cache

request_id_var: ContextVar[str] = ContextVar("request_id", default="")
logger = logging.getLogger("espace.request")
REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")

# Routes whose path holds a secret (password reset and invitation tokens).
SECRET_ROUTES = {"accounts:password_reset_confirm", "accounts:invitation_confirm"}


_JSON = json.JSONEncoder(ensure_ascii=False)  # json.dumps(…, ensure_ascii=False) built one per line


class JsonFormatter(logging.Formatter):
    _second = (None, "")  # the last second formatted, and its text (one strftime per second)

    def format(self, record):
        second = int(record.created)
        if self._second[0] != second:
            self._second = (second, self.formatTime(record, "%Y-%m-%dT%H:%M:%S"))
        payload = {
            "time": self._second[1],
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = request_id_var.get()
        if request_id:
            payload["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms", "user_id", "establishment_id", "task", "task_id"):
            value = getattr(record, key, None)
            if value is not None:
                payload[key] = value
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return _JSON.encode(payload)


class RequestLogMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.META.get("HTTP_X_REQUEST_ID", "")  # not request.headers: it copies every header
        # 128 random bits in hex, as uuid4().hex without building the UUID object.
        request_id = incoming if REQUEST_ID_RE.fullmatch(incoming) else os.urandom(16).hex()
        token = request_id_var.set(request_id)
        start = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request_id
            self.log(request, response, start)
        finally:
            request_id_var.reset(token)
        return response

    def log(self, request, response, start):
        duration = round((time.monotonic() - start) * 1000, 1)
        user = getattr(request, "user", None)
        authenticated = user is not None and user.is_authenticated
        match = getattr(request, "resolver_match", None)
        path = request.path
        if match is not None and match.view_name in SECRET_ROUTES:
            path = "/" + match.route
        if not path.startswith("/static/") and logger.isEnabledFor(logging.INFO):
            # The record made and handled directly: ``logger.info`` would also look up its caller
            # in the stack (``findCaller``), which no formatter of the portal prints.
            record = logger.makeRecord(
                logger.name,
                logging.INFO,
                "",
                0,
                "%s %s %s",
                (request.method, path, response.status_code),
                None,
                extra={
                    "method": request.method,
                    "path": path,
                    "status": response.status_code,
                    "duration_ms": duration,
                    "user_id": user.pk if authenticated else None,
                    "establishment_id": user.establishment_id if authenticated else None,
                },
            )
            logger.handle(record)


@never_cache
def liveness(request):
    """The process answers (no dependency checked)."""
    return JsonResponse({"status": "ok"})


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_cache():
    key = f"health:{uuid.uuid4().hex}"
    cache.set(key, "1", timeout=10)
    if cache.get(key) != "1":
        raise RuntimeError("le cache ne rend pas la valeur écrite")
    cache.delete(key)


def _check_storage():
    # A read-only probe (a stat, or a HEAD on S3): a public endpoint must not write files.
    default_storage.exists("health-check")


CHECKS = {"database": _check_database, "cache": _check_cache, "storage": _check_storage}


@never_cache
def readiness(request):
    """Every dependency answers: database, cache (Redis in production), file storage."""
    results, ready = {}, True
    for name, check in CHECKS.items():
        try:
            check()
        except Exception as exc:  # report any failure, never raise
            results[name] = "erreur"
            ready = False
            logging.getLogger("espace.health").error("readiness %s failed: %s", name, type(exc).__name__)
        else:
            results[name] = "ok"
    return JsonResponse({"status": "ok" if ready else "erreur", "checks": results}, status=200 if ready else 503)
