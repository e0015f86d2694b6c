"""The administrator's actions on the « Collaborateurs » pages (SPEC M4.2, M4.3, M4.4), for each
persona, including crafted POSTs."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts.models import Role, User
from audit.models import Event
from collaborators.services import user_deactivate
from support.models import Ticket
from testing.clients import CommitClient
from testing.personas import PASSWORD
from testing.tickets import file_di


def fresh(user):
    return User.objects.get(pk=user.pk)


def url(name, user):
    return reverse(f"collaborators:{name}", args=[user.pk])


def reassign_data(new_owner, *tickets, scope="cochees"):
    return {
        "reaffecter-scope": scope,
        "reaffecter-tickets": [t.number for t in tickets],
        "reaffecter-new_owner": new_owner.pk,
    }


ACTIONS = ["deactivate", "activate", "change_role", "reassign"]


@pytest.fixture
def posts(agent, colleague):
    """Every administrator POST on the colleague's sheet, with data that would succeed."""
    ticket = file_di(colleague)
    return {
        "deactivate": (url("deactivate", colleague), {}),
        "activate": (url("activate", colleague), {}),
        "change_role": (url("change_role", colleague), {"profil-role": Role.ADMIN}),
        "reassign": (url("reassign", colleague), reassign_data(agent, ticket)),
    }


def _unchanged(colleague):
    user = fresh(colleague)
    return user.is_active and user.role == Role.AGENT and Ticket.objects.get().owner_id == colleague.pk


# --- Who may act -------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["agent", "referent"])
def test_a_non_administrator_gets_403_even_with_a_crafted_post(client, persona, action, request, posts, colleague):
    """M4.2 M4.3 M4.4"""
    client.force_login(request.getfixturevalue(persona))
    path, data = posts[action]
    response = client.post(path, data)
    assert response.status_code == 403
    assert "Seul un administrateur de l&#x27;établissement" in response.content.decode()
    assert _unchanged(colleague)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["other_admin", "other_agent"])
def test_another_establishment_gets_404(client, persona, action, request, posts, colleague):
    """M4.2 M4.3 M4.4 M10"""
    client.force_login(request.getfixturevalue(persona))
    path, data = posts[action]
    assert client.post(path, data).status_code == 404
    assert _unchanged(colleague)


@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("persona", ["support", "vendor_admin"])
def test_vendor_staff_get_403_on_the_client_pages(client, persona, action, request, posts, colleague):
    """M4.2 M4.3 M4.4"""
    client.force_login(request.getfixturevalue(persona))
    path, data = posts[action]
    assert client.post(path, data).status_code == 403
    assert _unchanged(colleague)


@pytest.mark.parametrize("action", ACTIONS)
def test_anonymous_is_sent_to_the_login_page(client, action, posts, colleague):
    """M4.2 M4.3 M4.4"""
    path, data = posts[action]
    response = client.post(path, data)
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))
    assert _unchanged(colleague)


@pytest.mark.parametrize("action", ACTIONS)
def test_a_get_on_an_action_url_is_refused(client, action, posts, est_admin):
    """M4.4 M10"""
    client.force_login(est_admin)
    assert client.get(posts[action][0]).status_code == 405


def test_a_vendor_account_is_a_404_even_for_an_administrator(client, est_admin, support):
    """M4.2 M10"""
    client.force_login(est_admin)
    assert client.post(url("deactivate", support)).status_code == 404
    assert client.post(url("change_role", support), {"profil-role": Role.AGENT}).status_code == 404
    assert fresh(support).is_active and fresh(support).role == Role.SUPPORT_SOFTWARE


# --- M4.4 Désactiver / Activer -------------------------------------------------------------------


def test_desactiver_deactivates_and_passes_the_dis_to_demande_a_reaffecter(client, est_admin, colleague):
    """M4.4"""
    ticket = file_di(colleague)
    client.force_login(est_admin)
    response = client.post(url("deactivate", colleague), follow=True)
    assert response.redirect_chain[-1][0] == url("detail", colleague)
    body = response.content.decode()
    assert "Le compte de Camille Collègue est désactivé" in body
    assert "1 DI est détenue par « Demande A Reaffecter »" in body
    assert not fresh(colleague).is_active
    ticket.refresh_from_db()
    assert ticket.owner is None
    detail = client.get(reverse("support:detail", args=[ticket.number])).content.decode()
    assert "<em>Demande A Reaffecter</em>" in detail


