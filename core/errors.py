"""Error reporting to Sentry (optional: on only when ``SENTRY_DSN`` is set, see config/settings.py).

Whatever leaves for Sentry goes through ``scrub`` first (``before_send``, and
``before_breadcrumb`` for the trail of events before the error): no password, token, session or
CSRF cookie, no e-mail body, no attachment or uploaded file, no form content, no e-mail address
and no client IP address. The stack trace keeps the names of the local variables and of the form
fields; only their values are filtered. Sentry's own default (no personal data sent) stays.
"""

import re
from urllib.parse import urlsplit, urlunsplit

FILTERED = "[Filtered]"
EMAIL_MASK = "[adresse]"

# Names (variables, form fields, headers, cookies, extra keys) whose value is never sent.
SENSITIVE_NAME = re.compile(
    r"pass|pwd|secret|token|session|csrf|cookie|authori[sz]ation|otp|totp|captcha|signature|api.?key|private"
    r"|body|html|message|description|comment|upload|file|attachment|content|payload|data|"
    r"email|e_mail|mail|address|remote_addr|forwarded|real.?ip|phone|telephone",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")
# Django's password-reset and invitation tokens (base-36 timestamp, hex digest), wherever they appear.
RESET_TOKEN = re.compile(r"\b[0-9a-z]{1,13}-[0-9a-f]{20,64}\b")
# A request as a local variable is shown as ``<WSGIRequest: GET '/path?query'>``: the query goes.
REQUEST_QUERY = re.compile(r"(<\w*Request: \w+ '[^'?]*)\?[^']*'")
# Headers that carry who the client is or what it holds.
SENSITIVE_HEADERS = {"cookie", "authorization", "x-csrftoken", "x-forwarded-for", "x-real-ip", "forwarded"}


def _mask_text(value):
    value = REQUEST_QUERY.sub(r"\1?[Filtered]'", value)
    return RESET_TOKEN.sub(FILTERED, EMAIL.sub(EMAIL_MASK, value))


def _scrub_values(value, depth=0):
    """Recursively: strings have their e-mail addresses masked; values under a sensitive name are
    filtered whole."""
    if depth > 20:
        return FILTERED
    if isinstance(value, dict):
        return {
            key: FILTERED if SENSITIVE_NAME.search(str(key)) else _scrub_values(item, depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [_scrub_values(item, depth + 1) for item in value]
    if isinstance(value, str):
        return _mask_text(value)
    return value


def _secret_route_path(path):
    """A path that holds a token (password links) is replaced by its route."""
    try:
        from django.urls import Resolver404, resolve

        from core.observability import SECRET_ROUTES

        match = resolve(path)
    except (Resolver404, Exception):
        return path
    return "/" + match.route if match.view_name in SECRET_ROUTES else path


def _scrub_request(request):
    request = dict(request)
    if "url" in request and isinstance(request["url"], str):
        parts = urlsplit(request["url"])
        request["url"] = urlunsplit(parts._replace(path=_secret_route_path(parts.path)))
    if request.get("data") not in (None, "", {}):
        data = request["data"]
        request["data"] = dict.fromkeys(data, FILTERED) if isinstance(data, dict) else FILTERED
    for key in ("cookies", "query_string"):
        if request.get(key):
            request[key] = FILTERED
    if isinstance(request.get("headers"), dict):
        request["headers"] = {
            name: FILTERED if name.lower() in SENSITIVE_HEADERS or SENSITIVE_NAME.search(name) else _mask_text(str(v))
            for name, v in request["headers"].items()
        }
    if isinstance(request.get("env"), dict):
        request["env"] = dict.fromkeys(request["env"], FILTERED)
    return request


def _scrub_frames(container):
    for frame in (container or {}).get("stacktrace", {}).get("frames", []) or []:
        if "vars" in frame:
            frame["vars"] = _scrub_values(frame["vars"])


def scrub(event, hint=None):
    """Sentry's ``before_send``: the event without personal data or secrets."""
    if "request" in event:
        event["request"] = _scrub_request(event["request"])
    for exception in (event.get("exception") or {}).get("values", []) or []:
        if isinstance(exception.get("value"), str):
            exception["value"] = _mask_text(exception["value"])
        _scrub_frames(exception)
    for thread in (event.get("threads") or {}).get("values", []) or []:
        _scrub_frames(thread)
    for key in ("extra", "contexts", "tags"):
        if key in event:
            event[key] = _scrub_values(event[key])
    if isinstance(event.get("logentry"), dict):
        entry = event["logentry"]
        for key in ("message", "formatted"):
            if isinstance(entry.get(key), str):
                entry[key] = _mask_text(entry[key])
        if entry.get("params"):
            entry["params"] = FILTERED
    if isinstance(event.get("message"), str):
        event["message"] = _mask_text(event["message"])
    if "user" in event:
        user = event["user"] or {}
        event["user"] = {"id": user["id"]} if "id" in user else {}
    crumbs = event.get("breadcrumbs")
    if isinstance(crumbs, dict):
        crumbs["values"] = [c for c in (scrub_breadcrumb(c) for c in crumbs.get("values", [])) if c]
    return event


def scrub_breadcrumb(crumb, hint=None):
    """Sentry's ``before_breadcrumb``: SQL parameters and data dropped, messages masked."""
    crumb = dict(crumb)
    if isinstance(crumb.get("message"), str):
        crumb["message"] = _mask_text(crumb["message"])
    if "data" in crumb:
        crumb["data"] = FILTERED if crumb.get("category") == "query" else _scrub_values(crumb["data"])
    return crumb


def init_sentry(dsn, *, environment="production", release=None, transport=None):
    """Start the Sentry client (Django, Celery, Redis and logging integrations come by themselves)."""
    import sentry_sdk

    options = {
        "dsn": dsn,
        "environment": environment,
        "release": release,
        "before_send": scrub,
        "before_breadcrumb": scrub_breadcrumb,
        "traces_sample_rate": 0.0,
        "max_request_body_size": "never",
    }
    if transport is not None:
        options["transport"] = transport
    sentry_sdk.init(**options)
