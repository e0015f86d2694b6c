"""Every main page of each role fits the screen (M11.7): at 390×844, 1280×800 and 1920×1080 the
main content never scrolls sideways, nor does any list in it; the header takes at most a fifth of
the screen; the side menu's background reaches the bottom of the page; under 700 px the DI lists
are cards (number, status, subject, owner, last activity) with nothing cut off, and no text tells
a phone user to double-click. axe-core finds nothing serious (``check_page``)."""

import pytest
from django.urls import reverse

from news.models import NewsItem
from support import services
from testing.browser import NO_PROBLEMS, check_page, sign_in_with_cookie
from testing.tickets import file_di, propose_closure, take

SIZES = [{"width": 390, "height": 844}, {"width": 1280, "height": 800}, {"width": 1920, "height": 1080}]
PHONE = SIZES[0]

LONG_SUBJECT = "Impossible d'exporter la DSN mensuelle : Erreur_de_validation_du_fichier_DSN_mensuel_numéro_42"
LONG_WORD = "Capture_écran_du_bulletin_de_paie_du_mois_de_décembre_service_de_réanimation_bâtiment_C.pdf"


@pytest.fixture
def busy(agent, colleague, est_admin, support, vendor_admin):
    """A few DIs with long subjects and long unbroken words, in every state that shows on a list;
    a news in the banner (the header's tallest form)."""
    NewsItem.objects.create(title="Nouvelle version d'Indeline disponible le 15 décembre", body="Notes de version.")
    tickets = [file_di(agent, subject=f"{LONG_SUBJECT} ({i})", description=LONG_WORD * 3) for i in range(6)]
    take(tickets[0], support)
    services.ticket_reply(tickets[0], acting_user=support, body=LONG_WORD, question=True)
    propose_closure(tickets[1], support)
    file_di(colleague, kind="JUR", subject="Question sur la convention collective")
    return {"ticket": tickets[0]}


# (role, URL name, arguments): the main pages of each role; an argument names a value of the fixtures.
MAIN_PAGES = [
    ("agent", "portal:home", ()),
    ("agent", "support:list", ()),
    ("agent", "support:detail", ("number",)),
    ("agent", "support:create", ()),
    ("agent", "downloads:list", ()),
    ("agent", "knowledge:index", ()),
    ("agent", "portal:news", ()),
    ("agent", "accounts:profile", ()),
    ("est_admin", "portal:home", ()),
    ("est_admin", "support:list", ()),
    ("est_admin", "collaborators:list", ()),
    ("est_admin", "collaborators:detail", ("agent",)),
    ("est_admin", "collaborators:establishment", ()),
    ("est_admin", "audit:journal", ()),
    ("support", "portal:home", ()),
    ("support", "desk:list", ()),
    ("support", "desk:detail", ("number",)),
    ("support", "collaborators:vendor_establishments", ()),
    ("support", "collaborators:vendor_establishment", ("establishment",)),
    ("support", "desk:file_on_behalf", ("establishment",)),
    ("vendor_admin", "portal:home", ()),
    ("vendor_admin", "desk:list", ()),
    ("vendor_admin", "reports:report", ()),
    ("vendor_admin", "knowledge:report", ()),
    ("vendor_admin", "portal:help", ()),
    ("vendor_admin", "desk:satisfaction", ()),
    ("vendor_admin", "downloads:list", ()),
    ("support", "knowledge:index", ()),
    ("est_admin", "collaborators:unassigned", ()),
]


MEASURE = """() => {
  const main = document.querySelector("main");
  const header = document.querySelector("header");
  const menu = document.querySelector(".sidemenu");
  const overflowing = [...main.querySelectorAll(".table-wrap, pre, table, dl, form, fieldset")]
    .filter((box) => box.offsetParent !== null && box.scrollWidth > box.clientWidth + 1)
    .map((box) => `${box.tagName.toLowerCase()}.${box.className} ${box.scrollWidth}>${box.clientWidth}`);
  return {
    main: [main.scrollWidth, main.clientWidth],
    page: [document.documentElement.scrollWidth, window.innerWidth],
    header: header.getBoundingClientRect().height,
    menuBottom: menu.getBoundingClientRect().bottom + window.scrollY,
    pageBottom: document.documentElement.scrollHeight,
    menuBeside: menu.getBoundingClientRect().right <= main.getBoundingClientRect().left + 1,
    overflowing,
  };
}"""