def test_a_deactivated_users_live_session_is_refused_on_its_next_request(client, est_admin, colleague):
    """M4.4 M1.1"""
    theirs = CommitClient()
    theirs.force_login(colleague)
    assert theirs.get(reverse("support:list")).status_code == 200
    client.force_login(est_admin)
    client.post(url("deactivate", colleague))
    response = theirs.get(reverse("support:list"))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_a_deactivated_account_cannot_log_in(client, est_admin, colleague, captcha):
    """M4.4 M1.1"""
    client.force_login(est_admin)
    client.post(url("deactivate", colleague))
    client.logout()
    response = client.post(
        reverse("accounts:login"), {"username": colleague.email, "password": PASSWORD, "captcha": captcha()}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_an_administrator_cannot_deactivate_themselves_even_by_a_crafted_post(client, est_admin, colleague):
    """M4.4"""
    client.force_login(est_admin)
    client.post(url("change_role", colleague), {"profil-role": Role.ADMIN})  # not the last admin
    response = client.post(url("deactivate", est_admin))
    assert response.status_code == 409
    assert "Vous ne pouvez pas désactiver votre propre compte." in response.content.decode()
    assert fresh(est_admin).is_active


def test_activer_restores_login_but_not_the_dis(client, est_admin, colleague):
    """M4.4"""
    ticket = file_di(colleague)
    user_deactivate(colleague, acting_user=est_admin)
    client.force_login(est_admin)
    response = client.post(url("activate", colleague), follow=True)
    assert "Le compte de Camille Collègue est réactivé" in response.content.decode()
    assert fresh(colleague).is_active
    ticket.refresh_from_db()
    assert ticket.owner is None
    theirs = CommitClient()
    theirs.force_login(fresh(colleague))
    assert theirs.get(reverse("support:list")).status_code == 200


def test_activating_an_active_account_says_so(client, est_admin, colleague):
    """M4.4"""
    client.force_login(est_admin)
    response = client.post(url("activate", colleague))
    assert response.status_code == 409 and "déjà actif" in response.content.decode()


# --- M4.2 Profils -------------------------------------------------------------------------------


def test_an_administrator_changes_a_profile(client, est_admin, colleague):
    """M4.2"""
    client.force_login(est_admin)
    response = client.post(url("change_role", colleague), {"profil-role": Role.REFERENT}, follow=True)
    assert "Camille Collègue a désormais le profil « Référent technique »." in response.content.decode()
    assert fresh(colleague).role == Role.REFERENT
    assert Event.objects.filter(action="role_changed", target=colleague.email).exists()


@pytest.mark.parametrize("role", [Role.SUPPORT_SOFTWARE, Role.VENDOR_ADMIN])
def test_a_crafted_post_cannot_grant_a_vendor_role(client, est_admin, colleague, role):
    """M4.2"""
    client.force_login(est_admin)
    response = client.post(url("change_role", colleague), {"profil-role": role})
    assert response.status_code == 200
    assert "Choisissez l&#x27;un des profils d&#x27;établissement" in response.content.decode()
    assert fresh(colleague).role == Role.AGENT


def test_a_crafted_post_cannot_move_an_account_to_another_establishment(client, est_admin, colleague, est_b):
    """M4.2"""
    client.force_login(est_admin)
    client.post(
        url("change_role", colleague),
        {"profil-role": Role.REFERENT, "establishment": est_b.pk, "profil-establishment": est_b.pk},
    )
    assert fresh(colleague).establishment_id == est_admin.establishment_id


def test_the_last_administrator_cannot_step_down(client, est_admin):
    """M4.2"""
    client.force_login(est_admin)
    response = client.post(url("change_role", est_admin), {"profil-role": Role.AGENT})
    assert response.status_code == 409
    assert "dernier administrateur actif de l&#x27;établissement" in response.content.decode()
    assert fresh(est_admin).role == Role.ADMIN


# --- M4.3 Réaffecter -----------------------------------------------------------------------------


def test_reassign_one_checked_di(client, est_admin, colleague, agent):
    """M4.3"""
    first, second = file_di(colleague), file_di(colleague)
    client.force_login(est_admin)
    response = client.post(url("reassign", colleague), reassign_data(agent, first), follow=True)
    assert "1 DI a été réaffectée à Alice Agent" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.owner == agent and second.owner == colleague


def test_reassign_several_checked_dis_emails_the_new_owner_each_time(client, est_admin, colleague, agent):
    """M4.3 M9"""
    tickets = [file_di(colleague, subject=f"Sujet {i}") for i in range(3)]
    mail.outbox.clear()
    client.force_login(est_admin)
    client.post(url("reassign", colleague), reassign_data(agent, tickets[0], tickets[2]))
    assert [t.owner_id for t in Ticket.objects.order_by("pk")] == [agent.pk, colleague.pk, agent.pk]
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"[{t.number}] Une DI vous a été réaffectée : {t.subject}" for t in (tickets[0], tickets[2])
    )
    assert {tuple(m.to) for m in mail.outbox} == {(agent.email,)}


def test_reassign_all_open_dis(client, est_admin, colleague, referent):
    """M4.3"""
    tickets = [file_di(colleague) for _ in range(3)]
    closed = file_di(colleague)
    from support import services as support_services

    support_services.ticket_cancel(closed, acting_user=colleague, reason="Doublon")
    client.force_login(est_admin)
    response = client.post(url("reassign", colleague), reassign_data(referent, scope="toutes"), follow=True)
    assert "3 DIs ont été réaffectées à Rémi Référent" in response.content.decode()
    assert {t.owner_id for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets])} == {referent.pk}
    closed.refresh_from_db()
    assert closed.owner == colleague


