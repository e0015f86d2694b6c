"""The knowledge base in a real browser: suggestions while a DI is typed (htmx, keyboard, live
region), « Cet article a résolu mon problème », the desk's « Insérer le lien », the pages with
axe-core at desktop and phone width, under the strict CSP."""

import pytest
from django.conf import settings
from django.urls import reverse
from playwright.sync_api import expect

from knowledge.models import Deflection, ReplyLink
from support.models import Ticket
from testing.browser import NO_PROBLEMS, check_page, sign_in_with_cookie
from testing.knowledge import attach_image, write_article
from testing.tickets import file_di, take

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def article(products):
    article = write_article(
        products["software"],
        "Les bulletins de paie restent bloqués à l'édition",
        body="## Solution\n\n1. Videz le **dossier d'édition**.\n2. Relancez l'édition.",
        tags="paie, édition",
        version_from="2025.1",
    )
    write_article(products["software2"], "Winpaie : bulletins bloqués")  # no contract in force on it
    return article


def test_articles_appear_as_the_subject_is_typed_and_one_solves_the_problem(
    page, live_server, client, agent, article, browser_problems
):
    """M14.4 M10"""
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("support:create"))
    page.get_by_label("Contrat").select_option(label="Indeline — CT-1-SW")
    subject = page.get_by_label("Objet")
    subject.press_sequentially("bulletins bloq", delay=20)
    status = page.locator("#kb-suggestions-status")
    expect(status).to_have_text("Un article de la base de connaissances répond peut-être à votre question :")
    expect(status).to_have_attribute("aria-live", "polite")
    link = page.get_by_role("link", name=article.title)
    expect(link).to_be_visible()
    expect(page.get_by_text("Winpaie : bulletins bloqués")).to_have_count(0)
    # Keyboard: from « Objet », the next stops are the article, then its button.
    subject.focus()
    page.keyboard.press("Tab")
    expect(link).to_be_focused()
    page.keyboard.press("Tab")
    solved = page.get_by_role("button", name=f"Cet article a résolu mon problème : {article.title}")
    expect(solved).to_be_focused()
    check_page(page)
    page.keyboard.press("Enter")
    expect(status).to_contain_text("aucune DI n'a été déposée")
    assert Deflection.objects.get().article == article
    assert not Ticket.objects.exists()
    assert browser_problems == NO_PROBLEMS


def test_the_knowledge_base_pages_are_accessible_on_desktop_and_phone(
    page, live_server, client, agent, article, browser_problems
):
    """M14.3 M10"""
    image = attach_image(article)
    article.body += f"\n\n![Écran de l'édition]({reverse('knowledge:file', args=[image.uuid])})"
    article.save()
    sign_in_with_cookie(page, live_server, client, agent)
    page.goto(live_server.url + reverse("portal:home"))
    menu = page.get_by_role("navigation", name="Menu principal")
    menu.get_by_text("Aide", exact=True).click()  # « Aide » unfolds: the guide, the knowledge base
    menu.get_by_role("link", name="Base de connaissances").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Base de connaissances")
    check_page(page)
    page.get_by_label("Rechercher dans la base de connaissances").fill("BULLETINS bloqués")
    page.get_by_role("button", name="Rechercher").click()
    expect(page.get_by_role("status")).to_have_text("1 article")
    check_page(page)
    page.get_by_role("link", name=article.title).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(article.title)
    expect(page.get_by_role("heading", level=2, name="Solution")).to_be_visible()
    # The image came through the checked path (knowledge:file), under the CSP's img-src 'self'.
    image_element = page.get_by_role("img", name="Écran de l'édition")
    expect(image_element).to_be_visible()
    page.wait_for_function("() => document.querySelector('.kb-body img').complete")
    assert image_element.evaluate("img => img.naturalWidth") > 0
    check_page(page)
    assert browser_problems == NO_PROBLEMS


def test_the_desk_inserts_an_article_link_in_the_reply(page, live_server, client, agent, support, article):
    """M14.5 M10"""
    ticket = take(file_di(agent), support)
    sign_in_with_cookie(page, live_server, client, support)
    page.goto(live_server.url + reverse("desk:detail", args=[ticket.number]))
    reply = page.get_by_role("textbox", name="Réponse")
    reply.fill("Bonjour, voyez cet article :")
    # Wait until the answer to the whole word is in the page (htmx:afterSettle): the list of the first
    # answer (every article, on load) would otherwise be replaced under the click.
    page.evaluate(
        """() => { window.pickerSettled = new Promise(done => document.body.addEventListener("htmx:afterSettle",
             event => { if (event.detail.requestConfig.parameters.q === "bulletins") done(); })); }"""
    )
    page.get_by_label("Insérer dans la réponse un lien vers un article").press_sequentially("bulletins", delay=20)
    page.evaluate("() => window.pickerSettled")
    insert = page.get_by_role("button", name=f"Insérer le lien : {article.title}")
    expect(insert).to_be_visible()
    check_page(page)
    insert.click()
    address = settings.SITE_URL + reverse("knowledge:detail", args=[article.pk])
    expect(reply).to_have_value(f"Bonjour, voyez cet article : « {article.title} » : {address}")
    expect(reply).to_be_focused()
    page.get_by_role("button", name="Répondre", exact=True).click()
    expect(page.get_by_role("link", name=address)).to_be_visible()
    assert ReplyLink.objects.get().article == article
