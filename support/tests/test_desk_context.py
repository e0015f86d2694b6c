"""The customer's context on the desk (M11.3): beside a DI, the requester, the establishment, its
contracts with their state, its other open DIs and its last DIs closed on the same product, as
links; the vendor's staff read establishments' sheets and their collaborators, read-only."""

import re
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from establishments.models import Contract
from support import selectors, services
from testing.tickets import close_with_survey, file_di, take


@pytest.fixture
def requester(agent):
    agent.function = "Gestionnaire paie"
    agent.phone = "04 72 00 00 11"
    agent.save()
    establishment = agent.establishment
    establishment.phone = "04 72 00 00 00"
    establishment.save()
    return agent


@pytest.fixture
def customer(requester, colleague, other_agent, support):
    di = take(file_di(requester, subject="Cotisations erronées"), support)
    other_open = file_di(colleague, subject="Export bloqué")
    closed_same = close_with_survey(file_di(requester, subject="Ancienne panne de paie"), support, ratings=[4, 4, 4])
    closed_legal = file_di(requester, kind="JUR", subject="Question juridique close")
    services.ticket_cancel(closed_legal, acting_user=requester, reason="Réglée")
    elsewhere = file_di(other_agent, subject="DI d'un autre établissement")
    return {"di": di, "other_open": other_open, "closed_same": closed_same, "elsewhere": elsewhere}


def _aside(body):
    return body[body.index('<aside class="customer-context"') : body.index("</aside>")]


def test_the_desk_shows_the_requester_and_the_establishment(client, support, customer, requester):
    """M11.3"""
    client.force_login(support)
    aside = _aside(client.get(reverse("desk:detail", args=[customer["di"].number])).content.decode())
    for expected in (
        requester.full_name,
        "Gestionnaire paie",
        'href="tel:0472000011"',
        f'href="mailto:{requester.email}"',
        requester.establishment.name,
        requester.establishment.finess,
        requester.establishment.siret,
        'href="tel:0472000000"',
        reverse("collaborators:vendor_establishment", args=[requester.establishment.pk]),
        reverse("desk:file_on_behalf", args=[requester.establishment.pk]),
    ):
        assert expected in aside, expected


def test_the_desk_shows_the_establishments_contracts_with_their_state(client, support, customer, requester):
    """M11.3"""
    client.force_login(support)
    aside = _aside(client.get(reverse("desk:detail", args=[customer["di"].number])).content.decode())
    contracts = aside[aside.index("Contrats") : aside.index("ouverte")]
    assert re.search(
        r"CT-1-SW</span> <span class=\"badge ok\">Actif</span>\s*<span class=\"meta\">\(contrat de cette DI", contracts
    )
    assert re.search(r"CT-1-OLD</span> <span class=\"badge off\">Expiré</span>", contracts)
    assert "CT-1-JUR" in contracts and "CT-2-" not in contracts


def test_the_desk_links_the_other_open_dis_and_the_last_closed_on_the_same_product(client, support, customer):
    """M11.3"""
    client.force_login(support)
    aside = _aside(client.get(reverse("desk:detail", args=[customer["di"].number])).content.decode())
    open_part = aside[aside.index('id="ouvertes-titre"') : aside.index('id="closes-titre"')]
    closed_part = aside[aside.index('id="closes-titre"') :]
    assert "Son autre DI ouverte (1)" in open_part
    assert f'href="{reverse("desk:detail", args=[customer["other_open"].number])}"' in open_part
    assert customer["di"].number not in open_part and customer["elsewhere"].number not in aside
    assert "Dernières DIs clôturées sur Indeline" in closed_part
    assert f'href="{reverse("desk:detail", args=[customer["closed_same"].number])}"' in closed_part
    assert "Question juridique close" not in closed_part  # another product, and cancelled


