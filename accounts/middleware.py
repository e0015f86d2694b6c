"""Django's AuthenticationMiddleware, loading the signed-in user with what the session engine
brought from the cache along with the session (accounts.sessions, accounts.signed_in)."""

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.utils.functional import SimpleLazyObject

from . import signed_in


def get_user(request):
    if not hasattr(request, "_cached_user"):
        with signed_in.reading(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request):
        super().process_request(request)
        request.user = SimpleLazyObject(lambda: get_user(request))
