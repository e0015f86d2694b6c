"""Service levels in a real browser (SPEC M13.3, M13.4, M10): the desk by due time with its late
(red) and due-today (amber) flags in words, the vendor home's counts, the client's dates; axe-core
checks contrast and structure on desktop and phone widths."""

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from support import services
from support.models import Ticket
from testing.browser import NO_PROBLEMS, check_page, sign_in_with_cookie
from testing.service_levels import give_level, make_level
from testing.tickets import contract_of, file_di


@pytest.fixture
def dated(agent, est_a, support):
    give_level(contract_of(est_a, "SW"), make_level())
    now = timezone.now()
    local = timezone.localtime(now)
    end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    late = file_di(agent, subject="Bulletins bloqués")
    today = file_di(agent, subject="Export à relancer")
    later = file_di(agent, subject="Paramétrage à revoir")
    waiting = file_di(agent, subject="Capture demandée")
    Ticket.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=2))
    Ticket.objects.filter(pk=today.pk).update(due_at=now + (end_of_day - local) / 2)
    Ticket.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=2, hours=1))
    services.ticket_reply(waiting, acting_user=support, body="Une capture ?", question=True)
    return {"late": late, "today": today, "later": later, "waiting": waiting}


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_desk_by_due_time_and_the_vendor_home(page, live_server, client, support, dated, browser_problems):
    """M13.4 M10: sorted by « Échéance la plus proche » from the filter form; flags in words; the
    home's counts link to the team's desk by due time"""
    sign_in_with_cookie(page, live_server, client, support)
    page.goto(live_server.url + "/guichet/")
    page.get_by_label("Trier par").select_option("echeance")
    page.get_by_role("button", name="Filtrer").click()
    rows = page.locator("table.desk-table tbody tr")
    expect(rows.nth(0)).to_contain_text(dated["late"].number)
    expect(rows.nth(0)).to_contain_text("En retard")
    expect(rows.nth(1)).to_contain_text("Aujourd'hui")
    expect(rows.nth(2)).to_contain_text("dans 2 j")
    expect(rows.nth(3)).to_contain_text("En pause")
    check_page(page)
    page.goto(live_server.url + "/")
    counts = page.locator(".due-counts")
    expect(counts).to_contain_text("1 DI aujourd'hui")
    expect(counts).to_contain_text("1 DI en retard")
    check_page(page)
    counts.get_by_role("link", name="Support logiciel").click()
    expect(page.get_by_label("Trier par")).to_have_value("echeance")
    assert browser_problems == NO_PROBLEMS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_client_sees_the_dates_on_the_list_and_the_di(page, live_server, client, agent, dated, browser_problems):
    """M13.3 M10: the list's « Échéance » and the DI's « Réponse attendue avant le … »"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + "/support/dis/")
    row = page.locator("tr", has_text=dated["later"].number)
    expect(row).to_contain_text("Réponse avant le")
    expect(page.locator("tr", has_text=dated["waiting"].number)).to_contain_text("Délai suspendu")
    check_page(page)
    row.get_by_role("link", name=dated["later"].number).click()
    expect(page.locator("dl.sheet")).to_contain_text("Réponse attendue avant le")
    expect(page.locator("dl.sheet")).to_contain_text("Résolution visée avant le")
    check_page(page)
    assert browser_problems == NO_PROBLEMS
