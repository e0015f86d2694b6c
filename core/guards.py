"""One guard per kind of person. Each view of the portal starts with one of them: an anonymous
visitor goes to the login page, a signed-in person of another kind gets the refusal page (403).

The questions themselves are the user's predicates (``accounts.models.User``): ``is_client``,
``is_establishment_admin``, ``is_vendor``, ``is_vendor_admin``, ``is_manager``.
"""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext_lazy as _

from .refusals import refuse

CLIENTS_ONLY = _("Cette page est réservée aux comptes des établissements clients.")
ESTABLISHMENT_ADMINS_ONLY = _("Seul un administrateur de l'établissement peut gérer les comptes de ses collaborateurs.")
VENDOR_STAFF_ONLY = _("Cette page est réservée au personnel de l'éditeur.")
VENDOR_ADMINS_ONLY = _("Cette page est réservée aux administrateurs de l'éditeur.")
MANAGERS_ONLY = _("Cette page est réservée aux administrateurs de l'éditeur et aux responsables d'équipe.")


def _guard(predicate, reason, **refusal):
    def decorator(view):
        @wraps(view)
        @login_required
        def guarded(request, *args, **kwargs):
            if not getattr(request.user, predicate):
                return refuse(request, str(reason), **refusal)
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def client_required(view):
    """A signed-in person of an establishment (any client profile)."""
    return _guard("is_client", CLIENTS_ONLY)(view)


def establishment_admin_required(view):
    """An active « Administrateur » of an establishment."""
    return _guard("is_establishment_admin", ESTABLISHMENT_ADMINS_ONLY)(view)


def vendor_staff_required(view):
    """The vendor's staff (support and administrators)."""
    return _guard("is_vendor", VENDOR_STAFF_ONLY)(view)


def vendor_admin_required(view):
    """The vendor's administrators."""
    return _guard("is_vendor_admin", VENDOR_ADMINS_ONLY)(view)


def manager_required(view):
    """The vendor's managers: its administrators and the team leads (the reports)."""
    return _guard("is_manager", MANAGERS_ONLY)(view)