def test_the_context_costs_the_same_queries_for_a_busy_establishment(
    client, support, customer, colleague, django_assert_max_num_queries
):
    """M11.3"""
    client.force_login(support)
    url = reverse("desk:detail", args=[customer["di"].number])
    with django_assert_max_num_queries(19) as few:
        assert client.get(url).status_code == 200
    for i in range(25):
        file_di(colleague, subject=f"Autre {i}")
    with django_assert_max_num_queries(len(few)):
        body = client.get(url).content.decode()
    assert "Ses autres DIs ouvertes (26)" in body and "Toutes ses DIs ouvertes au guichet" in body


# --- The establishments' sheets, for the vendor's staff ----------------------------------------


def test_vendor_staff_find_an_establishment_by_name_accents_ignored_or_by_finess(client, support, est_a, est_b):
    """M11.3 M11.6"""
    client.force_login(support)
    url = reverse("collaborators:vendor_establishments")
    body = client.get(url, {"q": "beta"}).content.decode()
    assert "EHPAD Bêta" in body and "Centre Hospitalier Alpha" not in body
    body = client.get(url, {"q": est_a.finess[:5]}).content.decode()
    assert "Centre Hospitalier Alpha" in body and "EHPAD Bêta" not in body
    assert "2 établissements" in client.get(url).content.decode()


def test_vendor_staff_read_an_establishments_sheet_contracts_collaborators_and_open_dis(
    client, support, customer, requester, colleague, django_assert_max_num_queries
):
    """M11.3"""
    client.force_login(support)
    url = reverse("collaborators:vendor_establishment", args=[requester.establishment.pk])
    with django_assert_max_num_queries(12):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    for expected in (requester.establishment.finess, "CT-1-SW", "CT-1-OLD", "Expiré", colleague.full_name):
        assert expected in body
    assert reverse("collaborators:vendor_collaborator", args=[requester.establishment.pk, colleague.pk]) in body
    assert reverse("desk:detail", args=[customer["other_open"].number]) in body
    assert customer["elsewhere"].number not in body
    assert "<form" not in body.split("<main")[1].replace('role="search"', "")  # read-only: no action


def test_vendor_staff_read_a_collaborators_sheet_and_dis_read_only(client, support, customer, requester, est_b):
    """M11.3"""
    client.force_login(support)
    url = reverse("collaborators:vendor_collaborator", args=[requester.establishment.pk, requester.pk])
    response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert requester.email in body and "Gestionnaire paie" in body
    assert reverse("desk:detail", args=[customer["di"].number]) in body
    assert "Désactiver" not in body and "Réaffecter" not in body and 'method="post"' not in body.split("<main")[1]
    # A collaborator is read through their own establishment only.
    wrong = reverse("collaborators:vendor_collaborator", args=[est_b.pk, requester.pk])
    assert client.get(wrong).status_code == 404


def test_clients_cannot_open_the_vendors_establishment_pages(client, agent, est_a):
    """M11.3 M10"""
    client.force_login(agent)
    for url in (
        reverse("collaborators:vendor_establishments"),
        reverse("collaborators:vendor_establishment", args=[est_a.pk]),
        reverse("collaborators:vendor_collaborator", args=[est_a.pk, agent.pk]),
    ):
        assert client.get(url).status_code == 403


def test_the_context_lists_a_new_contract_as_upcoming(client, support, customer, requester, products):
    """M11.3"""
    Contract.objects.create(
        establishment=requester.establishment,
        product=products["software2"],
        reference="CT-1-FUTUR",
        start_date=date(2099, 1, 1),
    )
    client.force_login(support)
    aside = _aside(client.get(reverse("desk:detail", args=[customer["di"].number])).content.decode())
    assert re.search(r"CT-1-FUTUR</span> <span class=\"badge\">À venir</span>", aside)


