"""« Etablissement »: the sheet of the user's establishment (SPEC M5)."""

import re
from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from collaborators.services import user_deactivate
from establishments.models import Contract

URL = reverse("collaborators:establishment")


def _contract_rows(body):
    table = re.search(r'<table class="contract-list">.*?</table>', body, re.S).group(0)
    rows = re.findall(r"<tr>\s*<th scope=\"row\">(.*?)</th>(.*?)</tr>", table, re.S)
    return {re.sub(r"<[^>]+>", "", cells.split("</td>")[0]).strip(): (product, cells) for product, cells in rows}


@pytest.mark.parametrize("persona", ["agent", "colleague", "est_admin", "referent"])
def test_every_client_profile_sees_the_sheet_of_their_establishment(client, persona, request):
    """M5"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert "<h1>Centre Hospitalier Alpha</h1>" in response.content.decode()


def test_another_establishment_sees_its_own_sheet_only(client, other_agent, agent):
    """M5 M10"""
    client.force_login(other_agent)
    body = client.get(URL).content.decode()
    assert "<h1>EHPAD Bêta</h1>" in body
    assert "Centre Hospitalier Alpha" not in body and "CT-1-SW" not in body and agent.full_name not in body


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_get_403(client, persona, request):
    """M5 M10"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 403
    assert "réservée aux comptes des établissements clients" in response.content.decode()


def test_anonymous_is_sent_to_the_login_page(client, db):
    """M5"""
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_it_shows_the_identity_address_and_contacts(client, agent):
    """M5"""
    establishment = agent.establishment
    establishment.address = "1 place de l'Hôpital"
    establishment.postal_code = "69002"
    establishment.phone = "04 72 00 00 00"
    establishment.email = "direction@alpha.example"
    establishment.save()
    client.force_login(agent)
    body = client.get(URL).content.decode()
    for text in (
        "Centre hospitalier",
        "111111111",
        "11111111111111",
        "1 place de l&#x27;Hôpital",
        "69002",
        "Lyon",
        "04 72 00 00 00",
        'href="mailto:direction@alpha.example"',
    ):
        assert text in body
    for label in ("Identité", "N° FINESS", "N° SIRET", "Adresse et contacts", "Code postal", "Commune"):
        assert label in body


def test_it_lists_the_contracts_with_product_reference_dates_and_an_active_or_expired_badge(client, agent):
    """M5"""
    client.force_login(agent)
    rows = _contract_rows(client.get(URL).content.decode())
    assert set(rows) == {"CT-1-SW", "CT-1-JUR", "CT-1-OLD"}
    product, cells = rows["CT-1-SW"]
    assert product == "Indeline" and "01/01/2020" in cells and "Sans date de fin" in cells
    assert '<span class="badge ok">Actif</span>' in cells
    product, cells = rows["CT-1-OLD"]
    assert product == "Winpaie" and "01/01/2015" in cells and "31/12/2019" in cells
    assert '<span class="badge off">Expiré</span>' in cells


def test_a_suspended_contract_is_shown_as_such(client, agent):
    """M5"""
    Contract.objects.filter(reference="CT-1-JUR").update(is_active=False)
    client.force_login(agent)
    _, cells = _contract_rows(client.get(URL).content.decode())["CT-1-JUR"]
    assert '<span class="badge warn">Suspendu</span>' in cells


def test_the_badge_follows_contract_in_force(agent):
    """M5"""
    today = timezone.localdate()
    for contract in Contract.objects.filter(establishment=agent.establishment):
        assert (contract.state_on(today) == Contract.State.ACTIVE) == contract.in_force
    upcoming = Contract(start_date=today + timedelta(days=3), is_active=True)
    assert upcoming.state_on(today) == Contract.State.UPCOMING
    ended_today = Contract(start_date=date(2020, 1, 1), end_date=today, is_active=True)
    assert ended_today.state_on(today) == Contract.State.ACTIVE


def test_it_lists_the_collaborators_linking_to_their_sheets(client, agent, colleague, est_admin, other_agent):
    """M5 M4.1"""
    user_deactivate(colleague, acting_user=est_admin)
    client.force_login(agent)
    body = client.get(URL).content.decode()
    for person in (agent, colleague, est_admin):
        assert f'<a href="{reverse("collaborators:detail", args=[person.pk])}">{person.full_name}</a>' in body
    assert other_agent.full_name not in body
    assert "Désactivé" in body


def test_the_number_of_queries_is_bounded(client, agent, django_assert_max_num_queries):
    """M5 M10"""
    client.force_login(agent)
    client.get(URL)
    with django_assert_max_num_queries(9):
        response = client.get(URL)
    assert response.status_code == 200
