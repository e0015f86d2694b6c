from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_cache_control
from django.utils.translation import gettext as _


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
