"""« Collaborateurs »: the list of the establishment's accounts (SPEC M4.1)."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from support import services
from testing.personas import make_user
from testing.tickets import file_di

URL = reverse("collaborators:list")


def _names(response):
    return re.findall(r'<th scope="row"><a href="/collaborateurs/\d+/">([^<]+)</a>', response.content.decode())


def _row(response, name):
    body = response.content.decode()
    match = re.search(r"<tr[^>]*>\s*<th scope=\"row\"><a[^>]*>" + re.escape(name) + r"</a>.*?</tr>", body, re.S)
    assert match, f"no row for {name}"
    return match.group(0)


@pytest.fixture
def team(agent, colleague, est_admin, referent):
    return [agent, colleague, est_admin, referent]


def test_every_client_profile_sees_the_accounts_of_their_establishment(client, team, other_agent):
    """M4.1"""
    for user in team:
        client.force_login(user)
        response = client.get(URL)
        assert response.status_code == 200
        assert sorted(_names(response)) == sorted(u.full_name for u in team)
        assert other_agent.full_name not in response.content.decode()


def test_another_establishment_sees_only_its_own_accounts(client, team, other_agent, other_admin):
    """M4.1 M10"""
    client.force_login(other_agent)
    assert sorted(_names(client.get(URL))) == sorted([other_agent.full_name, other_admin.full_name])


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_get_403(client, persona, request):
    """M4.1 M10"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 403
    assert "réservée aux comptes des établissements clients" in response.content.decode()


def test_anonymous_is_sent_to_the_login_page(client, db):
    """M4.1"""
    response = client.get(URL)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_table_shows_name_email_profile_active_and_open_dis(client, team, agent, colleague, support):
    """M4.1"""
    file_di(agent)
    file_di(agent, kind="JUR")
    done = file_di(agent)
    services.ticket_cancel(done, acting_user=agent, reason="Doublon")  # not open: not counted
    colleague.is_active = False
    colleague.save()
    client.force_login(agent)
    response = client.get(URL)
    body = response.content.decode()
    headers = [
        re.sub(r"<span class=\"(visually-hidden|sort-arrow)\".*?</span>|<[^>]+>|\s+", "", cell)
        for cell in re.findall(r'<th scope="col".*?>(.*?)</th>', body, re.S)
    ]
    assert headers == ["Nom", "Adressemail", "Profil", "Actif", "DIsouvertes"]
    row = _row(response, agent.full_name)
    assert agent.email in row and "Agent d&#x27;établissement" in row and ">Actif<" in row
    assert '<td class="count">2</td>' in row
    assert ">Désactivé<" in _row(response, colleague.full_name)
    assert '<td class="count">0</td>' in _row(response, colleague.full_name)


def test_a_row_opens_the_sheet_by_double_click_and_by_a_link(client, team, colleague):
    """M4.1"""
    client.force_login(colleague)
    sheet = reverse("collaborators:detail", args=[colleague.pk])
    row = _row(client.get(URL), colleague.full_name)
    assert f'data-href="{sheet}"' in row and f'<a href="{sheet}">' in row


def test_search_matches_name_or_email(client, team, agent, referent):
    """M4.1"""
    client.force_login(agent)
    assert _names(client.get(URL, {"q": "rémi"})) == [referent.full_name]
    assert _names(client.get(URL, {"q": "REFERENT@alpha"})) == [referent.full_name]
    assert _names(client.get(URL, {"q": "Alice agent"})) == [agent.full_name]
    assert _names(client.get(URL, {"q": "personne"})) == []
    assert "Aucun collaborateur ne correspond à cette recherche." in client.get(URL, {"q": "personne"}).content.decode()


def test_it_sorts_by_name_by_default_and_by_each_column(client, team, agent, colleague, est_admin, referent):
    """M4.1"""
    file_di(referent)
    file_di(referent)
    file_di(colleague)
    client.force_login(agent)
    assert _names(client.get(URL)) == [u.full_name for u in (est_admin, agent, colleague, referent)]
    assert _names(client.get(URL, {"tri": "-nom"})) == [u.full_name for u in (referent, colleague, agent, est_admin)]
    assert _names(client.get(URL, {"tri": "-dis"}))[:2] == [referent.full_name, colleague.full_name]
    assert _names(client.get(URL, {"tri": "profil"})) == [u.full_name for u in (agent, colleague, est_admin, referent)]
    assert _names(client.get(URL, {"tri": "email"}))[0] == est_admin.full_name


def test_an_unknown_sort_falls_back_to_the_name(client, team, agent):
    """M4.1 M10"""
    client.force_login(agent)
    response = client.get(URL, {"tri": "password"})
    assert response.status_code == 200 and _names(response)[0] == "Adèle Admin"


def test_it_paginates(client, agent):
    """M4.1"""
    for i in range(30):
        make_user(f"collegue{i:02d}@alpha.example", agent.establishment, Role.AGENT, last_name=f"Zz{i:02d}")
    client.force_login(agent)
    first, second = client.get(URL), client.get(URL, {"page": 2})
    assert len(_names(first)) == 25 and len(_names(second)) == 6
    assert "Page 1 sur 2" in first.content.decode()


def test_the_number_of_queries_does_not_grow_with_the_rows(client, agent, django_assert_max_num_queries):
    """M4.1 M10"""
    client.force_login(agent)
    for i in range(3):
        file_di(make_user(f"c{i}@alpha.example", agent.establishment))
    client.get(URL)
    with django_assert_max_num_queries(8) as few:
        response = client.get(URL)
    assert response.status_code == 200
    for i in range(20):
        file_di(make_user(f"d{i}@alpha.example", agent.establishment))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert response.status_code == 200
    assert len(_names(response)) == 24


def test_the_demande_a_reaffecter_line_counts_the_open_dis_without_owner(client, team, agent, est_admin, colleague):
    """M4.1 M4.4"""
    from collaborators.services import user_deactivate

    file_di(colleague)
    file_di(colleague, kind="JUR")
    user_deactivate(colleague, acting_user=est_admin)
    client.force_login(agent)
    body = client.get(URL).content.decode()
    assert f'<a href="{reverse("collaborators:unassigned")}"><strong>Demande A Reaffecter</strong></a>' in body
    assert "2 DIs ouvertes en attente de réaffectation" in body


def test_the_demande_a_reaffecter_line_is_scoped_to_the_establishment(client, team, other_admin, other_agent, agent):
    """M4.1 M10"""
    from collaborators.services import user_deactivate

    file_di(other_agent)
    user_deactivate(other_agent, acting_user=other_admin)
    client.force_login(agent)
    assert "aucune DI en attente de réaffectation" in client.get(URL).content.decode()
