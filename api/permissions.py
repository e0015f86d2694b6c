"""Who may call what: signed in (token or session), the token's scopes, and the roles of the pages
(``core.guards``' French reasons)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import permissions

from core.guards import CLIENTS_ONLY, VENDOR_ADMINS_ONLY, VENDOR_STAFF_ONLY

from .models import ApiToken

READ_ONLY_TOKEN = _("Ce jeton ne permet que la lecture : créez un jeton avec l'écriture pour agir.")


class TokenScopes(permissions.BasePermission):
    """Signed in; a token without « écriture » only reads (GET, HEAD, OPTIONS)."""

    message = READ_ONLY_TOKEN

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated and request.user.is_active):
            return False
        token = request.auth if isinstance(request.auth, ApiToken) else None
        return request.method in permissions.SAFE_METHODS or token is None or token.can_write


class ClientsOnly(permissions.BasePermission):
    message = CLIENTS_ONLY

    def has_permission(self, request, view):
        return request.user.is_client


class VendorStaffOnly(permissions.BasePermission):
    message = VENDOR_STAFF_ONLY

    def has_permission(self, request, view):
        return request.user.is_vendor


class VendorAdminsOnly(permissions.BasePermission):
    message = VENDOR_ADMINS_ONLY

    def has_permission(self, request, view):
        return request.user.is_vendor_admin
