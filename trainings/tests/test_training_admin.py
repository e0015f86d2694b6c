"""The back office of trainings: participants entered inline, « Valider la formation » as an action
and as a button of the change page (both through a confirmation page), read-only afterwards."""

from datetime import date

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from testing.personas import make_user
from trainings.models import Participant, Training

CHANGELIST = reverse("admin:trainings_training_changelist")


@pytest.fixture
def training(products, est_a, agent, other_agent):
    training = Training.objects.create(
        product=products["software"],
        title="Indeline — prise en main",
        start_date=date(2026, 3, 9),
        end_date=date(2026, 3, 10),
        trainer="Émilie Dubois",
        place="Lyon, salle B",
    )
    for email, first, last in [
        ("nina@alpha.example", "Nina", "Nouvelle"),
        (agent.email, "Alice", "Agent"),
        (other_agent.email, "Bruno", "Bêta"),
    ]:
        Participant.objects.create(
            training=training, establishment=est_a, email=email, first_name=first, last_name=last
        )
    return training


def validate_url(training):
    return reverse("admin:trainings_training_validate", args=[training.pk])


def change_url(training):
    return reverse("admin:trainings_training_change", args=[training.pk])


def test_change_page_has_the_validate_button(client, vendor_admin, training):
    """M8.3"""
    client.force_login(vendor_admin)
    body = client.get(change_url(training)).content.decode()
    assert f'href="{validate_url(training)}"' in body and "Valider la formation" in body


def test_the_confirmation_page_shows_each_participant_and_what_will_happen(client, vendor_admin, training):
    """M8.3"""
    client.force_login(vendor_admin)
    response = client.get(validate_url(training))
    body = response.content.decode()
    assert response.status_code == 200
    for text in (
        "Nina Nouvelle",
        "Compte créé",
        "Alice Agent",
        "Compte existant rattaché",
        "Bruno Bêta",
        "Conflit signalé",
        "EHPAD Bêta",
    ):
        assert text in body
    assert not User.objects.filter(email="nina@alpha.example").exists()  # nothing done yet
    assert Training.objects.get(pk=training.pk).validated_at is None


def test_the_change_page_button_validates_and_reports_by_name(client, vendor_admin, training, agent):
    """M8.3"""
    client.force_login(vendor_admin)
    response = client.post(validate_url(training), follow=True)

    assert response.redirect_chain[-1][0] == change_url(training)
    body = response.content.decode()
    assert "est validée : 1 compte créé (Nina Nouvelle) ; 1 compte existant rattaché (Alice Agent) ; " in body
    assert "1 conflit signalé (Bruno Bêta)" in body
    assert "Bruno Bêta (agent@beta.example) : Adresse mail d&#x27;un compte de « EHPAD Bêta »" in body
    assert User.objects.get(email="nina@alpha.example").role == Role.AGENT
    assert [message.to for message in mail.outbox] == [["nina@alpha.example"]]
    assert "/bienvenue/" in mail.outbox[0].body


def test_the_admin_action_asks_for_confirmation_then_validates(client, vendor_admin, training, products, est_b):
    """M8.3"""
    other = Training.objects.create(
        product=products["software2"],
        title="Winpaie — DSN",
        start_date=date(2026, 4, 2),
        end_date=date(2026, 4, 2),
        trainer="Luc Martin",
        place="Bourg-en-Bresse",
    )
    Participant.objects.create(
        training=other, establishment=est_b, email="zoe@beta.example", first_name="Zoé", last_name="Zèbre"
    )
    client.force_login(vendor_admin)
    data = {"action": "validate_trainings", ACTION_CHECKBOX_NAME: [training.pk, other.pk]}

    confirmation = client.post(CHANGELIST, data)
    assert confirmation.status_code == 200
    assert "Participants et effet de la validation" in confirmation.content.decode()
    assert not Training.objects.filter(validated_at__isnull=False).exists()

    response = client.post(CHANGELIST, {**data, "confirm": "yes"}, follow=True)
    body = response.content.decode()
    assert "« Indeline — prise en main » est validée" in body and "« Winpaie — DSN » est validée" in body
    assert Training.objects.filter(validated_at__isnull=False).count() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["nina@alpha.example", "zoe@beta.example"]


def test_validating_again_from_the_back_office_is_refused_clearly(client, vendor_admin, training):
    """M8.3"""
    client.force_login(vendor_admin)
    client.post(validate_url(training))
    response = client.post(validate_url(training), follow=True)
    assert "déjà été validée" in response.content.decode()
    response = client.post(
        CHANGELIST, {"action": "validate_trainings", ACTION_CHECKBOX_NAME: [training.pk], "confirm": "yes"}, follow=True
    )
    assert "déjà été validée" in response.content.decode()
    assert User.objects.filter(email="nina@alpha.example").count() == 1
    assert len(mail.outbox) == 1


