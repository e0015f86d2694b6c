from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control


class NoStoreForAuthenticatedMiddleware:
    """Pages shown to a signed-in user are never kept by the browser or a proxy."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith("/static/"):
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
        return response


class RejectNulBytesMiddleware:
    """An address or query string carrying a NUL byte is a French 400 « Requête invalide ».

    PostgreSQL refuses NUL in text: such a value reaching a filter (a DI number in the path, a
    search term) would otherwise end in a 500. Form fields reject NUL themselves."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query = (text for key, values in request.GET.lists() for text in (key, *values))
        if "\x00" in request.path or any("\x00" in text for text in query):
            # The shell's 400 page (templates/errors/), answered before the session is read: never stored.
            response = render(request, "errors/400.html", status=400)
            add_never_cache_headers(response)
            patch_cache_control(response, private=True)
            return response
        return self.get_response(request)


class AllowedMethodsMiddleware:
    """Methods the portal does not use (TRACE, PUT, DELETE, CONNECT…) are a French 405 everywhere,
    before any view, session or log-in is read: TRACE would otherwise reach views that answer any
    method (ASVS 14.5.1). The methods kept are ``ALLOWED_HTTP_METHODS``."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.conf import settings

        allowed = settings.ALLOWED_HTTP_METHODS
        if request.method not in allowed:
            response = render(request, "errors/405.html", status=405)
            response["Allow"] = ", ".join(allowed)
            add_never_cache_headers(response)
            return response
        return self.get_response(request)
