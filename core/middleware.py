import functools
import time

import csp.middleware
from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject
from csp.utils import build_policy
from django.conf import settings
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.messages.storage import default_storage
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.functional import SimpleLazyObject, empty
from django.utils.http import http_date
from django.utils.translation import gettext as _


class FrenchMiddleware:
    """Every request in ``LANGUAGE_CODE``, the portal's only language, activated for it.

    Not Django's LocaleMiddleware: nothing to negotiate (it parsed the path and the
    Accept-Language header and added « Vary: Accept-Language » to every response). But with no
    language activated, each translation lookup — every ``{% translate %}``, every date
    format, every ``{% url %}`` (its reverse map is per language) — looked for one and raised
    and caught an AttributeError (``gettext`` 4.1 → 2.6 µs, ``get_language`` 3.0 → 1.3 µs in a
    loop, hundreds per page; docs/performance.md)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        translation.activate(settings.LANGUAGE_CODE)
        request.LANGUAGE_CODE = settings.LANGUAGE_CODE
        return self.get_response(request)


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a signed-in user are never kept by the browser or a proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            if "Cache-Control" in response or "Expires" in response:
                add_never_cache_headers(response)
                patch_cache_control(response, private=True)
            else:  # what the two calls above write, without parsing headers that are not there
                response.headers["Expires"] = _http_date_now()
                response.headers["Cache-Control"] = NO_STORE
        return response


NO_STORE = "max-age=0, no-cache, no-store, must-revalidate, private"
_date_of_second = (0, "")


def _http_date_now():
    global _date_of_second
    second = int(time.time())
    if _date_of_second[0] != second:
        _date_of_second = (second, http_date(second))
    return _date_of_second[1]


class RequestGuardMiddleware:
    """Requests the portal refuses before any view, session or log-in is read (one middleware for
    both: every layer costs every request a little, docs/performance.md).

    - Methods the portal does not use (TRACE, PUT, DELETE, CONNECT…) are a French 405
      everywhere: TRACE would otherwise reach views that answer any method (ASVS 14.5.1). The
      methods kept are ``ALLOWED_HTTP_METHODS``.
    - An address or query string carrying a NUL byte is a French 400 « Requête invalide ».
      PostgreSQL refuses NUL in text: such a value reaching a filter (a DI number in the path, a
      search term) would otherwise end in a 500. Form fields reject NUL themselves.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        allowed = settings.ALLOWED_HTTP_METHODS
        if request.method not in allowed:
            response = render(request, "errors/405.html", status=405)
            response["Allow"] = ", ".join(allowed)
            add_never_cache_headers(response)
            return response
        if "\x00" in request.path or self._query_has_nul(request):
            if request.path.startswith(tuple(settings.JSON_ERROR_PATHS)):
                # The REST API answers in its own JSON shape (api/errors.py).
                message = _("Requête invalide : l'adresse contient un caractère nul.")
                response = JsonResponse({"erreur": {"code": "requete_invalide", "message": message}}, status=400)
            else:
                # The shell's 400 page (templates/errors/), answered before the session is read: never stored.
                response = render(request, "errors/400.html", status=400)
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response
        return self.get_response(request)

    @staticmethod
    def _query_has_nul(request):
        raw = request.META.get("QUERY_STRING", "")
        if "%00" not in raw and "\x00" not in raw:  # the only ways a NUL reaches a decoded value
            return False
        return any("\x00" in text for key, values in request.GET.lists() for text in (key, *values))


LEGACY_SESSION_COOKIE = "sessionid"
LEGACY_CSRF_COOKIE = "csrftoken"


