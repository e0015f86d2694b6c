"""The reports page in a real browser (SPEC M13.5, M10): filters, charts, tables, exports;
axe-core on desktop and phone widths."""

import pytest
from playwright.sync_api import expect

from reports import services
from support.models import Status, Ticket
from testing.browser import NO_PROBLEMS, check_page, sign_in_with_cookie
from testing.service_levels import give_level, make_level, paris
from testing.tickets import contract_of, file_di


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_manager_reads_the_report_and_downloads_it(
    page, live_server, client, agent, est_a, vendor_admin, browser_problems
):
    """M13.5 M10: choose a team and a period, read the charts and the tables, download the CSV"""
    give_level(contract_of(est_a, "SW"), make_level())
    for k, first in enumerate((45, 90, 300)):
        ticket = file_di(agent, subject=f"DI {k}")
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=paris(2026, 3, 3 + k, 10, 0),
            status=Status.CLOSED,
            first_response_minutes=first,
            clock_minutes=first * 3,
        )
    services.rebuild()
    sign_in_with_cookie(page, live_server, client, vendor_admin)
    page.goto(live_server.url + "/")
    page.get_by_role("link", name="Rapports").click()
    page.get_by_label("Équipe").select_option("software")
    page.get_by_label("Du mois").fill("2026-01")
    page.get_by_label("Au mois").fill("2026-04")
    page.get_by_role("button", name="Afficher").click()
    expect(page.get_by_role("img", name="Délais médians par mois (heures ouvrées)")).to_be_visible()
    march = page.locator("table.report-table").first.locator("tr", has_text="mars 26")
    expect(march).to_contain_text("1 h 30")
    check_page(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Exporter en CSV").click()
    assert download.value.suggested_filename == "niveaux-de-service-2026-01-2026-04.csv"
    assert browser_problems == NO_PROBLEMS
