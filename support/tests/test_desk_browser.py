"""The support desk in a real browser (SPEC M8.1, M10): accessibility (axe-core) on desktop and
phone widths, the strict Content-Security-Policy, double-click on a row, taking a DI in charge."""

import os

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from support import services
from support.models import Status, SurveyQuestion
from testing.browser import NO_PROBLEMS, PHONE, assert_accessible, assert_no_horizontal_overflow, sign_in_with_cookie
from testing.tickets import close_with_survey, file_di, take

SCREENSHOTS = os.environ.get("DESK_SCREENSHOTS")  # a folder: keep screenshots to look at the pages


def screenshot(page, name):
    if SCREENSHOTS:
        page.screenshot(path=os.path.join(SCREENSHOTS, f"{name}-{page.viewport_size['width']}.png"), full_page=True)


@pytest.fixture
def desk_data(agent, other_agent, support, legal_support):
    if not SurveyQuestion.objects.exists():  # transactional tests flush the data migration's questions
        SurveyQuestion.objects.bulk_create(SurveyQuestion(position=i, text=f"Question {i} ?") for i in (1, 2, 3))
    di = take(file_di(agent, subject="Bulletins bloqués", module="Paie", version="5.2"), support)
    services.ticket_reply(di, acting_user=support, body="Quelle version ?", question=True)
    services.ticket_add_internal_note(di, acting_user=support, body="Déjà vu chez un autre client.")
    file_di(other_agent, subject="Export comptable en erreur")
    file_di(agent, kind="JUR", subject="Marché public")
    close_with_survey(file_di(other_agent, subject="Réglée"), support, ratings=[5, 4, 3], comment="Merci !")
    return di


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", ["list", "detail", "satisfaction"])
def test_desk_page_is_accessible_on_desktop_and_phone(
    page, live_server, client, support, desk_data, browser_problems, name
):
    """M8.1 M10 (axe-core finds nothing serious; no sideways scrolling at 375 px; no CSP violation)"""
    sign_in_with_cookie(page, live_server, client, support)
    path = reverse(f"desk:{name}", args=[desk_data.number] if name == "detail" else [])
    page.goto(live_server.url + path)
    assert_accessible(page)
    screenshot(page, name)
    page.set_viewport_size(PHONE)
    page.reload()
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    screenshot(page, name)
    assert browser_problems == NO_PROBLEMS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_double_click_on_a_row_then_take_the_di_in_charge(
    page, live_server, client, support, other_agent, browser_problems
):
    """M8.1 M3.2"""
    di = file_di(other_agent, subject="Export comptable en erreur")
    sign_in_with_cookie(page, live_server, client, support)
    page.goto(live_server.url + reverse("desk:list"))
    page.get_by_role("cell", name="Export comptable en erreur").dblclick()
    expect(page).to_have_url(live_server.url + reverse("desk:detail", args=[di.number]))
    page.get_by_role("button", name="Prendre en charge").click()
    expect(page.get_by_text("Vous avez pris la DI en charge.")).to_be_visible()
    di.refresh_from_db()
    assert di.status == Status.IN_PROGRESS and di.assignee == support
    assert browser_problems == NO_PROBLEMS
