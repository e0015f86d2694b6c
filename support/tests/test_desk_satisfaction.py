"""The satisfaction results (SPEC M8.1, M8.2): questionnaires filled when closures are validated."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from support.models import SurveyQuestion, SurveyResponse
from testing.tickets import close_with_survey, file_di

URL = reverse("desk:satisfaction")


@pytest.fixture
def surveys(agent, other_agent, support, legal_support):
    """Indeline (software): 5,4,3 and 3,2,1 ; Juridem (legal): 4,4,4."""
    return [
        close_with_survey(file_di(agent, subject="Un"), support, ratings=[5, 4, 3], comment="Très réactif."),
        close_with_survey(file_di(other_agent, subject="Deux"), support, ratings=[3, 2, 1]),
        close_with_survey(
            file_di(agent, kind="JUR", subject="Trois"), legal_support, ratings=[4, 4, 4], comment="Clair."
        ),
    ]


def _rows(rows):
    return {row.label: (row.responses, row.ratings) for row in rows}


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_see_the_satisfaction_results(client, request, persona, surveys):
    """M8.1 M8.2"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert "Résultats des questionnaires de satisfaction" in response.content.decode()


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent", "other_admin"])
def test_client_users_are_refused_the_satisfaction_results(client, request, persona, surveys):
    """M8.2 M10"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 403
    assert "Très réactif." not in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    """M1.1"""
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_averages_per_product_are_right(client, support, surveys):
    """M8.2"""
    client.force_login(support)
    response = client.get(URL)
    assert _rows(response.context["by_product"]) == {"Indeline": (2, [4.0, 3.0, 2.0]), "Juridem": (1, [4.0, 4.0, 4.0])}
    body = response.content.decode()
    assert '<th scope="row">Indeline</th>' in body and "4,0" in body


def test_the_averages_per_team_and_overall_are_right(client, support, surveys):
    """M8.2"""
    client.force_login(support)
    response = client.get(URL)
    assert _rows(response.context["by_team"]) == {
        "Support logiciel": (2, [4.0, 3.0, 2.0]),
        "Support juridique": (1, [4.0, 4.0, 4.0]),
    }
    overall = response.context["overall"][0]
    assert overall.responses == 3
    assert [round(r, 2) for r in overall.ratings] == [4.0, 3.33, 2.67]


def test_a_retired_question_keeps_its_results(client, support, surveys):
    """M8.2"""
    question = SurveyQuestion.objects.order_by("position").first()
    question.is_active = False
    question.save()
    client.force_login(support)
    response = client.get(URL)
    assert question in response.context["questions"]
    assert "question retirée" in response.content.decode()


def test_the_period_filter_keeps_the_questionnaires_of_the_period(client, support, surveys):
    """M8.2"""
    old = SurveyResponse.objects.get(ticket=surveys[1])
    SurveyResponse.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=60))
    since = (timezone.localdate() - timedelta(days=30)).isoformat()
    client.force_login(support)
    response = client.get(URL, {"du": since})
    assert _rows(response.context["by_product"])["Indeline"] == (1, [5.0, 4.0, 3.0])
    until = (timezone.localdate() - timedelta(days=31)).isoformat()
    assert _rows(client.get(URL, {"au": until}).context["by_product"]) == {"Indeline": (1, [3.0, 2.0, 1.0])}


def test_an_inverted_period_is_explained(client, support, surveys):
    """M10"""
    client.force_login(support)
    response = client.get(URL, {"du": "2026-05-01", "au": "2026-04-01"})
    assert response.status_code == 200
    assert "La date de début doit précéder la date de fin." in response.content.decode()


def test_the_latest_comments_link_to_their_di(client, support, surveys):
    """M8.2"""
    client.force_login(support)
    body = client.get(URL).content.decode()
    assert "Très réactif." in body and "Clair." in body
    assert f'<a href="{reverse("desk:detail", args=[surveys[0].number])}">{surveys[0].number}</a>' in body
    assert "Centre Hospitalier Alpha" in body
    assert body.index("Clair.") < body.index("Très réactif.")


def test_the_comments_are_paginated(client, support, agent):
    """M8.2"""
    for i in range(22):
        close_with_survey(file_di(agent, subject=f"DI {i}"), support, ratings=[5, 5, 5], comment=f"Commentaire {i}")
    client.force_login(support)
    assert len(client.get(URL).context["comments"].object_list) == 20
    assert len(client.get(URL, {"page": 2}).context["comments"].object_list) == 2


def test_the_page_says_when_there_is_nothing_yet(client, support):
    """M8.2"""
    client.force_login(support)
    assert "Aucun questionnaire n'a été rempli sur cette période." in client.get(URL).content.decode()


def test_the_query_count_does_not_grow_with_the_questionnaires(
    client, support, agent, other_agent, django_assert_max_num_queries
):
    """M8.2 M10"""
    for i in range(12):
        owner = agent if i % 2 else other_agent
        close_with_survey(file_di(owner, subject=f"DI {i}"), support, ratings=[i % 5 + 1] * 3, comment=f"Avis {i}")
    client.force_login(support)
    with django_assert_max_num_queries(14):
        assert client.get(URL).status_code == 200
