"""The « Téléchargements » page (SPEC M6): only the products under an active contract, grouped
by product, newest first, with name, version, date, size, SHA-256 and description."""

import re

import pytest
from django.urls import reverse

from testing.downloads import publish

URL = reverse("downloads:list")


def sections(response):
    """[(product name, [file names in order])] as the page shows them."""
    return [(product.name, [f.name for f in product.files]) for product in response.context["products"]]


def test_anonymous_is_sent_to_the_login_page(client, files):
    """M6 M1.1"""
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent"])
def test_every_client_profile_sees_the_files_of_the_active_contracts_grouped_newest_first(
    client, request, persona, files
):
    """M6"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert sections(response) == [
        ("Indeline", ["Guide de démarrage", "Notes de version"]),
        ("Juridem", ["Guide Juridem"]),
    ]


def test_nothing_of_a_product_without_an_active_contract_is_listed(client, agent, files):
    """M6: est_a's Winpaie contract expired in 2019; a withdrawn file is never shown."""
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert "Winpaie" not in html
    assert str(files["winpaie"].uuid) not in html
    assert "Ancien package" not in html


def test_the_ehpad_whose_indeline_contract_expired_sees_only_juridem(
    client, other_agent, ehpad_indeline_expired, files
):
    """M6"""
    client.force_login(other_agent)
    response = client.get(URL)
    assert sections(response) == [("Juridem", ["Guide Juridem"])]
    assert "Indeline" not in response.content.decode()


def test_an_establishment_without_any_active_contract_is_told_so(client, other_agent, est_b, products, files):
    """M6"""
    est_b.contracts.update(is_active=False)
    client.force_login(other_agent)
    response = client.get(URL)
    assert sections(response) == []
    assert "aucun contrat actif" in response.content.decode()


def test_a_product_under_contract_without_files_says_so(client, agent, products):
    """M6"""
    publish(products["legal"], "Guide Juridem")
    client.force_login(agent)
    response = client.get(URL)
    assert sections(response) == [("Indeline", []), ("Juridem", ["Guide Juridem"])]
    assert "Aucun fichier publié pour ce produit pour le moment." in response.content.decode()


def test_each_row_shows_name_version_date_size_checksum_description_and_link(client, agent, files):
    """M6"""
    guide = files["indeline_new"]
    client.force_login(agent)
    html = client.get(URL).content.decode()
    row = re.search(r"<tr>\s*<th scope=\"row\">Guide de démarrage</th>.*?</tr>", html, re.S).group(0)
    assert "2026.1" in row
    assert '<time datetime="2026-01-15">15/01/2026</time>' in row
    assert "36\xa0octets" in row
    assert f"<code>{guide.sha256[:12]}…</code>" in row
    assert f'<code class="sha256-full">{guide.sha256}</code>' in row
    assert "Description de Guide de démarrage" in row
    assert f'href="{reverse("downloads:download", args=[guide.uuid])}"' in row
    assert "Télécharger" in row


def test_the_sections_have_headings_and_captioned_tables(client, agent, files):
    """M6 M10"""
    client.force_login(agent)
    html = client.get(URL).content.decode()
    assert re.search(r'<h2 id="produit-\d+">Indeline</h2>', html)
    assert (
        '<caption class="visually-hidden">Fichiers du produit Indeline, du plus récent au plus ancien</caption>' in html
    )
    assert html.count('<th scope="col">Empreinte SHA-256</th>') == 2


@pytest.mark.parametrize("persona", ["support", "vendor_admin"])
def test_the_vendor_staff_see_every_product_and_are_told_so(client, request, persona, files):
    """M6 M8: the vendor's staff need no contract; the page says what a client sees instead."""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert sections(response) == [
        ("Indeline", ["Guide de démarrage", "Notes de version"]),
        ("Juridem", ["Guide Juridem"]),
        ("Winpaie", ["Package Winpaie"]),
    ]
    assert "Personnel de l'éditeur" in response.content.decode()


def test_the_list_runs_in_bounded_queries(client, agent, products, django_assert_max_num_queries):
    """M6 M10"""
    for i in range(15):
        publish(products["software"], f"Fichier {i}")
        publish(products["legal"], f"Fiche {i}")
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    assert response.status_code == 200
    assert [len(files) for _name, files in sections(response)] == [15, 15]
