"""Scoped reads of the security log.

An active « Administrateur » of an establishment reads the entries of that establishment (a
foreign-key equality); nobody else reads any in the portal. The vendor's administrator searches
the whole log in the back office.
"""

from .models import Event


def may_read_journal(user):
    return bool(user.is_authenticated and user.administers(user.establishment_id))


def events_for(user):
    """The entries a user may read in the portal (a queryset: the page and its count start here)."""
    if not may_read_journal(user):
        return Event.objects.none()
    return Event.objects.filter(establishment_id=user.establishment_id)
