"""The account actions enforced by the service functions themselves, not only by the pages
(SPEC M4.2, M4.3, M4.4): the rules hold for every caller, the portal and the back office."""

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.test import TestCase

from accounts.models import Role, User
from audit.models import Event
from collaborators import services
from collaborators.services import AccountActionRefused
from support.models import Status, Ticket, TicketEvent
from support.services import TransitionRefused
from testing.personas import make_user
from testing.tickets import file_di, propose_closure, take


def fresh(user):
    return User.objects.get(pk=user.pk)


# --- M4.2 profiles -------------------------------------------------------------------------


def test_an_administrator_changes_a_colleagues_profile_and_it_is_audited(est_admin, colleague):
    """M4.2"""
    services.user_change_role(colleague, acting_user=est_admin, role=Role.REFERENT)
    assert fresh(colleague).role == Role.REFERENT
    event = Event.objects.get(action="role_changed")
    assert event.actor == est_admin and event.establishment == colleague.establishment
    assert event.target == colleague.email and event.data == {"old": "agent", "new": "referent"}


@pytest.mark.parametrize("role", [Role.SUPPORT_SOFTWARE, Role.SUPPORT_LEGAL, Role.VENDOR_ADMIN, "superuser"])
def test_nobody_grants_a_vendor_role(est_admin, vendor_admin, colleague, role):
    """M4.2"""
    for acting in (est_admin, vendor_admin):
        with pytest.raises(ValidationError, match="profils d'établissement"):
            services.user_change_role(colleague, acting_user=acting, role=role)
    assert fresh(colleague).role == Role.AGENT and fresh(colleague).establishment_id is not None


@pytest.mark.parametrize("persona", ["agent", "referent", "other_admin", "support"])
def test_only_an_administrator_of_the_establishment_changes_a_profile(persona, request, colleague):
    """M4.2"""
    with pytest.raises(AccountActionRefused):
        services.user_change_role(colleague, acting_user=request.getfixturevalue(persona), role=Role.ADMIN)
    assert fresh(colleague).role == Role.AGENT


def test_an_inactive_administrator_changes_nothing(est_admin, colleague, agent):
    """M4.2 M4.4"""
    second = make_user("admin2@alpha.example", est_admin.establishment, Role.ADMIN)
    services.user_deactivate(est_admin, acting_user=second)
    with pytest.raises(AccountActionRefused):
        services.user_change_role(colleague, acting_user=fresh(est_admin), role=Role.ADMIN)


def test_the_last_active_administrator_cannot_be_demoted(est_admin, colleague):
    """M4.2"""
    with pytest.raises(ValidationError, match="dernier administrateur actif"):
        services.user_change_role(est_admin, acting_user=est_admin, role=Role.AGENT)
    assert fresh(est_admin).role == Role.ADMIN


def test_an_administrator_may_step_down_when_another_administrator_remains(est_admin, colleague):
    """M4.2"""
    services.user_change_role(colleague, acting_user=est_admin, role=Role.ADMIN)
    services.user_change_role(est_admin, acting_user=est_admin, role=Role.REFERENT)
    assert fresh(est_admin).role == Role.REFERENT


def test_an_inactive_administrator_does_not_count_as_the_remaining_one(est_admin, colleague):
    """M4.2"""
    other = make_user("admin2@alpha.example", est_admin.establishment, Role.ADMIN)
    services.user_deactivate(other, acting_user=est_admin)
    with pytest.raises(ValidationError, match="dernier administrateur actif"):
        services.user_change_role(est_admin, acting_user=est_admin, role=Role.AGENT)


def test_the_vendor_administrator_may_change_a_client_profile_from_the_back_office(vendor_admin, colleague):
    """M4.2 M8.2"""
    services.user_change_role(colleague, acting_user=vendor_admin, role=Role.ADMIN)
    assert fresh(colleague).role == Role.ADMIN


