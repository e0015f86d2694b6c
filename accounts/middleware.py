"""Django's AuthenticationMiddleware, loading the signed-in user with what the session engine
brought from the cache along with the session (accounts.sessions, accounts.signed_in).

The user is loaded at once rather than behind Django's ``SimpleLazyObject``: every request of
the portal reads it (the request log, the two-factor policy, the no-store header, the audit), and
each attribute read through a ``SimpleLazyObject`` raises and catches an ``AttributeError``
(``LazyObject.__getattribute__``) — twice once django-otp wraps it again — about 6 % of the
portal's fixed page (issue 18, docs/performance.md). A request without a session cookie still
reads nothing: its session is empty without a cache lookup.
"""

from functools import partial

from django.contrib import auth
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthenticationMiddleware
from django.contrib.auth.middleware import auser

from . import signed_in


def get_user(request):
    if not hasattr(request, "_cached_user"):
        with signed_in.reading(request.session):
            request._cached_user = auth.get_user(request)
    return request._cached_user


class AuthenticationMiddleware(DjangoAuthenticationMiddleware):
    def process_request(self, request):
        if not hasattr(request, "session"):
            super().process_request(request)  # Django's ImproperlyConfigured: no SessionMiddleware
        request.user = get_user(request)
        request.auser = partial(auser, request)
