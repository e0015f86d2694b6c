"""Daily work in a real browser (M11.1–M11.6): every page this work added or changed is clean for
axe-core at 1280 px and at 390 px, where nothing scrolls sideways; and the flows people click
through: from the vendor's home to the filtered desk, a « Réponse type » inserted then edited, a
duplicate merged, a DI handed to a colleague, a follow-up filed from a closed DI."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from support import services
from support.models import CannedReply, Message, Status, SurveyQuestion, Ticket
from testing.browser import NO_PROBLEMS, assert_accessible, assert_no_horizontal_overflow, sign_in_with_cookie
from testing.tickets import close_with_survey, file_di, propose_closure, take

PHONE_390 = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture
def daily(agent, colleague, other_agent, support, legal_support, vendor_admin):
    if not SurveyQuestion.objects.exists():  # transactional tests flush the data migration's questions
        SurveyQuestion.objects.bulk_create(SurveyQuestion(position=i, text=f"Question {i} ?") for i in (1, 2, 3))
    CannedReply.objects.create(
        team="software", title="Demande de capture", body="Bonjour [demandeur], une capture de l'écran ?"
    )
    answered = take(file_di(agent, subject="Congés payés mal calculés"), support)
    services.ticket_reply(answered, acting_user=support, body="Quel agent ?")
    services.ticket_post_message(answered, acting_user=agent, body="Matricule 42.")
    asked = take(file_di(agent, subject="Cotisations"), support)
    services.ticket_reply(asked, acting_user=support, body="Quelle période ?", question=True)
    closing = propose_closure(file_di(agent, subject="DSN refusée"), support)
    closed = close_with_survey(file_di(agent, subject="Bulletins bloqués"), support, ratings=[5, 4, 3], comment="Merci")
    duplicate = file_di(colleague, subject="Bulletins toujours bloqués")
    file_di(other_agent, subject="Export en erreur")
    return {"answered": answered, "asked": asked, "closing": closing, "closed": closed, "duplicate": duplicate}


def _pages(daily, agent, support, vendor_admin):
    """(who, path) of every page this work touched."""
    est = agent.establishment_id
    return {
        "vendor home": (support, reverse("portal:home")),
        "vendor admin home": (vendor_admin, reverse("portal:home")),
        "client home": (agent, reverse("portal:home")),
        "client list, mes DIs": (agent, reverse("support:list") + "?mes=1"),
        "client list, search with closed matches": (agent, reverse("support:list") + "?q=bulletins"),
        "client detail, owner": (agent, reverse("support:detail", args=[daily["asked"].number])),
        "client detail, closure to validate": (agent, reverse("support:detail", args=[daily["closing"].number])),
        "client detail, closed": (agent, reverse("support:detail", args=[daily["closed"].number])),
        "follow-up form": (agent, reverse("support:create") + f"?suite={daily['closed'].number}"),
        "desk list, follow-up filter": (support, reverse("desk:list") + "?suivi=repondu&q=conges"),
        "desk detail": (support, reverse("desk:detail", args=[daily["answered"].number])),
        "desk detail, closed": (support, reverse("desk:detail", args=[daily["closed"].number])),
        "establishments": (support, reverse("collaborators:vendor_establishments")),
        "establishment sheet": (support, reverse("collaborators:vendor_establishment", args=[est])),
        "collaborator sheet": (support, reverse("collaborators:vendor_collaborator", args=[est, agent.pk])),
        "filing on behalf": (support, reverse("desk:file_on_behalf", args=[est])),
        "back office canned replies": (vendor_admin, reverse("admin:support_cannedreply_changelist")),
        "back office canned reply form": (vendor_admin, reverse("admin:support_cannedreply_add")),
        "back office DI (links, history)": (
            vendor_admin,
            reverse("admin:support_ticket_change", args=[daily["answered"].pk]),
        ),
        "back office DI events": (vendor_admin, reverse("admin:support_ticketevent_changelist")),
    }


PAGE_NAMES = [
    "vendor home",
    "vendor admin home",
    "client home",
    "client list, mes DIs",
    "client list, search with closed matches",
    "client detail, owner",
    "client detail, closure to validate",
    "client detail, closed",
    "follow-up form",
    "desk list, follow-up filter",
    "desk detail",
    "desk detail, closed",
    "establishments",
    "establishment sheet",
    "collaborator sheet",
    "filing on behalf",
    "back office canned replies",
    "back office canned reply form",
    "back office DI (links, history)",
    "back office DI events",
]


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("name", PAGE_NAMES)
def test_each_page_of_daily_work_is_accessible_at_1280_and_390_px(
    page, live_server, client, agent, support, vendor_admin, daily, browser_problems, name
):
    """M11.1 M11.2 M11.3 M11.4 M11.5 M11.6 M10 (axe-core: nothing serious; no sideways scrolling at 390 px)"""
    user, path = _pages(daily, agent, support, vendor_admin)[name]
    sign_in_with_cookie(page, live_server, client, user)
    page.set_viewport_size(DESKTOP)
    response = page.goto(live_server.url + path)
    assert response.status == 200
    assert_accessible(page)
    page.set_viewport_size(PHONE_390)
    page.reload()
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
    if not name.startswith("back office"):  # Django's own admin scripts set inline styles the CSP refuses
        assert browser_problems == NO_PROBLEMS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_from_the_vendors_home_to_the_dis_the_client_answered(page, live_server, client, support, daily):
    """M11.1"""
    sign_in_with_cookie(page, live_server, client, support)
    page.goto(live_server.url + reverse("portal:home"))
    row = page.locator("tr.work-answered")
    row.get_by_role("link", name="Le demandeur a répondu, Moi").click()
    expect(page.get_by_role("heading", name="Guichet support", level=1)).to_be_visible()
    expect(page.locator(".desk-table tbody tr")).to_have_count(1)
    expect(page.get_by_role("link", name=daily["answered"].number)).to_be_visible()


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_canned_reply_is_inserted_edited_then_sent(
    page, live_server, client, agent, support, daily, browser_problems
):
    """M11.4"""
    ticket = daily["answered"]
    sign_in_with_cookie(page, live_server, client, support)
    url = live_server.url + reverse("desk:detail", args=[ticket.number])
    page.goto(url)
    reply = page.locator("#id_reponse-body")
    reply.fill("Merci.")
    page.get_by_label("Réponse type").select_option(label="Demande de capture")
    page.get_by_role("button", name="Insérer dans la réponse").click()
    expect(reply).to_have_value(f"Merci.\n\nBonjour {agent.full_name}, une capture de l'écran ?")
    expect(page).to_have_url(url)  # inserted in place: nothing typed is lost
    reply.press("End")
    reply.type(" Merci d'avance.")
    page.get_by_role("button", name="Répondre", exact=True).click()
    expect(page.get_by_text("Votre réponse a été envoyée au demandeur.")).to_be_visible()
    sent = Message.objects.filter(ticket=ticket).latest("pk")
    assert (
        sent.body.replace("\r\n", "\n")
        == f"Merci.\n\nBonjour {agent.full_name}, une capture de l'écran ? Merci d'avance."
    )
    assert browser_problems == NO_PROBLEMS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_a_duplicate_is_merged_from_its_page(page, live_server, client, support, daily, browser_problems):
    """M11.4"""
    duplicate, kept = daily["duplicate"], daily["answered"]
    sign_in_with_cookie(page, live_server, client, support)
    page.goto(live_server.url + reverse("desk:detail", args=[duplicate.number]))
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Numéro de la DI à conserver").fill(kept.number)
    page.get_by_role("button", name="Fusionner dans cette DI").click()
    expect(page).to_have_url(live_server.url + reverse("desk:detail", args=[kept.number]))
    expect(page.get_by_text(f"La {duplicate.number} est fusionnée dans la {kept.number}")).to_be_visible()
    expect(page.locator(".linked-tickets")).to_contain_text(duplicate.number)
    duplicate.refresh_from_db()
    assert duplicate.status == Status.CANCELLED and duplicate.merged_into_id == kept.pk
    assert browser_problems == NO_PROBLEMS


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_the_owner_hands_over_then_a_colleague_files_a_follow_up(
    page, live_server, client, agent, colleague, daily, browser_problems
):
    """M11.5"""
    asked, closed = daily["asked"], daily["closed"]
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("support:detail", args=[asked.number]))
    page.get_by_role("link", name="Confier la DI à un collègue").click()
    page.get_by_label("Nouveau propriétaire").select_option(label=f"{colleague.full_name} (Agent d'établissement)")
    page.get_by_role("button", name="Confier la DI").click()
    expect(page.get_by_text(f"est confiée à {colleague.full_name}")).to_be_visible()
    asked.refresh_from_db()
    assert asked.owner == colleague

    page.goto(live_server.url + reverse("support:detail", args=[closed.number]))
    page.get_by_role("link", name="Créer une DI de suite").click()
    expect(page.get_by_label("Objet")).to_have_value(f"Suite de {closed.number} : Bulletins bloqués")
    page.get_by_label("Description").fill("Le problème est revenu après la mise à jour.")
    page.get_by_role("button", name="Soumettre la DI").click()
    expect(page.get_by_text("a été enregistrée")).to_be_visible()
    follow_up = Ticket.objects.get(follows=closed)
    expect(page.locator(".linked-tickets")).to_contain_text(closed.number)
    assert follow_up.owner == agent
    assert browser_problems == NO_PROBLEMS