def test_a_vendor_account_is_not_managed_here(vendor_admin, support):
    """M4.2"""
    with pytest.raises(AccountActionRefused):
        services.user_change_role(support, acting_user=vendor_admin, role=Role.AGENT)


# --- M4.4 Désactiver / Activer -----------------------------------------------------------------


def test_deactivation_releases_the_open_dis_to_demande_a_reaffecter(est_admin, colleague, support):
    """M4.4"""
    to_process = file_di(colleague)
    ongoing = take(file_di(colleague), support)
    pending = propose_closure(file_di(colleague), support)
    cancelled = file_di(colleague)
    from support import services as support_services

    support_services.ticket_cancel(cancelled, acting_user=colleague, reason="Doublon")
    services.user_deactivate(colleague, acting_user=est_admin)

    assert not fresh(colleague).is_active
    for ticket in (to_process, ongoing, pending):
        ticket.refresh_from_db()
        assert ticket.owner is None
        event = TicketEvent.objects.filter(ticket=ticket, action="reassigned").get()
        assert event.actor == est_admin and event.from_user == colleague and event.to_user is None
    cancelled.refresh_from_db()
    assert cancelled.owner == colleague and not TicketEvent.objects.filter(ticket=cancelled, action="reassigned")
    assert Ticket.objects.get(pk=pending.pk).status == Status.CLOSURE_PENDING  # the status is unchanged


def test_deactivation_is_audited(est_admin, colleague):
    """M4.4"""
    ticket = file_di(colleague)
    services.user_deactivate(colleague, acting_user=est_admin)
    event = Event.objects.get(action="user_deactivated")
    assert event.actor == est_admin and event.establishment == colleague.establishment
    assert event.target == colleague.email and event.data == {"released": [ticket.number]}


def test_an_administrator_cannot_deactivate_themselves(est_admin, colleague):
    """M4.4"""
    services.user_change_role(colleague, acting_user=est_admin, role=Role.ADMIN)
    with pytest.raises(ValidationError, match="votre propre compte"):
        services.user_deactivate(est_admin, acting_user=est_admin)
    assert fresh(est_admin).is_active


def test_the_last_active_administrator_cannot_be_deactivated(vendor_admin, est_admin):
    """M4.4 M4.2"""
    with pytest.raises(ValidationError, match="dernier administrateur actif"):
        services.user_deactivate(est_admin, acting_user=vendor_admin)
    assert fresh(est_admin).is_active


@pytest.mark.parametrize("persona", ["agent", "referent", "other_admin", "support"])
def test_only_an_administrator_of_the_establishment_deactivates(persona, request, colleague):
    """M4.4"""
    file_di(colleague)
    with pytest.raises(AccountActionRefused):
        services.user_deactivate(colleague, acting_user=request.getfixturevalue(persona))
    assert fresh(colleague).is_active and Ticket.objects.get().owner == colleague


def test_deactivating_twice_is_refused_clearly(est_admin, colleague):
    """M4.4"""
    services.user_deactivate(colleague, acting_user=est_admin)
    with pytest.raises(ValidationError, match="déjà désactivé"):
        services.user_deactivate(fresh(colleague), acting_user=est_admin)


def test_activation_restores_login_not_the_dis(est_admin, colleague):
    """M4.4"""
    ticket = file_di(colleague)
    services.user_deactivate(colleague, acting_user=est_admin)
    services.user_activate(fresh(colleague), acting_user=est_admin)
    assert fresh(colleague).is_active
    ticket.refresh_from_db()
    assert ticket.owner is None
    event = Event.objects.get(action="user_activated")
    assert event.actor == est_admin and event.establishment == colleague.establishment


def test_activating_an_active_account_is_refused_clearly(est_admin, colleague):
    """M4.4"""
    with pytest.raises(ValidationError, match="déjà actif"):
        services.user_activate(colleague, acting_user=est_admin)


