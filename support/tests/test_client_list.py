"""« Voir les DIs de mon établissement » (SPEC M3.2)."""

import re

import pytest
from django.urls import reverse

from support import services
from testing.tickets import file_di, propose_closure, take

URL = reverse("support:list")


def _numbers(response):
    return re.findall(r'<th scope="row"><a href="[^"]+">(DI-\d{4}-\d{6})</a>', response.content.decode())


@pytest.fixture
def mixed(agent, colleague, support):
    """One DI per status, filed by the agent."""
    open_ = file_di(agent, subject="Ouverte")
    ongoing = take(file_di(agent, subject="En traitement"), support)
    pending = propose_closure(file_di(agent, subject="Correctif à valider"), support)
    closed = propose_closure(file_di(agent, subject="Terminée"), support)
    services.ticket_validate_closure(
        closed, acting_user=agent, ratings={q.pk: 5 for q in services.SurveyQuestion.objects.filter(is_active=True)}
    )
    cancelled = file_di(agent, subject="Abandonnée")
    services.ticket_cancel(cancelled, acting_user=agent, reason="Doublon")
    return {"open": open_, "ongoing": ongoing, "pending": pending, "closed": closed, "cancelled": cancelled}


def test_the_table_has_its_columns_and_a_caption(client, agent, mixed):
    """M3.2"""
    client.force_login(agent)
    body = client.get(URL).content.decode()
    assert "<caption>" in body
    headers = [
        re.sub(r"<span class=\"(visually-hidden|sort-arrow)\".*?</span>|<[^>]+>|\s+", "", cell)
        for cell in re.findall(r'<th scope="col".*?>(.*?)</th>', body, re.S)
    ]
    # « Échéance »: the service level's next date (M13.3).
    assert headers == ["N°", "Date", "Objet", "Contrat", "Statut", "Agent", "Support", "Échéance", "Dernièreactivité"]
    assert "Alice Agent" in body and "Sam Support" in body and "Indeline" in body


def test_it_hides_closed_and_cancelled_dis_by_default(client, agent, mixed):
    """M3.2"""
    client.force_login(agent)
    shown = set(_numbers(client.get(URL)))
    assert shown == {mixed[k].number for k in ("open", "ongoing", "pending")}
    assert "Afficher les DIs clôturées" in client.get(URL).content.decode()


def test_afficher_les_dis_cloturees_shows_them(client, agent, mixed):
    """M3.2"""
    client.force_login(agent)
    assert set(_numbers(client.get(URL, {"clotures": "1"}))) == {t.number for t in mixed.values()}


def test_it_filters_by_status(client, agent, mixed):
    """M3.2 M2.5"""
    client.force_login(agent)
    assert _numbers(client.get(URL, {"statut": "in_progress"})) == [mixed["ongoing"].number]


def test_filtering_on_a_closed_status_shows_those_without_the_checkbox(client, agent, mixed):
    """M3.2 M2.5"""
    client.force_login(agent)
    assert _numbers(client.get(URL, {"statut": "closed"})) == [mixed["closed"].number]
    assert _numbers(client.get(URL, {"statut": "cancelled"})) == [mixed["cancelled"].number]


def test_an_unknown_status_or_sort_is_ignored(client, agent, mixed):
    """M3.2 M10"""
    client.force_login(agent)
    response = client.get(URL, {"statut": "nope", "tri": "establishment__name"})
    assert response.status_code == 200 and len(_numbers(response)) == 3


def test_it_searches_on_number_and_subject(client, agent, mixed):
    """M3.2"""
    client.force_login(agent)
    assert _numbers(client.get(URL, {"q": "traitement"})) == [mixed["ongoing"].number]
    assert _numbers(client.get(URL, {"q": mixed["pending"].number.lower()})) == [mixed["pending"].number]


def test_it_sorts_by_the_clickable_headers(client, agent, mixed):
    """M3.2"""
    client.force_login(agent)
    ascending = _numbers(client.get(URL, {"tri": "numero", "clotures": "1"}))
    assert ascending == sorted(ascending)
    assert _numbers(client.get(URL, {"tri": "-numero", "clotures": "1"})) == ascending[::-1]
    by_subject = _numbers(client.get(URL, {"tri": "objet"}))
    assert by_subject == [mixed["pending"].number, mixed["ongoing"].number, mixed["open"].number]
    by_status = _numbers(client.get(URL, {"tri": "statut"}))
    assert by_status == [mixed["open"].number, mixed["ongoing"].number, mixed["pending"].number]
    body = client.get(URL, {"tri": "numero"}).content.decode()
    assert 'aria-sort="ascending"' in body and "tri=-numero" in body


def test_it_paginates_by_25_and_shows_the_total(client, agent):
    """M3.2"""
    for i in range(27):
        file_di(agent, subject=f"DI numéro {i}")
    client.force_login(agent)
    first = client.get(URL)
    assert len(_numbers(first)) == 25
    assert "27 DIs de Centre Hospitalier Alpha" in first.content.decode()
    assert "Page 1 sur 2" in first.content.decode()
    assert len(_numbers(client.get(URL, {"page": 2}))) == 2