def test_the_last_closed_come_from_every_contract_of_the_product_latest_first(
    support, customer, requester, other_agent, django_assert_num_queries
):
    """M11.3: a renewed contract's DIs too (its old contract, the same product), the five latest
    activities first, never the DI itself nor another establishment's."""
    from datetime import timedelta

    from django.utils import timezone

    from support import selectors
    from support.models import Status, Ticket

    old = Contract.objects.create(
        establishment=requester.establishment,
        product=customer["di"].contract.product,
        reference="CT-1-ANCIEN",
        start_date=date(2020, 1, 1),
        end_date=date(2021, 12, 31),
    )
    now = timezone.now()
    made = []
    for i in range(7):
        ticket = file_di(requester, subject=f"Close {i}")
        # Closed a day apart, every other one on the ended contract (a DI filed before its renewal).
        Ticket.objects.filter(pk=ticket.pk).update(
            status=Status.CLOSED,
            contract=old if i % 2 else ticket.contract,
            last_activity_at=now - timedelta(days=10 - i),
        )
        made.append(ticket.number)
    elsewhere = file_di(other_agent, subject="Close ailleurs")
    Ticket.objects.filter(pk=elsewhere.pk).update(status=Status.CLOSED, last_activity_at=now)
    Ticket.objects.filter(pk=customer["di"].pk).update(status=Status.CLOSED, last_activity_at=now)
    ticket = Ticket.objects.select_related("contract").get(pk=customer["di"].pk)

    with django_assert_num_queries(6):  # contracts, open DIs, counts, closed on each contract, links
        context = selectors.customer_context(support, ticket)
    latest = [customer["closed_same"].number, *made[::-1][:4]]  # the fixture's, closed just now, first
    assert [t.number for t in context.closed_same_product] == latest


def test_reroute_offers_the_contracts_in_force_read_once_with_the_context(client, support, customer, requester):
    """M11.4 M11.3: « Réorienter » lists the establishment's contracts in force (not the expired
    one, not another establishment's); the page reads the establishment's contracts once, for the
    customer's context, for this list and for the DI's own contract (never read apart)"""
    client.force_login(support)
    url = reverse("desk:detail", args=[customer["di"].number])
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    form = body[body.index('id="reorienter"') :]
    select = form[form.index('<select name="reorienter-contract"') : form.index("</select>")]
    in_force = Contract.objects.active().filter(establishment=requester.establishment)
    assert {int(value) for value in re.findall(r'value="(\d+)"', select)} == set(in_force.values_list("pk", flat=True))
    assert "CT-1-SW" in select and "CT-1-JUR" in select and "CT-1-OLD" not in select and "CT-2-" not in select
    assert f'value="{customer["di"].contract_id}" selected data-product-kind="software"' in select
    of_establishment = [
        q["sql"]
        for q in queries.captured_queries
        if 'FROM "establishments_contract"' in q["sql"] and '"establishments_contract"."establishment_id" =' in q["sql"]
    ]
    assert len(of_establishment) == 1, of_establishment
    one_contract = [q["sql"] for q in queries.captured_queries if '"establishments_contract"."id" =' in q["sql"]]
    assert one_contract == []
    assert "CT-1-SW" in body[: body.index('id="reorienter"')]  # the DI's sheet names its contract


def test_the_context_escapes_what_the_customer_typed(client, support, agent, colleague):
    """M11.3: names, function and establishment written as text (quotes escaped as elsewhere in
    the portal), the establishment's name quoted in the desk's link to its open DIs."""
    agent.first_name, agent.function = "Zoé <b>", "Cheffe d'équipe & paie"
    agent.save()
    establishment = agent.establishment
    establishment.name = 'CH "Les Tilleuls" & <Co>'
    establishment.save()
    di = file_di(agent, subject="Paie")
    for i in range(selectors.CONTEXT_OPEN_SHOWN + 1):  # more than shown: the link to all of them
        file_di(colleague, subject=f"Autre <DI> {i}")
    client.force_login(support)
    aside = _aside(client.get(reverse("desk:detail", args=[di.number])).content.decode())
    assert "Zoé &lt;b&gt;" in aside and "<b>" not in aside
    assert "Cheffe d&#x27;équipe &amp; paie" in aside
    assert "CH &quot;Les Tilleuls&quot; &amp; &lt;Co&gt;</a>" in aside
    assert "etablissement=CH%20%22Les%20Tilleuls%22%20%26%20%3CCo%3E" in aside
    assert "Autre &lt;DI&gt; 5" in aside
    assert f"Ses autres DIs ouvertes ({selectors.CONTEXT_OPEN_SHOWN + 1})" in aside
