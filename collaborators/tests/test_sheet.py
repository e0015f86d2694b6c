"""The collaborator's sheet: their details and their DIs (SPEC M4.1), and which of the
administrator's forms it shows (M4.2, M4.3, M4.4)."""

import re

import pytest
from django.urls import reverse

from collaborators.services import user_deactivate
from support import services
from testing.tickets import file_di, take


def sheet(user):
    return reverse("collaborators:detail", args=[user.pk])


def _numbers(response):
    return re.findall(r'<th scope="row"><a href="/support/dis/[^"]+/">(DI-\d{4}-\d{6})</a>', response.content.decode())


@pytest.mark.parametrize("persona", ["agent", "colleague", "est_admin", "referent"])
def test_every_client_profile_of_the_establishment_opens_a_sheet(client, persona, request, colleague):
    """M4.1"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(sheet(colleague))
    assert response.status_code == 200
    assert "<h1>Camille Collègue" in response.content.decode()


@pytest.mark.parametrize("persona", ["other_agent", "other_admin"])
def test_another_establishment_gets_404(client, persona, request, colleague):
    """M4.1 M10"""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(sheet(colleague)).status_code == 404


def test_an_unknown_account_is_the_same_404(client, agent):
    """M4.1 M10"""
    client.force_login(agent)
    assert client.get(reverse("collaborators:detail", args=[999999])).status_code == 404


def test_a_vendor_account_is_never_a_collaborator(client, agent, support):
    """M4.1 M10"""
    client.force_login(agent)
    assert client.get(sheet(support)).status_code == 404


@pytest.mark.parametrize("persona", ["support", "vendor_admin"])
def test_vendor_staff_get_403(client, persona, request, colleague):
    """M4.1 M10"""
    client.force_login(request.getfixturevalue(persona))
    assert client.get(sheet(colleague)).status_code == 403
    assert client.get(reverse("collaborators:unassigned")).status_code == 403


def test_anonymous_is_sent_to_the_login_page(client, colleague):
    """M4.1"""
    response = client.get(sheet(colleague))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_the_sheet_shows_the_details(client, agent, colleague):
    """M4.1"""
    colleague.phone = "04 72 11 22 33"
    colleague.function = "Gestionnaire paie"
    colleague.save()
    client.force_login(agent)
    body = client.get(sheet(colleague)).content.decode()
    for text in (
        "collegue@alpha.example",
        "04 72 11 22 33",
        "Gestionnaire paie",
        "Agent d&#x27;établissement",
        ">Actif<",
    ):
        assert text in body
    assert "Dernière connexion" in body and "Jamais" in body and "Créé le" in body


def test_the_sheet_lists_their_dis_of_every_status_linking_to_each(client, agent, colleague, support):
    """M4.1"""
    open_ = file_di(colleague, subject="Ouverte")
    cancelled = file_di(colleague, subject="Abandonnée")
    services.ticket_cancel(cancelled, acting_user=colleague, reason="Doublon")
    file_di(agent, subject="Pas la sienne")
    client.force_login(agent)
    response = client.get(sheet(colleague))
    body = response.content.decode()
    assert sorted(_numbers(response)) == sorted([open_.number, cancelled.number])
    assert f'href="{reverse("support:detail", args=[open_.number])}"' in body
    assert ">Annulée</span>" in body and ">A traiter</span>" in body
    assert "Pas la sienne" not in body


def test_the_dis_are_paginated_with_bounded_queries(client, agent, colleague, support, django_assert_max_num_queries):
    """M4.1 M10"""
    for i in range(3):
        take(file_di(colleague, subject=f"DI {i}"), support)
    client.force_login(agent)
    client.get(sheet(colleague))
    with django_assert_max_num_queries(12) as few:
        response = client.get(sheet(colleague))
    assert response.status_code == 200
    for i in range(20):
        take(file_di(colleague, subject=f"Autre {i}"), support)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(sheet(colleague))
    assert response.status_code == 200
    assert len(_numbers(response)) == 20 and "Page 1 sur 2" in response.content.decode()
    assert len(_numbers(client.get(sheet(colleague), {"page": 2}))) == 3


@pytest.mark.parametrize("persona", ["agent", "colleague", "referent"])
def test_a_non_administrator_sees_no_action(client, persona, request, colleague, est_admin):
    """M4.2 M4.3 M4.4"""
    file_di(colleague)
    client.force_login(request.getfixturevalue(persona))
    body = client.get(sheet(colleague)).content.decode()
    for label in ("Désactiver", "Activer", "Changer le profil", "Réaffecter", 'type="checkbox"'):
        assert label not in body


def test_an_administrator_sees_desactiver_on_an_active_account_not_activer(client, est_admin, colleague):
    """M4.4"""
    client.force_login(est_admin)
    body = client.get(sheet(colleague)).content.decode()
    assert reverse("collaborators:deactivate", args=[colleague.pk]) in body
    assert reverse("collaborators:activate", args=[colleague.pk]) not in body
    assert "data-confirm=" in body


def test_an_administrator_sees_activer_on_an_inactive_account_not_desactiver(client, est_admin, colleague):
    """M4.4"""
    user_deactivate(colleague, acting_user=est_admin)
    client.force_login(est_admin)
    body = client.get(sheet(colleague)).content.decode()
    assert reverse("collaborators:activate", args=[colleague.pk]) in body
    assert reverse("collaborators:deactivate", args=[colleague.pk]) not in body
    assert ">Désactivé<" in body


def test_an_administrator_has_no_desactiver_on_their_own_sheet(client, est_admin):
    """M4.4"""
    client.force_login(est_admin)
    body = client.get(sheet(est_admin)).content.decode()
    assert reverse("collaborators:deactivate", args=[est_admin.pk]) not in body
    assert "Changer le profil" in body


def test_the_profile_select_offers_only_the_three_client_profiles(client, est_admin, colleague):
    """M4.2"""
    client.force_login(est_admin)
    body = client.get(sheet(colleague)).content.decode()
    select = re.search(r'<select name="profil-role".*?</select>', body, re.S).group(0)
    assert re.findall(r'<option value="([^"]+)"', select) == ["agent", "admin", "referent"]
    assert 'value="agent" selected' in select


def test_the_reassign_form_offers_checkboxes_on_open_dis_and_active_colleagues(
    client, est_admin, agent, colleague, referent, support
):
    """M4.3"""
    open_ = file_di(colleague)
    closed = file_di(colleague)
    services.ticket_cancel(closed, acting_user=colleague, reason="Doublon")
    user_deactivate(referent, acting_user=est_admin)
    client.force_login(est_admin)
    body = client.get(sheet(colleague)).content.decode()
    assert f'value="{open_.number}" id="select-{open_.number}" form="reassign-form"' in body
    assert f'value="{closed.number}"' not in body
    select = re.search(r'<select name="reaffecter-new_owner".*?</select>', body, re.S).group(0)
    assert "Alice Agent" in select and "Adèle Admin" in select
    assert "Camille Collègue" not in select and "Rémi Référent" not in select  # itself, inactive
    assert "Toutes les DIs ouvertes (1)" in body


def test_no_reassign_form_without_open_dis(client, est_admin, colleague):
    """M4.3"""
    client.force_login(est_admin)
    body = client.get(sheet(colleague)).content.decode()
    assert 'id="reassign-form"' not in body and "Ce collaborateur ne détient aucune DI." in body


# --- « Demande A Reaffecter » ------------------------------------------------------------------


def test_the_demande_a_reaffecter_sheet_lists_the_dis_without_owner(
    client, agent, colleague, est_admin, other_agent, other_admin
):
    """M4.3 M4.4 M3.4"""
    released = file_di(colleague)
    kept = file_di(agent)
    foreign = file_di(other_agent)
    user_deactivate(colleague, acting_user=est_admin)
    user_deactivate(other_agent, acting_user=other_admin)
    client.force_login(agent)
    response = client.get(reverse("collaborators:unassigned"))
    assert response.status_code == 200
    assert _numbers(response) == [released.number]
    assert kept.number not in response.content.decode() and foreign.number not in response.content.decode()
    assert "Seul un administrateur de l'établissement peut réaffecter ces DIs." in response.content.decode()


def test_the_demande_a_reaffecter_sheet_has_the_reassign_form_for_an_administrator(client, colleague, est_admin, agent):
    """M4.3"""
    released = file_di(colleague)
    user_deactivate(colleague, acting_user=est_admin)
    client.force_login(est_admin)
    body = client.get(reverse("collaborators:unassigned")).content.decode()
    assert f'value="{released.number}" id="select-{released.number}" form="reassign-form"' in body
    select = re.search(r'<select name="reaffecter-new_owner".*?</select>', body, re.S).group(0)
    assert "Alice Agent" in select and "Camille Collègue" not in select