def test_it_lists_only_the_establishments_dis(client, agent, other_agent):
    """M3.2 M10"""
    mine = file_di(agent)
    theirs = file_di(other_agent)
    client.force_login(agent)
    numbers = _numbers(client.get(URL))
    assert mine.number in numbers and theirs.number not in numbers


def test_a_colleague_sees_the_establishments_dis(client, agent, colleague):
    """M3.2 M3.4"""
    ticket = file_di(agent)
    client.force_login(colleague)
    assert _numbers(client.get(URL)) == [ticket.number]


def test_rows_open_on_double_click_and_hold_a_real_link(client, agent):
    """M3.2"""
    ticket = file_di(agent)
    client.force_login(agent)
    body = client.get(URL).content.decode()
    detail = reverse("support:detail", args=[ticket.number])
    assert f'<tr data-href="{detail}"' in body
    assert f'<a href="{detail}">{ticket.number}</a>' in body


def test_a_di_awaiting_its_owner_carries_a_marker_with_a_text_alternative(client, agent, colleague, support):
    """M3.2"""
    ticket = take(file_di(agent), support)
    services.ticket_reply(ticket, acting_user=support, body="Quelle version utilisez-vous ?", question=True)
    client.force_login(agent)
    body = client.get(URL).content.decode()
    assert 'title="En attente de votre réponse"' in body
    assert '<span class="visually-hidden">En attente de votre réponse</span>' in body
    client.force_login(colleague)
    assert "En attente de la réponse de son propriétaire" in client.get(URL).content.decode()


def test_a_di_whose_owner_is_gone_shows_demande_a_reaffecter(client, agent, colleague):
    """M3.2 M3.4"""
    ticket = file_di(agent)
    services.ticket_release_owner(ticket, acting_user=None)
    client.force_login(colleague)
    assert "Demande A Reaffecter" in client.get(URL).content.decode()


def test_the_list_runs_a_bounded_number_of_queries(client, agent, colleague, support, django_assert_max_num_queries):
    """M3.2"""
    for i in range(30):
        ticket = file_di(agent if i % 2 else colleague, subject=f"DI {i}")
        if i % 3 == 0:
            take(ticket, support)
    client.force_login(agent)
    with django_assert_max_num_queries(8):
        response = client.get(URL, {"clotures": "1"})
    assert response.status_code == 200
    assert len(_numbers(response)) == 25


def test_vendor_staff_are_refused(client, support):
    """M3.2"""
    client.force_login(support)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_login(client, db):
    """M1.1 M3.2"""
    response = client.get(URL)
    assert response.status_code == 302 and reverse("accounts:login") in response.url


def test_the_side_menu_unfolds_support_for_clients_only(client, agent, support):
    """M2.4"""
    client.force_login(agent)
    body = client.get(reverse("portal:home")).content.decode()
    assert "Support" in body and f'href="{URL}"' in body and f'href="{reverse("support:create")}"' in body
    assert "Voir les DIs de mon établissement" in body and "Déposer une DI" in body
    client.force_login(support)
    assert "Voir les DIs de mon établissement" not in client.get(reverse("portal:home")).content.decode()


def test_an_empty_list_says_so_in_one_row(client, agent):
    """M3.2: the rows come from a Jinja2 template (support/jinja2/support/rows/), the empty row from the page"""
    client.force_login(agent)
    body = client.get(URL).content.decode()
    assert "Aucune DI à afficher." in body and "<tr data-href" not in body
    file_di(agent, subject="L'unique DI")
    body = client.get(URL).content.decode()
    assert "Aucune DI à afficher." not in body and body.count("<tr data-href") == 1
    assert '<td class="subject">L&#x27;unique DI</td>' in body


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"clotures": "1"},
        {"clotures": "1", "tri": "objet"},
        {"statut": "in_progress", "tri": "-numero"},
        {"mes": "1"},
    ],
)
def test_every_page_read_through_prepared_queries_is_the_orm_s_page(client, agent, colleague, support, params):
    """M3.2 M10: the first pages by offset, the deeper ones by their keys first, each the very
    slice of the ORM's list, for each sort, status and « Mes DIs »; the other establishment's
    pages never mixed in."""
    from support import selectors

    for i in range(11):
        ticket = file_di(agent if i % 3 else colleague, subject=f"Objet {(i * 7) % 11:02d}")
        if i % 2:
            take(ticket, support)
        if i % 4 == 0:
            services.ticket_cancel(ticket, acting_user=ticket.owner, reason="Doublon")
    client.force_login(agent)
    filters = selectors.client_tickets(
        agent,
        status=params.get("statut", ""),
        show_closed=params.get("clotures") == "1",
        sort=params.get("tri", selectors.CLIENT_DEFAULT_SORT),
        mine=params.get("mes") == "1",
    )
    expected = [t.number for t in filters]
    size = 2
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(selectors, "CLIENT_PAGE_SIZE", size)
        last = -(-len(expected) // size)
        pages = [_numbers(client.get(URL, {**params, "page": n})) for n in range(1, last + 2)]  # + past the end
    assert pages[-1] == pages[-2]  # past the end: the last page, as Django's paginator answers
    assert [number for page in pages[:-1] for number in page] == expected
    assert all(len(page) == size for page in pages[:-2]) and expected