def test_reassign_without_any_checked_di_asks_for_one(client, est_admin, colleague, agent):
    """M4.3"""
    file_di(colleague)
    client.force_login(est_admin)
    response = client.post(url("reassign", colleague), reassign_data(agent))
    assert response.status_code == 200
    assert "Cochez au moins une DI dans la liste" in response.content.decode()
    assert Ticket.objects.get().owner == colleague


def test_reassign_keeps_the_choice_when_the_form_is_rejected(client, est_admin, colleague, agent):
    """M4.3"""
    ticket = file_di(colleague)
    client.force_login(est_admin)
    response = client.post(
        url("reassign", colleague), {"reaffecter-scope": "cochees", "reaffecter-tickets": [ticket.number]}
    )
    body = response.content.decode()
    assert "Choisissez le collaborateur à qui confier les DIs." in body
    assert f'value="{ticket.number}" id="select-{ticket.number}" form="reassign-form" checked' in body


def test_reassign_to_an_inactive_account_is_refused(client, est_admin, colleague, referent):
    """M4.3"""
    ticket = file_di(colleague)
    user_deactivate(referent, acting_user=est_admin)
    client.force_login(est_admin)
    response = client.post(url("reassign", colleague), reassign_data(referent, ticket))
    assert response.status_code == 200
    assert "Choisissez un compte actif de votre établissement." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner == colleague


def test_reassign_to_an_account_of_another_establishment_is_refused(client, est_admin, colleague, other_agent):
    """M4.3 M10"""
    ticket = file_di(colleague)
    client.force_login(est_admin)
    response = client.post(url("reassign", colleague), reassign_data(other_agent, ticket))
    assert "Choisissez un compte actif de votre établissement." in response.content.decode()
    ticket.refresh_from_db()
    assert ticket.owner == colleague


def test_a_crafted_di_number_of_another_owner_or_establishment_is_refused(
    client, est_admin, colleague, agent, referent, other_agent
):
    """M4.3 M10"""
    own = file_di(colleague)
    someone_elses = file_di(referent)
    foreign = file_di(other_agent)
    client.force_login(est_admin)
    for crafted in (someone_elses, foreign):
        response = client.post(url("reassign", colleague), reassign_data(agent, own, crafted))
        assert f"La {crafted.number} ne fait pas partie des DIs ouvertes de cette fiche." in response.content.decode()
    assert dict(Ticket.objects.values_list("pk", "owner")) == {
        own.pk: colleague.pk,
        someone_elses.pk: referent.pk,
        foreign.pk: other_agent.pk,
    }


# --- « Demande A Reaffecter » ---------------------------------------------------------------------


def test_reassign_from_demande_a_reaffecter(client, est_admin, colleague, agent):
    """M4.3 M4.4"""
    first, second = file_di(colleague), file_di(colleague)
    user_deactivate(colleague, acting_user=est_admin)
    mail.outbox.clear()
    client.force_login(est_admin)
    response = client.post(reverse("collaborators:unassigned_reassign"), reassign_data(agent, second), follow=True)
    assert response.redirect_chain[-1][0] == reverse("collaborators:unassigned")
    assert "1 DI a été réaffectée à Alice Agent" in response.content.decode()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.owner is None and second.owner == agent
    assert [m.to for m in mail.outbox] == [[agent.email]] and second.number in mail.outbox[0].subject


def test_reassign_all_from_demande_a_reaffecter(client, est_admin, colleague, referent, other_admin, other_agent):
    """M4.3 M4.4 M10"""
    file_di(colleague)
    file_di(colleague)
    foreign = file_di(other_agent)
    user_deactivate(colleague, acting_user=est_admin)
    user_deactivate(other_agent, acting_user=other_admin)
    client.force_login(est_admin)
    client.post(reverse("collaborators:unassigned_reassign"), reassign_data(referent, scope="toutes"))
    assert Ticket.objects.filter(owner=referent).count() == 2
    foreign.refresh_from_db()
    assert foreign.owner is None


@pytest.mark.parametrize("persona", ["agent", "referent"])
def test_a_non_administrator_cannot_reassign_from_demande_a_reaffecter(
    client, persona, request, est_admin, colleague, agent
):
    """M4.3"""
    ticket = file_di(colleague)
    user_deactivate(colleague, acting_user=est_admin)
    client.force_login(request.getfixturevalue(persona))
    response = client.post(reverse("collaborators:unassigned_reassign"), reassign_data(agent, ticket))
    assert response.status_code == 403
    ticket.refresh_from_db()
    assert ticket.owner is None


def test_another_establishments_administrator_cannot_reach_our_demande_a_reaffecter(
    client, est_admin, colleague, other_admin, other_agent
):
    """M4.3 M10"""
    ticket = file_di(colleague)
    user_deactivate(colleague, acting_user=est_admin)
    client.force_login(other_admin)
    response = client.post(
        reverse("collaborators:unassigned_reassign"), reassign_data(other_agent, ticket, scope="cochees")
    )
    assert response.status_code == 200
    assert f"La {ticket.number} ne fait pas partie" in response.content.decode()
    assert ticket.number not in client.get(reverse("collaborators:unassigned")).content.decode()
    ticket.refresh_from_db()
    assert ticket.owner is None
