"""Who calls the API: a token (« Authorization: Bearer … », SPEC M15.2) or the portal's session.

The account is read again at every call: a deactivated account or a changed profile applies on
the next request, whatever the token."""

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .tokens import token_for_secret, token_used


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request):
        header = request.headers.get("Authorization", "")
        if not header:
            return None
        scheme, _sep, secret = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        token = token_for_secret(secret.strip())
        if token is None:
            raise exceptions.AuthenticationFailed(_("Jeton invalide, expiré ou révoqué."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Le compte de ce jeton est désactivé."))
        token_used(token)
        return token.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class PortalSessionAuthentication(authentication.SessionAuthentication):
    """The portal's session (the documentation page's « Try it out »), CSRF checked on writes."""
