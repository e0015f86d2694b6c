"""« Journal de sécurité »: an establishment's administrator reads their establishment's security
events, and only theirs (issue 5, item 4)."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from audit.models import Event
from audit.services import record
from audit.views import PAGE_SIZE

URL = reverse("audit:journal")
PARIS = ZoneInfo("Europe/Paris")


def at(event, *args):
    """Date an event (naive arguments are Paris time)."""
    Event.objects.filter(pk=event.pk).update(created_at=datetime(*args, tzinfo=PARIS))
    return event


@pytest.fixture
def both(est_a, est_b, agent, other_agent, support):
    """Events of A, of B, and one by the vendor's staff about A."""
    return {
        "a_login": record("login_succeeded", actor=agent, target=agent.email),
        "a_role": record("role_changed", actor=agent, target="promu@alpha.example", old="agent", new="admin"),
        "b_login": record("login_succeeded", actor=other_agent, target=other_agent.email),
        "b_reset": record("password_reset_requested", establishment=est_b, target="secret-b@beta.example"),
        "vendor": Event.objects.create(
            action="account_request_approved",
            actor=support,
            actor_email=support.email,
            establishment=est_a,
            target="nouveau@alpha.example",
            ip_address="10.1.2.3",
            data={"role": "referent"},
        ),
    }


def body_of(response):
    return response.content.decode()


def test_an_administrator_sees_their_establishments_events_and_never_anothers(client, est_admin, both):
    """M10 M4"""
    client.force_login(est_admin)
    response = client.get(URL)
    body = body_of(response)
    assert response.status_code == 200 and "Journal de sécurité" in body
    assert "agent@alpha.example" in body and "promu@alpha.example" in body
    assert "Agent d&#x27;établissement → Administrateur" in body
    assert "Connexion réussie" in body and "Profil modifié" in body
    for foreign in ("agent@beta.example", "secret-b@beta.example", "EHPAD Bêta"):
        assert foreign not in body


def test_the_vendor_staffs_address_is_not_shown_to_the_establishment(client, est_admin, both):
    """M10"""
    client.force_login(est_admin)
    body = body_of(client.get(URL))
    assert "support@vendor.example (éditeur)" in body
    assert "10.1.2.3" not in body


def test_a_refusal_shows_the_page_pattern_never_the_identifier_tried(client, est_admin, agent, other_agent):
    """M10: a number someone typed is not repeated, even to their own administrator."""
    Event.objects.create(
        action="access_refused",
        actor=agent,
        actor_email=agent.email,
        establishment=agent.establishment,
        target="/support/dis/DI-2026-000777/",
        data={"status": 404, "method": "GET", "view": "support:detail", "route": "/support/dis/<str:number>/"},
    )
    client.force_login(est_admin)
    body = body_of(client.get(URL))
    assert "Accès refusé" in body and "page /support/dis/‹number›/ — réponse 404" in body
    assert "DI-2026-000777" not in body


@pytest.mark.parametrize("persona", ["agent", "referent", "support", "legal_support"])
def test_anyone_but_an_administrator_gets_a_clear_403(client, persona, request, both):
    """M10"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 403
    assert "réservé aux administrateurs de l&#x27;établissement" in body_of(response)
    assert "secret-b@beta.example" not in body_of(response)


def test_the_vendor_administrator_is_sent_to_the_back_office(client, vendor_admin):
    """M8.2 M10"""
    client.force_login(vendor_admin)
    response = client.get(URL)
    assert response.status_code == 302 and response.url == reverse("admin:audit_event_changelist")


def test_anonymous_is_sent_to_the_login_page(client, db):
    """M1.1"""
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_a_post_is_refused(client, est_admin):
    """M10"""
    client.force_login(est_admin)
    assert client.post(URL).status_code == 405


def test_it_filters_by_event(client, est_admin, both):
    """M10"""
    client.force_login(est_admin)
    body = body_of(client.get(URL, {"evenement": "role_changed"}))
    assert "Profil modifié</th>" in body and "Connexion réussie</th>" not in body
    assert "1 événement correspondant aux filtres" in body


def test_it_filters_by_whole_days_in_paris_time(client, est_admin, agent):
    """M10 (time zone Europe/Paris)"""
    at(record("login_succeeded", actor=agent, target="avant@alpha.example"), 2026, 3, 9, 23, 59)
    at(record("login_succeeded", actor=agent, target="debut@alpha.example"), 2026, 3, 10, 0, 0)
    at(record("login_succeeded", actor=agent, target="fin@alpha.example"), 2026, 3, 11, 23, 59)
    at(record("login_succeeded", actor=agent, target="apres@alpha.example"), 2026, 3, 12, 0, 0)
    client.force_login(est_admin)
    body = body_of(client.get(URL, {"du": "2026-03-10", "au": "2026-03-11"}))
    assert "debut@alpha.example" in body and "fin@alpha.example" in body
    assert "avant@alpha.example" not in body and "apres@alpha.example" not in body
    assert "10/03/2026 00:00:00" in body


@pytest.mark.parametrize(
    "params,message",
    [
        ({"du": "2026-03-12", "au": "2026-03-10"}, "La date de début doit précéder la date de fin."),
        ({"du": "pas-une-date"}, "Saisissez une date valide."),
        ({"evenement": "<script>"}, "Sélectionnez un choix valide."),
    ],
)
def test_a_bad_filter_is_explained_never_a_500(client, est_admin, both, params, message):
    """M10"""
    client.force_login(est_admin)
    response = client.get(URL, params)
    assert response.status_code == 200 and message in body_of(response)


def test_it_pages_with_a_bounded_number_of_queries(client, est_admin, agent, django_assert_max_num_queries):
    """M10"""
    Event.objects.bulk_create(
        Event(action="login_succeeded", actor=agent, actor_email=agent.email, establishment=agent.establishment)
        for _ in range(PAGE_SIZE + 5)
    )
    client.force_login(est_admin)
    with django_assert_max_num_queries(10):
        response = client.get(URL)
    assert response.status_code == 200
    first = body_of(response)
    assert f"{PAGE_SIZE + 5} événements" in first and "Page 1 sur 2" in first
    second = body_of(client.get(URL, {"page": 2}))
    assert "Page 2 sur 2" in second and second.count("Connexion réussie</th>") == 5
    assert client.get(URL, {"page": "abc"}).status_code == 200
