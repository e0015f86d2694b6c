"""Calling the API as an integration does: a token in the Authorization header."""

from api.models import ApiToken
from api.tokens import token_create
from testing.clients import CommitClient


def token_for(user, *, write=True, kind=ApiToken.Kind.PERSONAL, acting_user=None, days=30):
    """A new token of ``user`` and its text (an integration token is made by ``acting_user``)."""
    return token_create(
        acting_user=acting_user or user, owner=user, name="Intégration de test", can_write=write, days=days, kind=kind
    )


def api_client(user=None, *, write=True, secret=None):
    """A test client that sends ``user``'s new token (or ``secret``) with every request."""
    if secret is None and user is not None:
        _token, secret = token_for(user, write=write)
    client = CommitClient()
    if secret:
        client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {secret}"
    return client
