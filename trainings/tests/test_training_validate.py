"""training_validate (« Valider la formation »): accounts created, linked or reported, once."""

import re
from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError

from accounts.models import Role, User
from audit.models import Event
from trainings.models import Participant, Training
from trainings.services import training_preview, training_validate

Outcome = Participant.Outcome


@pytest.fixture
def training(products):
    return Training.objects.create(
        product=products["software"],
        title="Indeline — prise en main",
        start_date=date(2026, 3, 9),
        end_date=date(2026, 3, 10),
        trainer="Émilie Dubois",
        place="Lyon, salle B",
    )


def add(training, establishment, email, first_name="Nina", last_name="Nouvelle", function="Gestionnaire"):
    return Participant.objects.create(
        training=training,
        establishment=establishment,
        email=email,
        first_name=first_name,
        last_name=last_name,
        function=function,
    )


def validate(training, user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return training_validate(training, acting_user=user)


def test_it_creates_an_agent_account_for_a_participant_without_one(
    training, est_a, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3 M4.2"""
    participant = add(training, est_a, "nina.nouvelle@alpha.example", function="Adjointe des cadres")
    result = validate(training, vendor_admin, django_capture_on_commit_callbacks)

    user = User.objects.get(email="nina.nouvelle@alpha.example")
    assert (user.role, user.establishment, user.is_active) == (Role.AGENT, est_a, True)
    assert (user.first_name, user.last_name, user.function) == ("Nina", "Nouvelle", "Adjointe des cadres")
    assert not user.has_usable_password()
    participant.refresh_from_db()
    assert (participant.account, participant.outcome) == (user, Outcome.CREATED)
    assert result.created == [participant] and result.linked == [] and result.conflicts == []


def test_it_emails_each_new_account_a_link_to_choose_its_password(
    training, est_a, est_b, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3 M9"""
    add(training, est_a, "nina@alpha.example")
    add(training, est_b, "Paul@Beta.example", first_name="Paul", last_name="Premier")
    validate(training, vendor_admin, django_capture_on_commit_callbacks)

    assert sorted(message.to[0] for message in mail.outbox) == ["nina@alpha.example", "paul@beta.example"]
    for message in mail.outbox:
        assert re.search(r"http://\S+/bienvenue/\S+/\S+/", message.body)
        assert "Agent d'établissement" in message.body


def test_the_emailed_link_lets_the_new_agent_choose_a_password(
    client, training, est_a, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3 M1.2"""
    add(training, est_a, "nina@alpha.example")
    validate(training, vendor_admin, django_capture_on_commit_callbacks)
    link = re.search(r"http://\S+/bienvenue/\S+/\S+/", mail.outbox[0].body).group(0)
    form_url = client.get(link).url
    password = "une formation bien menée"
    assert client.post(form_url, {"new_password1": password, "new_password2": password}).status_code == 302
    assert User.objects.get(email="nina@alpha.example").check_password(password)


def test_it_links_an_existing_account_of_the_same_establishment_without_changing_its_role(
    training, est_a, est_admin, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3 M4.2"""
    participant = add(training, est_a, "ADMIN@alpha.example", first_name="Autre", last_name="Nom")
    result = validate(training, vendor_admin, django_capture_on_commit_callbacks)

    participant.refresh_from_db()
    est_admin.refresh_from_db()
    assert (participant.account, participant.outcome) == (est_admin, Outcome.LINKED)
    assert (est_admin.role, est_admin.first_name) == (Role.ADMIN, "Adèle")
    assert "Administrateur" in participant.outcome_message
    assert result.linked == [participant]
    assert mail.outbox == []
    assert User.objects.count() == 2


def test_it_links_a_deactivated_account_of_the_same_establishment_and_says_so(
    training, est_a, agent, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3 M4.4"""
    agent.is_active = False
    agent.save()
    participant = add(training, est_a, agent.email)
    validate(training, vendor_admin, django_capture_on_commit_callbacks)

    participant.refresh_from_db()
    agent.refresh_from_db()
    assert (participant.account, participant.outcome) == (agent, Outcome.LINKED)
    assert "compte désactivé" in participant.outcome_message
    assert not agent.is_active  # reported, not reactivated


def test_it_reports_an_account_of_another_establishment_without_moving_it(
    training, est_a, other_agent, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3 M4.2"""
    participant = add(training, est_a, other_agent.email)
    result = validate(training, vendor_admin, django_capture_on_commit_callbacks)

    participant.refresh_from_db()
    other_agent.refresh_from_db()
    assert participant.outcome == Outcome.CONFLICT and participant.account is None
    assert "EHPAD Bêta" in participant.outcome_message and "non déplacé" in participant.outcome_message
    assert (other_agent.establishment.name, other_agent.role) == ("EHPAD Bêta", Role.AGENT)
    assert result.conflicts == [participant]
    assert mail.outbox == []


def test_it_reports_a_vendor_account_without_touching_it(
    training, est_a, support, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3"""
    participant = add(training, est_a, support.email)
    validate(training, vendor_admin, django_capture_on_commit_callbacks)

    participant.refresh_from_db()
    support.refresh_from_db()
    assert participant.outcome == Outcome.CONFLICT and participant.account is None
    assert "personnel de CEGAPE" in participant.outcome_message
    assert (support.role, support.establishment) == (Role.SUPPORT_SOFTWARE, None)


def test_it_refuses_a_second_validation_and_creates_no_duplicate(
    training, est_a, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3"""
    add(training, est_a, "nina@alpha.example")
    validate(training, vendor_admin, django_capture_on_commit_callbacks)
    first = Training.objects.get(pk=training.pk).validated_at

    with pytest.raises(ValidationError, match="déjà été validée"):
        validate(training, vendor_admin, django_capture_on_commit_callbacks)
    assert User.objects.filter(email="nina@alpha.example").count() == 1
    assert len(mail.outbox) == 1
    assert Training.objects.get(pk=training.pk).validated_at == first


def test_a_stale_copy_of_the_training_cannot_validate_it_again(
    training, est_a, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3 (the training row is re-read under lock: an old object in memory changes nothing)"""
    add(training, est_a, "nina@alpha.example")
    stale = Training.objects.get(pk=training.pk)
    validate(training, vendor_admin, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        validate(stale, vendor_admin, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1


def test_it_records_who_validated_and_audits_each_account_created(
    training, est_a, agent, vendor_admin, django_capture_on_commit_callbacks
):
    """M8.3"""
    add(training, est_a, "nina@alpha.example")
    add(training, est_a, agent.email)
    validate(training, vendor_admin, django_capture_on_commit_callbacks)

    training.refresh_from_db()
    assert training.validated_by == vendor_admin and training.validated_at is not None
    validated = Event.objects.get(action="training_validated")
    assert validated.actor == vendor_admin
    assert validated.data["created"] == ["nina@alpha.example"] and validated.data["linked"] == [agent.email]
    created = Event.objects.get(action="account_created_by_training")
    assert (created.target, created.establishment) == ("nina@alpha.example", est_a)


def test_a_training_without_participants_is_not_validated(training, vendor_admin):
    """M8.3"""
    with pytest.raises(ValidationError, match="aucun participant"):
        training_validate(training, acting_user=vendor_admin)
    training.refresh_from_db()
    assert training.validated_at is None


@pytest.mark.parametrize("persona", ["support", "est_admin"])
def test_only_a_vendor_administrator_may_validate(request, training, est_a, persona):
    """M8.3 M8.2"""
    add(training, est_a, "nina@alpha.example")
    with pytest.raises(PermissionDenied):
        training_validate(training, acting_user=request.getfixturevalue(persona))
    assert not User.objects.filter(email="nina@alpha.example").exists()


def test_the_preview_announces_what_validation_does(training, est_a, agent, other_agent, support):
    """M8.3"""
    add(training, est_a, "nina@alpha.example", last_name="A")
    add(training, est_a, agent.email, last_name="B")
    add(training, est_a, other_agent.email, last_name="C")
    add(training, est_a, support.email, last_name="D")
    assert [plan.outcome for plan in training_preview(training)] == [
        Outcome.CREATED,
        Outcome.LINKED,
        Outcome.CONFLICT,
        Outcome.CONFLICT,
    ]
    assert not Participant.objects.exclude(outcome="").exists()  # nothing written


def test_a_participant_email_is_stored_in_lower_case_and_once_per_training(training, est_a):
    """M8.3"""
    add(training, est_a, "Nina.Nouvelle@Alpha.example")
    assert Participant.objects.get().email == "nina.nouvelle@alpha.example"
    with pytest.raises(ValidationError):
        Participant(
            training=training, establishment=est_a, email="NINA.nouvelle@alpha.example", first_name="N", last_name="N"
        ).full_clean()
