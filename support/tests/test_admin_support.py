"""The DIs and the questionnaire in the back office (SPEC M8.2): read-only DIs, editable questions."""

import pytest
from django.urls import reverse

from support import services
from support.models import SurveyQuestion, SurveyResponse, Ticket, TicketEvent
from testing.tickets import close_with_survey, file_di, take


@pytest.fixture
def many_dis(agent, colleague, other_agent, support, legal_support):
    """About thirty DIs of two establishments, half taken, a few closed with a questionnaire."""
    tickets = []
    for i, owner in enumerate([agent, colleague, other_agent] * 10):
        ticket = file_di(owner, kind="JUR" if i % 3 == 0 else "SW", subject=f"Demande {i}")
        if i % 2:
            take(ticket, legal_support if ticket.team == "legal" else support)
            services.ticket_add_internal_note(ticket, acting_user=ticket.assignee, body="Note")
        tickets.append(ticket)
    for ticket in tickets[1:6:2]:
        close_with_survey(ticket, ticket.assignee, ratings=[4, 5, 3], comment="Merci")
    return tickets


@pytest.mark.parametrize(
    "model", ["support/ticket", "support/ticketevent", "support/surveyquestion", "support/surveyresponse"]
)
def test_the_back_office_lists_in_bounded_queries(client, vendor_admin, many_dis, model, django_assert_max_num_queries):
    """M8.2 M10"""
    client.force_login(vendor_admin)
    url = reverse(f"admin:{model.replace('/', '_')}_changelist")
    with django_assert_max_num_queries(12):
        response = client.get(url)
    assert response.status_code == 200


def test_the_ticket_list_searches_number_subject_and_establishment(client, vendor_admin, many_dis):
    """M8.2"""
    client.force_login(vendor_admin)
    url = reverse("admin:support_ticket_changelist")
    assert client.get(url, {"q": many_dis[4].number}).context["cl"].result_count == 1
    assert client.get(url, {"q": '"Demande 12"'}).context["cl"].result_count == 1
    assert client.get(url, {"q": "Bêta"}).context["cl"].result_count == 10


def test_the_ticket_list_filters_on_status_team_and_waiting(client, vendor_admin, many_dis):
    """M8.2"""
    client.force_login(vendor_admin)
    url = reverse("admin:support_ticket_changelist")
    assert client.get(url, {"status__exact": "closed"}).context["cl"].result_count == 3
    assert client.get(url, {"team__exact": "legal"}).context["cl"].result_count == 10
    assert client.get(url, {"awaiting_owner__exact": "0"}).status_code == 200


def test_a_ticket_is_read_only_with_its_messages(client, vendor_admin, support, agent):
    """M8.2"""
    ticket = take(file_di(agent, subject="Lecture seule"), support)
    services.ticket_reply(ticket, acting_user=support, body="Réponse visible dans le back office")
    client.force_login(vendor_admin)
    url = reverse("admin:support_ticket_change", args=[ticket.pk])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "Réponse visible dans le back office" in body
    assert 'name="_save"' not in body
    assert reverse("desk:detail", args=[ticket.number]) in body
    response = client.post(url, {"status": "closed", "subject": "Modifiée"})
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.status == "in_progress" and ticket.subject == "Lecture seule"


def test_tickets_cannot_be_added_or_deleted_in_the_back_office(client, vendor_admin, agent):
    """M8.2"""
    ticket = file_di(agent)
    client.force_login(vendor_admin)
    assert client.get(reverse("admin:support_ticket_add")).status_code == 403
    assert client.post(reverse("admin:support_ticket_delete", args=[ticket.pk]), {"post": "yes"}).status_code == 403
    assert Ticket.objects.filter(pk=ticket.pk).exists()


def test_the_event_history_is_read_only(client, vendor_admin, agent):
    """M8.2"""
    event = TicketEvent.objects.get(ticket=file_di(agent))
    client.force_login(vendor_admin)
    assert client.get(reverse("admin:support_ticketevent_change", args=[event.pk])).status_code == 200
    assert client.post(reverse("admin:support_ticketevent_delete", args=[event.pk]), {"post": "yes"}).status_code == 403


def test_the_vendor_admin_edits_the_questionnaire_questions(client, vendor_admin):
    """M8.2"""
    client.force_login(vendor_admin)
    response = client.post(
        reverse("admin:support_surveyquestion_add"),
        {"text": "Recommanderiez-vous notre support ?", "position": 4, "is_active": "on"},
    )
    assert response.status_code == 302
    question = SurveyQuestion.objects.get(text="Recommanderiez-vous notre support ?")
    response = client.post(
        reverse("admin:support_surveyquestion_change", args=[question.pk]),
        {"text": question.text, "position": 0},
    )
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.position == 0 and not question.is_active


def test_an_answered_question_cannot_be_deleted_only_retired(client, vendor_admin, support, agent):
    """M8.2"""
    close_with_survey(file_di(agent), support, ratings=[5, 5, 5])
    question = SurveyQuestion.objects.order_by("position").first()
    client.force_login(vendor_admin)
    assert (
        client.post(reverse("admin:support_surveyquestion_delete", args=[question.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert SurveyQuestion.objects.filter(pk=question.pk).exists()


def test_a_questionnaire_shows_its_answers_read_only(client, vendor_admin, support, agent):
    """M8.2"""
    ticket = close_with_survey(file_di(agent), support, ratings=[2, 3, 4], comment="Délai un peu long")
    response_obj = SurveyResponse.objects.get(ticket=ticket)
    client.force_login(vendor_admin)
    url = reverse("admin:support_surveyresponse_change", args=[response_obj.pk])
    body = client.get(url).content.decode()
    assert "Délai un peu long" in body
    assert "Le délai de traitement de votre demande vous a-t-il convenu ?" in body
    assert 'name="_save"' not in body
    assert client.post(url, {"comment": "Réécrit"}).status_code == 403


@pytest.mark.parametrize("persona", ["support", "legal_support", "agent", "est_admin"])
def test_only_the_vendor_admin_reaches_the_support_back_office(client, request, persona):
    """M8.2"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(reverse("admin:support_ticket_changelist"))
    assert response.status_code == 302 and "/back-office/login/" in response.url
