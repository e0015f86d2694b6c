"""« Téléchargements » in a real browser (SPEC M6, M10): the grouped list, a real download,
axe-core clean at desktop and phone widths, no CSP violation."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from downloads.models import DownloadEvent
from testing.browser import NO_PROBLEMS, PHONE, assert_accessible, assert_no_horizontal_overflow, sign_in_with_cookie
from testing.downloads import ALPHABET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_agent_sees_the_grouped_list_and_downloads_a_file(page, live_server, client, agent, files, browser_problems):
    """M6 M10"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("downloads:list"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Téléchargements")
    expect(page.get_by_role("heading", level=2)).to_have_text(["Indeline", "Juridem"])
    indeline = page.get_by_role("table", name="Fichiers du produit Indeline, du plus récent au plus ancien")
    expect(indeline.get_by_role("rowheader")).to_have_text(["Guide de démarrage", "Notes de version"])
    expect(page.get_by_text("Package Winpaie")).to_have_count(0)
    assert_accessible(page)

    guide = files["indeline_new"]
    row = indeline.get_by_role("row").filter(has_text="Guide de démarrage")
    full_checksum = row.locator("code.sha256-full")
    expect(full_checksum).to_be_hidden()
    row.locator("summary").click()
    expect(full_checksum).to_have_text(guide.sha256)
    assert_accessible(page)

    with page.expect_download() as download_info:
        row.get_by_role("link", name="Télécharger Guide de démarrage 2026.1").click()
    download = download_info.value
    assert download.suggested_filename == "guide.pdf"
    with open(download.path(), "rb") as received:
        assert received.read() == ALPHABET
    assert DownloadEvent.objects.filter(user=agent, file=guide).count() == 1
    assert browser_problems == NO_PROBLEMS


def test_the_page_fits_a_phone_and_stays_accessible(page, live_server, client, agent, files, browser_problems):
    """M6 M10"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse("downloads:list"))
    expect(page.get_by_role("heading", level=2)).to_have_text(["Indeline", "Juridem"])
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    assert browser_problems == NO_PROBLEMS
