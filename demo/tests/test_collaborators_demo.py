"""Demo data for « Collaborateurs »: a deactivated colleague whose DIs wait on « Demande A
Reaffecter » (SPEC M4.4)."""

import pytest
from django.core.management import call_command

from accounts.models import User
from demo import collaborators as demo
from notifications.models import OutgoingEmail
from support.models import Ticket


@pytest.mark.django_db
def test_the_demo_has_a_deactivated_colleague_with_dis_on_demande_a_reaffecter():
    """M4.4 M4.3"""
    call_command("load_demo")  # the lead may wire demo.collaborators.load into it: load() is idempotent
    emails = OutgoingEmail.objects.count()
    demo.load()
    departed = User.objects.get(email=demo.DEPARTED["email"])
    assert not departed.is_active and not departed.has_usable_password()
    assert departed.establishment.name == demo.ESTABLISHMENT
    released = Ticket.objects.filter(establishment=departed.establishment, owner__isnull=True)
    assert released.count() == 2 and all(t.author == departed and t.is_open for t in released)
    assert OutgoingEmail.objects.count() == emails


@pytest.mark.django_db
def test_the_demo_is_idempotent():
    """M4.4"""
    call_command("load_demo")
    demo.load()
    counts = (User.objects.count(), Ticket.objects.count())
    assert demo.load() == {"collaborators_created": 0, "tickets_released": 0}
    assert (User.objects.count(), Ticket.objects.count()) == counts


@pytest.mark.django_db
def test_the_demo_needs_the_portal_demo_first():
    """M4.4"""
    assert demo.load() == {"collaborators_created": 0, "tickets_released": 0}
    assert not User.objects.exists()