def add_form(products, est_a, *participants):
    data = {
        "product": products["legal"].pk,
        "title": "Juridem — le statut",
        "start_date": "12/05/2026",
        "end_date": "12/05/2026",
        "trainer": "Me Durand",
        "place": "Visioconférence",
        "notes": "",
        "participants-TOTAL_FORMS": str(len(participants)),
        "participants-INITIAL_FORMS": "0",
    }
    for i, (last_name, email) in enumerate(participants):
        data.update(
            {
                f"participants-{i}-last_name": last_name,
                f"participants-{i}-first_name": "Nina",
                f"participants-{i}-email": email,
                f"participants-{i}-function": "RH",
                f"participants-{i}-establishment": est_a.pk,
            }
        )
    return data


def test_participants_are_entered_inline_with_emails_in_lower_case(client, vendor_admin, products, est_a):
    """M8.3"""
    client.force_login(vendor_admin)
    data = add_form(products, est_a, ("Nouvelle", "Nina.Nouvelle@Alpha.example"))
    response = client.post(reverse("admin:trainings_training_add"), data)
    assert response.status_code == 302
    participant = Participant.objects.get()
    assert (participant.training.title, participant.email) == ("Juridem — le statut", "nina.nouvelle@alpha.example")
    assert participant.outcome == "" and participant.account is None


def test_the_same_email_twice_in_one_training_is_refused(client, vendor_admin, products, est_a):
    """M8.3"""
    client.force_login(vendor_admin)
    data = add_form(products, est_a, ("Nouvelle", "Nina@Alpha.example"), ("Double", "nina@alpha.EXAMPLE"))
    response = client.post(reverse("admin:trainings_training_add"), data)
    assert response.status_code == 200
    assert "Corrigez les données en double dans email" in response.content.decode()
    assert not Training.objects.exists()


def test_participants_are_read_only_once_the_training_is_validated(client, vendor_admin, training):
    """M8.3"""
    client.force_login(vendor_admin)
    client.post(validate_url(training))
    body = client.get(change_url(training)).content.decode()
    assert 'name="participants-0-email"' not in body
    assert "Compte créé" in body and "Conflit signalé" in body
    assert f'href="{validate_url(training)}"' not in body


def test_vendor_admin_lists_trainings_in_bounded_queries(
    client, vendor_admin, products, est_a, django_assert_max_num_queries
):
    """M8.3 M8.2"""
    for i in range(12):
        training = Training.objects.create(
            product=products["software" if i % 2 else "software2"],
            title=f"Session {i}",
            start_date=date(2026, 1, i + 1),
            end_date=date(2026, 1, i + 1),
            trainer="Émilie Dubois",
            place="Lyon",
        )
        for j in range(3):
            Participant.objects.create(
                training=training,
                establishment=est_a,
                email=f"p{i}-{j}@alpha.example",
                first_name="P",
                last_name=str(j),
            )
    client.force_login(vendor_admin)
    with django_assert_max_num_queries(12):
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Session 11" in body and '<td class="field-participant_count">3</td>' in body
    assert client.get(CHANGELIST + "?validee=non&q=p3-1").status_code == 200


def test_vendor_admin_lists_participants_in_bounded_queries(
    client, vendor_admin, training, products, est_a, django_assert_max_num_queries
):
    """M8.3 M8.2"""
    for i in range(15):
        Participant.objects.create(
            training=training,
            establishment=est_a,
            email=f"p{i}@alpha.example",
            first_name="P",
            last_name=str(i),
            account=make_user(f"u{i}@alpha.example", est_a),
        )
    client.force_login(vendor_admin)
    url = reverse("admin:trainings_participant_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200 and "Nina" in response.content.decode()
    assert "Nina" in client.get(url + "?q=nina@alpha").content.decode()
    assert client.get(url + "?q=Alpha").status_code == 200


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent", "support", "legal_support"])
def test_the_trainings_back_office_is_closed_to_everyone_else(client, request, training, persona):
    """M8.3 M8.2"""
    client.force_login(request.getfixturevalue(persona))
    for url in (CHANGELIST, validate_url(training), reverse("admin:trainings_participant_changelist")):
        response = client.post(url) if url == validate_url(training) else client.get(url)
        assert response.status_code == 302 and "/back-office/login/" in response.url
    assert Training.objects.get(pk=training.pk).validated_at is None
