"""Demo trainings: one validated through training_validate, one pending; loading twice changes nothing."""

import pytest

from accounts.models import Role, User
from demo import base as base_demo
from demo import trainings as demo
from notifications.models import OutgoingEmail
from trainings.models import Participant, Training


@pytest.mark.django_db
def test_demo_holds_a_validated_and_a_pending_training_and_is_idempotent(django_capture_on_commit_callbacks):
    """M8.3"""
    with django_capture_on_commit_callbacks(execute=True):
        base_demo.load()
        demo.load()
        demo.load()

    validated = Training.objects.get(validated_at__isnull=False)
    assert (validated.product.name, validated.validated_by.email) == ("Indeline", "superviseur@cegape.example")
    outcomes = {p.email: (p.outcome, p.account.email) for p in validated.participants.select_related("account")}
    assert outcomes == {
        "agent@ch-demo.example": (Participant.Outcome.LINKED, "agent@ch-demo.example"),
        "nathalie.lambert@ch-demo.example": (Participant.Outcome.CREATED, "nathalie.lambert@ch-demo.example"),
    }
    new_agent = User.objects.get(email="nathalie.lambert@ch-demo.example")
    assert new_agent.role == Role.AGENT and new_agent.establishment.name == "Centre Hospitalier de Démonstration"

    pending = Training.objects.get(validated_at__isnull=True)
    assert pending.product.name == "Winpaie"
    assert {p.establishment.name for p in pending.participants.select_related("establishment")} == {
        "EHPAD Les Tilleuls"
    }
    assert pending.participants.count() == 3 and not pending.participants.exclude(outcome="").exists()

    assert Training.objects.count() == 2 and Participant.objects.count() == 5
    assert not OutgoingEmail.objects.filter(template="account_invitation").exists()
