"""The dashboard on the home page (SPEC M2.5) and its htmx refresh (M2.2)."""

import re

from django.urls import reverse

from support import services
from testing.tickets import file_di, propose_closure, take

HOME = reverse("portal:home")
PARTIAL = reverse("support:dashboard")
LIST = reverse("support:list")


def _tiles(body):
    """{status: count} read from the tiles' links."""
    found = re.findall(r'href="/support/dis/\?statut=(\w+)"><span class="tile-count">(\d+)</span>', body)
    return {status: int(count) for status, count in found}


def test_home_shows_one_tile_per_status_with_the_establishments_counts(client, agent, colleague, other_agent, support):
    """M2.5"""
    file_di(agent)
    file_di(colleague)
    take(file_di(agent), support)
    propose_closure(file_di(agent), support)
    cancelled = file_di(agent)
    services.ticket_cancel(cancelled, acting_user=agent, reason="Doublon")
    file_di(other_agent)  # another establishment: never counted
    file_di(other_agent)
    client.force_login(agent)
    body = client.get(HOME).content.decode()
    assert _tiles(body) == {"to_process": 2, "in_progress": 1, "closure_pending": 1, "closed": 0, "cancelled": 1}
    for label in ("A traiter", "En cours", "Clôture à valider", "Clôturée", "Annulée"):
        assert label in body


def test_each_tile_links_to_the_list_filtered_on_its_status(client, agent):
    """M2.5"""
    client.force_login(agent)
    body = client.get(HOME).content.decode()
    for status in ("to_process", "in_progress", "closure_pending", "closed", "cancelled"):
        assert f'href="{LIST}?statut={status}"' in body


def test_the_counts_take_one_grouped_query(agent, django_assert_num_queries):
    """M2.5"""
    from support.selectors import dashboard_counts

    for _ in range(3):
        file_di(agent)
    with django_assert_num_queries(1):
        tiles = dashboard_counts(agent)
    assert [t["count"] for t in tiles] == [3, 0, 0, 0, 0]


def test_the_header_link_refreshes_the_dashboard_in_place(client, agent):
    """M2.2 M2.5"""
    client.force_login(agent)
    body = client.get(HOME).content.decode()
    assert f'href="{HOME}#tableau-de-bord" hx-get="{PARTIAL}" hx-target="#dashboard-tiles" hx-swap="innerHTML"' in body
    assert 'id="dashboard-tiles"' in body
    assert re.search(r'<script src="[^"]*django_htmx/htmx-2\.min\.js" defer></script>', body)


def test_the_htmx_partial_returns_only_the_tiles(client, agent):
    """M2.2 M2.5"""
    file_di(agent)
    client.force_login(agent)
    response = client.get(PARTIAL, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert response.status_code == 200
    assert _tiles(body)["to_process"] == 1
    assert "<html" not in body and "<nav" not in body
    assert "HX-Request" in response["Vary"]


def test_the_partial_without_htmx_goes_back_to_the_home_dashboard(client, agent):
    """M2.2"""
    client.force_login(agent)
    response = client.get(PARTIAL)
    assert response.status_code == 302 and response.url == HOME + "#tableau-de-bord"


def test_vendor_staff_get_no_establishment_tiles(client, support, agent):
    """M2.5"""
    file_di(agent)
    client.force_login(support)
    body = client.get(HOME).content.decode()
    assert _tiles(body) == {} and "hx-get" not in body
    assert client.get(PARTIAL, headers={"HX-Request": "true"}).status_code == 403


def test_an_expired_session_sends_the_whole_page_to_login(client, db):
    """M1.1 M2.2"""
    response = client.get(PARTIAL, headers={"HX-Request": "true"})
    assert response.status_code == 200 and response["HX-Redirect"].startswith(reverse("accounts:login") + "?next=")
    assert client.get(PARTIAL).url == HOME + "#tableau-de-bord"  # without htmx: home, which asks to log in