def assert_fits(page, size):
    found = page.evaluate(MEASURE)
    where = f"{page.url} at {size['width']}×{size['height']}"
    assert found["main"][0] <= found["main"][1], f"the main content scrolls sideways on {where}: {found['main']}"
    assert found["page"][0] <= found["page"][1], f"the page scrolls sideways on {where}: {found['page']}"
    assert not found["overflowing"], f"these boxes scroll sideways on {where}: {found['overflowing']}"
    assert found["header"] <= size["height"] / 5, f"the header is {found['header']}px high on {where}"
    if found["menuBeside"]:
        assert found["menuBottom"] >= found["pageBottom"] - 1, f"the side menu stops short on {where}: {found}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("role", "url_name", "args"), MAIN_PAGES, ids=[f"{r} {n}" for r, n, _a in MAIN_PAGES])
def test_each_main_page_of_each_role_fits_390_1280_and_1920_px(
    page, live_server, client, busy, agent, est_admin, support, vendor_admin, browser_problems, role, url_name, args
):
    """M11.7"""
    user = {"agent": agent, "est_admin": est_admin, "support": support, "vendor_admin": vendor_admin}[role]
    values = {"number": busy["ticket"].number, "agent": agent.pk, "establishment": agent.establishment_id}
    path = reverse(url_name, args=[values[name] for name in args])
    sign_in_with_cookie(page, live_server, client, user)
    for size in SIZES:  # each size from a fresh load, as a phone or a screen opens the page
        page.set_viewport_size(size)
        response = page.goto(live_server.url + path)
        assert response.status == 200
        assert_fits(page, size)
        if size == PHONE:
            assert "double-cli" not in page.locator("body").inner_text().lower()
    page.set_viewport_size(SIZES[1])
    check_page(page)
    assert browser_problems == NO_PROBLEMS


CARD_CHECK = """(selector) => [...document.querySelectorAll(selector + " tbody tr")].map((row) => ({
  display: getComputedStyle(row).display,
  text: row.innerText,
  labels: [...row.querySelectorAll("[data-label]")]
    .filter((cell) => getComputedStyle(cell, "::before").content.includes(cell.dataset.label))
    .map((cell) => cell.dataset.label),
  cut: [...row.querySelectorAll("th, td")]
    .filter((cell) => cell.offsetParent !== null && cell.scrollWidth > cell.clientWidth + 1)
    .map((cell) => cell.innerText),
  width: row.getBoundingClientRect().width,
}))"""


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    ("who", "url_name", "selector", "labels"),
    [
        ("agent", "support:list", ".ticket-list", ["N°", "Statut", "Objet", "Agent", "Dernière activité"]),
        ("support", "desk:list", ".desk-table", ["N°", "Statut", "Objet", "Agent", "Dernière activité"]),
    ],
)
def test_under_700_px_the_di_lists_are_cards_with_nothing_cut_off(
    page, live_server, client, busy, agent, support, who, url_name, selector, labels
):
    """M11.7"""
    sign_in_with_cookie(page, live_server, client, {"agent": agent, "support": support}[who])
    page.set_viewport_size(PHONE)
    page.goto(live_server.url + reverse(url_name))
    cards = page.evaluate(CARD_CHECK, selector)
    assert len(cards) >= 6
    for card in cards:
        assert card["display"] != "table-row", card
        assert card["width"] <= PHONE["width"], card
        assert not card["cut"], card
        assert card["text"].startswith("DI-"), card
        for label in labels:  # each value under its column's name
            assert label in card["labels"], (label, card)
    assert sum(LONG_SUBJECT in card["text"] for card in cards) == 6  # the long subjects whole, on the screen
    page.set_viewport_size(SIZES[1])
    assert page.evaluate(CARD_CHECK, selector)[0]["display"] == "table-row"
