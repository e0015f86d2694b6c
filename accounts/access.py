"""Scoped reads of accounts (« Collaborateurs », SPEC M4): every collaborator page starts here.

A client user sees the accounts of their own establishment; the vendor's staff have no
establishment and see none here (their view is the back office). "Does not exist" and "not
yours" get the same 404.
"""

from django.http import Http404

from .models import CLIENT_ROLES, User


def collaborators_for(user):
    """The accounts of the user's establishment (a queryset: lists, counts and sheets start here)."""
    if not (user.is_authenticated and user.is_active and user.is_client and user.establishment_id):
        return User.objects.none()
    return User.objects.filter(establishment_id=user.establishment_id, role__in=CLIENT_ROLES)


def get_collaborator_for_user(user, pk):
    try:
        return collaborators_for(user).select_related("establishment").get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("Collaborateur introuvable") from None


def accounts_of_establishment(user, establishment_id):
    """The accounts of one establishment as ``user`` may read them: a client, their own
    establishment's only; the vendor's staff, any establishment's (read-only pages, M11.3)."""
    if not (user.is_authenticated and user.is_active):
        return User.objects.none()
    if user.is_vendor:
        return User.objects.filter(establishment_id=establishment_id, role__in=CLIENT_ROLES)
    if user.establishment_id != establishment_id:
        return User.objects.none()
    return collaborators_for(user)


def get_account_of_establishment(user, establishment_id, pk):
    try:
        return accounts_of_establishment(user, establishment_id).get(pk=pk)
    except (User.DoesNotExist, ValueError, TypeError):
        raise Http404("Collaborateur introuvable") from None