class LegacyCookieNamesMiddleware:
    """Carries browsers over from the cookie names before ``__Host-`` (production, ASVS 3.3.1).

    A request that brings ``sessionid`` / ``csrftoken`` but not the new names is read as if it had
    sent the new ones; the answer sets the new cookies (same session, same CSRF secret: a form
    opened before the upgrade still posts) and deletes the old ones. A legacy session that has
    expired is not carried over: the old cookie is deleted and the person signs in again. Does
    nothing while the names are Django's defaults (the embedded default). Placed before
    SessionMiddleware and CsrfViewMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        session_name, csrf_name = settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME
        carried = {}
        if session_name != LEGACY_SESSION_COOKIE and LEGACY_SESSION_COOKIE in request.COOKIES:
            if session_name not in request.COOKIES:
                request.COOKIES[session_name] = carried["session"] = request.COOKIES[LEGACY_SESSION_COOKIE]
            carried.setdefault("legacy", []).append(LEGACY_SESSION_COOKIE)
        if csrf_name != LEGACY_CSRF_COOKIE and LEGACY_CSRF_COOKIE in request.COOKIES:
            if csrf_name not in request.COOKIES:
                request.COOKIES[csrf_name] = request.COOKIES[LEGACY_CSRF_COOKIE]
                request.META["CSRF_COOKIE_NEEDS_UPDATE"] = True  # CsrfViewMiddleware sets the new cookie
            carried.setdefault("legacy", []).append(LEGACY_CSRF_COOKIE)
        response = self.get_response(request)
        if "session" in carried and session_name not in response.cookies:
            session = getattr(request, "session", None)
            if session is not None and not session.accessed:
                session._get_session()  # loads it: an expired key is dropped here
            if session is not None and session.session_key:
                response.set_cookie(
                    session_name,
                    session.session_key,
                    max_age=settings.SESSION_COOKIE_AGE,
                    path=settings.SESSION_COOKIE_PATH,
                    domain=settings.SESSION_COOKIE_DOMAIN,
                    secure=settings.SESSION_COOKIE_SECURE,
                    httponly=settings.SESSION_COOKIE_HTTPONLY,
                    samesite=settings.SESSION_COOKIE_SAMESITE,
                )
        for name in carried.get("legacy", []):
            response.delete_cookie(name, samesite="Lax")
        return response


@functools.cache
def _csp_headers():
    """The settings' two headers, built once: (header, policy, excluded path prefixes) for the
    policy and the report-only policy; rebuilt when a test changes the settings
    (``setting_changed`` below)."""
    return tuple(
        (
            header,
            build_policy(report_only=report_only),
            tuple((getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()),
        )
        for header, report_only, name in (
            (HEADER, False, "CONTENT_SECURITY_POLICY"),
            (HEADER_REPORT_ONLY, True, "CONTENT_SECURITY_POLICY_REPORT_ONLY"),
        )
    )


@receiver(setting_changed, dispatch_uid="core.middleware.csp_settings_changed")
def _csp_settings_changed(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _csp_headers.cache_clear()


class MessageMiddleware(DjangoMessageMiddleware):
    """Django's, with the message storage made when first used: a response that neither adds nor
    shows a message (the API, a file, an HTMX fragment, a redirect) skips building it — a
    cookie storage with its signer and a session storage, about 2.5 % of the portal's fixed
    page. A storage never made had nothing to save."""

    def process_request(self, request):
        request._messages = SimpleLazyObject(lambda: default_storage(request))

    def process_response(self, request, response):
        messages = getattr(request, "_messages", None)
        if isinstance(messages, SimpleLazyObject) and messages._wrapped is empty:
            return response
        return super().process_response(request, response)


# What django-csp puts on a request once its header is written: reading it raises (a nonce read
# then would be in no header). It never holds a value, so one object serves every request.
_NONCE_AFTER_RESPONSE = CheckableLazyObject(csp.middleware.CSPMiddleware._csp_nonce_post_response)


class CSPMiddleware(csp.middleware.CSPMiddleware):
    """django-csp's middleware, with the policy built once per settings rather than per response.

    The portal uses no nonce and almost every response carries the settings' policy unchanged:
    django-csp rebuilt both headers (policy and report-only) from the settings' dictionaries on
    every response (about 4 % of the portal's fixed page). A response that asks for its own
    policy (``csp_update``, the files' ``sandbox``, an exemption) or a request that used a nonce
    still goes through django-csp's own path."""

    # Set on the response by django-csp's decorators (so found in its instance dictionary).
    _OWN_POLICY_ATTRIBUTES = frozenset(
        f"_csp_{part}{suffix}" for part in ("config", "update", "replace", "exempt") for suffix in ("", "_ro")
    )

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or not self._OWN_POLICY_ATTRIBUTES.isdisjoint(
            vars(response)
        ):
            return super().process_response(request, response)
        if response.status_code in (500, 404) and settings.DEBUG:
            return response
        for header, policy, excluded in _csp_headers():
            if policy and header not in response and not request.path_info.startswith(excluded):
                response[header] = policy
        if getattr(request, "_csp_nonce", None) is None:
            request.csp_nonce = _NONCE_AFTER_RESPONSE
        return response