@pytest.mark.parametrize("persona", ["agent", "other_admin"])
def test_only_an_administrator_of_the_establishment_activates(persona, request, est_admin, colleague):
    """M4.4"""
    services.user_deactivate(colleague, acting_user=est_admin)
    with pytest.raises(AccountActionRefused):
        services.user_activate(fresh(colleague), acting_user=request.getfixturevalue(persona))
    assert not fresh(colleague).is_active


# --- M4.3 Réaffecter ----------------------------------------------------------------------------


def test_reassigning_several_dis_moves_each_with_an_event_and_an_email(est_admin, colleague, agent):
    """M4.3 M9"""
    first, second = file_di(colleague, subject="Première"), file_di(colleague, subject="Seconde")
    mail.outbox.clear()
    with TestCase.captureOnCommitCallbacks(execute=True):
        moved = services.tickets_reassign_many([first, second], acting_user=est_admin, new_owner=agent)
    assert [t.number for t in moved] == [first.number, second.number]
    for ticket in (first, second):
        ticket.refresh_from_db()
        assert ticket.owner == agent
        event = TicketEvent.objects.get(ticket=ticket, action="reassigned")
        assert event.actor == est_admin and event.from_user == colleague and event.to_user == agent
    assert sorted(m.subject for m in mail.outbox) == sorted(
        f"[{t.number}] Une DI vous a été réaffectée : {t.subject}" for t in (first, second)
    )
    assert all(m.to == [agent.email] for m in mail.outbox)
    audit = Event.objects.get(action="tickets_reassigned")
    assert audit.actor == est_admin and audit.establishment == agent.establishment
    assert audit.target == agent.email and audit.data == {"tickets": [first.number, second.number]}


def test_reassigning_the_dis_of_demande_a_reaffecter(est_admin, colleague, agent):
    """M4.3 M4.4"""
    ticket = file_di(colleague)
    services.user_deactivate(colleague, acting_user=est_admin)
    ticket.refresh_from_db()
    services.tickets_reassign_many([ticket], acting_user=est_admin, new_owner=agent)
    ticket.refresh_from_db()
    assert ticket.owner == agent
    assert TicketEvent.objects.filter(ticket=ticket, action="reassigned").last().from_user is None


def test_reassigning_to_an_inactive_account_is_refused_and_moves_nothing(est_admin, colleague, agent, referent):
    """M4.3"""
    tickets = [file_di(colleague), file_di(colleague)]
    services.user_deactivate(referent, acting_user=est_admin)
    with pytest.raises(ValidationError, match="compte actif de votre établissement"):
        services.tickets_reassign_many(tickets, acting_user=est_admin, new_owner=fresh(referent))
    assert set(Ticket.objects.values_list("owner", flat=True)) == {colleague.pk}
    assert not Event.objects.filter(action="tickets_reassigned").exists()


@pytest.mark.parametrize("target", ["other_agent", "support"])
def test_reassigning_to_an_account_of_another_establishment_or_the_vendor_is_refused(
    target, request, est_admin, colleague
):
    """M4.3 M10"""
    ticket = file_di(colleague)
    with pytest.raises(ValidationError):
        services.tickets_reassign_many([ticket], acting_user=est_admin, new_owner=request.getfixturevalue(target))
    ticket.refresh_from_db()
    assert ticket.owner == colleague


@pytest.mark.parametrize("persona", ["agent", "referent", "other_admin"])
def test_only_an_administrator_of_the_establishment_reassigns(persona, request, colleague, agent):
    """M4.3"""
    ticket = file_di(colleague)
    with pytest.raises(TransitionRefused):
        services.tickets_reassign_many([ticket], acting_user=request.getfixturevalue(persona), new_owner=agent)
    ticket.refresh_from_db()
    assert ticket.owner == colleague


def test_a_di_already_held_by_the_new_owner_is_not_counted_as_moved(est_admin, agent):
    """M4.3"""
    ticket = file_di(agent)
    assert services.tickets_reassign_many([ticket], acting_user=est_admin, new_owner=agent) == []
    assert not TicketEvent.objects.filter(ticket=ticket, action="reassigned").exists()
