"""« Aide » (SPEC M7): the portal's own guide, by scenario, for every persona."""

import re

import pytest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from playwright.sync_api import expect

from testing.browser import PHONE, assert_accessible, assert_no_horizontal_overflow, sign_in_with_cookie

HELP = reverse("portal:help")
PERSONAS = ["agent", "colleague", "est_admin", "referent", "other_admin", "support", "legal_support", "vendor_admin"]
CLIENT_SCENARIOS = {
    "se-connecter": "Se connecter",
    "se-reperer": "Se repérer dans le portail",
    "deposer-une-di": "Déposer une DI",
    "suivre-ses-dis": "Suivre ses DIs",
    "cloturer-une-di": "Clôturer ou annuler une DI",
    "collaborateurs": "Gérer ses collaborateurs",
    "etablissement": "Consulter la fiche de son établissement",
    "telechargements": "Télécharger les fichiers des produits",
    "mon-profil": "Modifier son profil",
}


def get_help(client, user):
    client.force_login(user)
    response = client.get(HELP)
    assert response.status_code == 200
    return response.content.decode().replace("\xa0", " ")  # French typography: no-break spaces around « » : ;


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_persona_gets_the_guide_with_each_scenario(client, request, persona):
    """M7"""
    body = get_help(client, request.getfixturevalue(persona))
    assert "<h1>Aide</h1>" in body
    for anchor, title in CLIENT_SCENARIOS.items():
        assert f'<h2 id="{anchor}">{title}</h2>' in body
        assert f'<a href="#{anchor}">{title}</a>' in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_table_of_contents_is_a_labelled_nav_whose_links_all_land(client, request, persona):
    """M7 M10 (accessible: a named navigation landmark, every link reaches a heading)"""
    body = get_help(client, request.getfixturevalue(persona))
    toc = re.search(r'<nav class="help-toc" id="sommaire" aria-label="Sommaire de l’aide">(.*?)</nav>', body, re.S)
    assert toc
    anchors = re.findall(r'href="#([\w-]+)"', toc.group(1))
    assert len(anchors) >= len(CLIENT_SCENARIOS)
    for anchor in anchors:
        assert f'id="{anchor}"' in body


def test_headings_go_down_one_level_at_a_time(client, agent):
    """M7 M10"""
    levels = [int(level) for level in re.findall(r"<h([1-6])[ >]", get_help(client, agent).split("<main", 1)[1])]
    assert levels[0] == 1 and levels.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:], strict=False))


def test_it_shows_the_attachment_limits_from_the_settings(client, agent, settings):
    """M7 M3.1"""
    settings.ATTACHMENT_ALLOWED_EXTENSIONS = ["pdf", "png", "odt"]
    settings.ATTACHMENT_MAX_SIZE = 3 * 1024 * 1024
    settings.ATTACHMENT_MAX_COUNT = 4
    body = get_help(client, agent)
    assert '<dd class="help-types">pdf, png, odt</dd>' in body
    assert f"{filesizeformat(3 * 1024 * 1024)} par fichier".replace("\xa0", " ") in body
    assert "4 fichiers par envoi" in body


def test_it_states_the_closure_delay_and_lockout_from_the_settings(client, agent, settings):
    """M7 M3.5 M1.1"""
    settings.TICKET_CLOSURE_VALIDATION_DAYS = 21
    settings.AXES_FAILURE_LIMIT = 7
    body = get_help(client, agent)
    assert "clôturée automatiquement au bout de 21 jours" in body
    assert "Après 7 tentatives manquées" in body


def test_it_uses_the_real_labels_of_the_portal(client, agent):
    """M7 M1.1 M1.2 M1.3 M3.2 M4.4"""
    body = get_help(client, agent)
    for label in (
        "« Identifiant »",
        "« Je ne suis pas un robot »",
        "« Mot de passe oublié »",
        "« Demande ou mise à jour de compte »",
        "« Soumettre la DI »",
        "« Afficher les DIs clôturées »",
        "« Demande A Reaffecter »",
        "« Valider la clôture »",
        "« Refuser la clôture »",
        "« Annuler la DI »",
        "« Désactiver »",
        "« Activer »",
        "« Réaffecter »",
        "« Mot de passe actuel »",
        "« Empreinte SHA-256 »",
    ):
        assert label in body


def test_clients_get_links_to_each_page_the_guide_describes(client, agent):
    """M7"""
    body = get_help(client, agent)
    for name in (
        "support:create",
        "support:list",
        "collaborators:list",
        "collaborators:establishment",
        "downloads:list",
        "accounts:profile",
    ):
        assert f'href="{reverse(name)}"' in body


def test_the_support_desk_section_is_for_vendor_staff_only(client, agent, support):
    """M7 M8.1"""
    assert 'id="guichet-support"' not in get_help(client, agent)
    body = get_help(client, support)
    assert '<h2 id="guichet-support">Traiter les DIs au guichet support</h2>' in body
    for label in (
        "« Prendre en charge »",
        "« Répondre »",
        "« Question au demandeur »",
        "« Note interne »",
        "« Proposer la clôture »",
    ):
        assert label in body
    assert f'href="{reverse("desk:list")}"' in body
    assert f'href="{reverse("support:create")}"' not in body  # a page vendor staff cannot use


def test_the_back_office_section_is_for_vendor_administrators_only(client, support, vendor_admin):
    """M7 M8.2 M8.3"""
    assert 'id="back-office"' not in get_help(client, support)
    body = get_help(client, vendor_admin)
    assert 'id="back-office"' in body and "« Valider la formation »" in body


def test_the_collaborators_section_tells_a_non_administrator_what_they_may_do(client, agent, est_admin):
    """M7 M4.2"""
    assert "Vous n'êtes pas administrateur" in get_help(client, agent)
    assert "Vous êtes administrateur" in get_help(client, est_admin)


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    """M7 M1.1"""
    response = client.get(HELP)
    assert response.status_code == 302
    assert response.url == f"{reverse('accounts:login')}?next={HELP}"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("persona", ["est_admin", "support"])
def test_help_is_accessible_on_desktop_and_phone(page, live_server, client, request, persona):
    """M7 M10 (axe-core finds nothing serious; no sideways scrolling at 375 px; the TOC links work)"""
    sign_in_with_cookie(page, live_server, client, request.getfixturevalue(persona))
    page.goto(live_server.url + HELP)
    expect(page.get_by_role("heading", level=1)).to_have_text("Aide")
    toc = page.get_by_role("navigation", name="Sommaire de l’aide")
    toc.get_by_role("link", name="Télécharger les fichiers des produits").click()
    expect(page).to_have_url(live_server.url + HELP + "#telechargements")
    expect(page.get_by_role("heading", name="Télécharger les fichiers des produits")).to_be_in_viewport()
    assert_accessible(page)

    page.set_viewport_size(PHONE)
    page.goto(live_server.url + HELP)
    assert_no_horizontal_overflow(page)
    assert_accessible(page)
