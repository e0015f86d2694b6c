"""Scoped reads of accounts (« Collaborateurs », SPEC M4): every collaborator page starts here.

A client user sees the accounts of their own establishment; the vendor's staff have no
establishment and see none here (their view is the back office). "Does not exist" and "not
yours" get the same 404.
"""

import html

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.http import Http404
from django.utils.safestring import SafeString

from core.caching import forget_now_and_after_commit, remember

from .models import CLIENT_ROLES, Role, User, full_name

# The « Confier » / « Réaffecter » lists of an establishment, kept in the cache: an establishment
# may have hundreds of accounts, and every view of a DI writes the list. Any save or deletion of an
# account forgets its establishment's list; a change made behind the portal's back (``update()``,
# an account moved to another establishment) shows at most this long in the old list, and
# choosing a stale name is refused by the field, which validates against the database.
COLLEAGUE_OPTIONS_TTL = 60


def collaborators_for(user):
    """The accounts of the user's establishment (a queryset: lists, counts and sheets start here)."""
    if not (user.is_authenticated and user.is_active and user.is_client and user.establishment_id):
        return User.objects.none()
    return User.objects.filter(establishment_id=user.establishment_id, role__in=CLIENT_ROLES)


def active_colleagues(establishment_id, *, exclude_pk=None):
    """The active client accounts of an establishment, by name, but ``exclude_pk``: who may
    receive a DI (« Confier », « Réaffecter », a DI filed on someone's behalf)."""
    colleagues = User.objects.filter(establishment_id=establishment_id, is_active=True, role__in=CLIENT_ROLES)
    if exclude_pk is not None:
        colleagues = colleagues.exclude(pk=exclude_pk)
    return colleagues.order_by("last_name", "first_name")


def _options_key(establishment_id):
    return f"accounts:colleague-options:{establishment_id}"


def colleague_options(establishment_id):
    """``active_colleagues(establishment_id)`` as (pk, « Prénom Nom (Profil) ») pairs, the labels
    escaped (safe strings), from the cache when it has them (see ``COLLEAGUE_OPTIONS_TTL``). The
    cache holds the names, escaped once, and the role codes; the profiles are translated here,
    once per list."""

    def read():
        rows = active_colleagues(establishment_id).values_list("pk", "first_name", "last_name", "role")
        return [(pk, html.escape(full_name(first, last)), role) for pk, first, last, role in rows]

    roles = {value: html.escape(str(label)) for value, label in Role.choices}
    return [
        (pk, SafeString(f"{name} ({roles.get(role) or html.escape(role)})"))
        for pk, name, role in remember(_options_key(establishment_id), COLLEAGUE_OPTIONS_TTL, read)
    ]


def forget_colleague_options(establishment_id):
    forget_now_and_after_commit(_options_key(establishment_id))


@receiver(post_save, sender=User, dispatch_uid="accounts.access.colleague_saved")
@receiver(post_delete, sender=User, dispatch_uid="accounts.access.colleague_deleted")
def _colleague_changed(sender, instance, **kwargs):
    if instance.establishment_id is not None:
        forget_colleague_options(instance.establishment_id)


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
