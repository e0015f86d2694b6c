"""The workflow table's new rows (M11.4, M11.5): who may hand over, re-route, merge, follow up,
file on behalf, in which statuses; and the migration that tells who owes an answer on the DIs that
existed before (M11.1)."""

import importlib
from pathlib import Path

import pytest
from django.apps import apps

from support import migrations, services, workflow
from support.models import Status, Ticket
from testing.tickets import file_di, in_status, take

ROWS = {
    # action: statuses where it is offered
    "hand_over": {Status.TO_PROCESS, Status.IN_PROGRESS, Status.CLOSURE_PENDING},
    "reroute": {Status.TO_PROCESS, Status.IN_PROGRESS},
    "merge": {Status.TO_PROCESS, Status.IN_PROGRESS},
    "follow_up": {Status.CLOSED},
}


@pytest.mark.parametrize("status", list(Status))
def test_the_new_actions_are_allowed_in_their_statuses_only(agent, colleague, support, legal_support, status):
    """M11.4 M11.5"""
    ticket = in_status(file_di(agent), status, support)
    allowed = {action for action, statuses in ROWS.items() if status in statuses}
    assert workflow.can("hand_over", agent, ticket) == ("hand_over" in allowed)
    assert workflow.can("reroute", support, ticket) == ("reroute" in allowed)
    assert workflow.can("merge", support, ticket) == ("merge" in allowed)
    assert workflow.can("follow_up", colleague, ticket) == ("follow_up" in allowed)


def test_who_may_do_each_new_action(agent, colleague, est_admin, other_agent, support, legal_support, vendor_admin):
    """M11.4 M11.5"""
    ticket = take(file_di(agent), support)
    assert {u.email for u in (agent, colleague, est_admin, support) if workflow.can("hand_over", u, ticket)} == {
        agent.email
    }
    assert [workflow.can("reroute", u, ticket) for u in (support, vendor_admin, legal_support, agent)] == [
        True,
        True,
        False,
        False,
    ]
    closed = in_status(file_di(agent), Status.CLOSED, support)
    assert [workflow.can("follow_up", u, closed) for u in (agent, colleague, est_admin, other_agent, support)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert [workflow.can_file_on_behalf(u) for u in (support, legal_support, vendor_admin, agent)] == [
        True,
        True,
        True,
        False,
    ]


def test_the_workflow_module_documents_every_action_of_its_table():
    """M11.4 M11.5: the table of who may do what names each action's French label"""
    for transition in workflow.TRANSITIONS.values():
        assert f"« {transition.label}" in workflow.__doc__ or transition.label in ("Changer le support",), (
            transition.label
        )


def test_the_migration_tells_who_owes_an_answer_on_existing_dis(agent, support):
    """M11.1"""
    to_take = file_di(agent, subject="A prendre")
    silent = take(file_di(agent, subject="Prise, sans réponse"), support)
    answered = take(file_di(agent, subject="Le client a répondu"), support)
    services.ticket_reply(answered, acting_user=support, body="Relancez.")
    services.ticket_post_message(answered, acting_user=agent, body="Relancé.")
    replied = take(file_di(agent, subject="Le support a répondu"), support)
    services.ticket_reply(replied, acting_user=support, body="Voici.")
    expected = {t.pk: (t.client_answered, t.waiting_since is not None) for t in Ticket.objects.all()}
    Ticket.objects.update(client_answered=False, waiting_since=None)  # as before the migration

    # Found by its name, whatever number it carries once merged.
    [path] = Path(migrations.__file__).parent.glob("*_daily_work_followups_merges_canned_replies.py")
    migration = importlib.import_module(f"support.migrations.{path.stem}")
    migration.who_owes_an_answer(apps, None)

    found = {t.pk: (t.client_answered, t.waiting_since is not None) for t in Ticket.objects.all()}
    assert found == expected
    assert found[to_take.pk] == (False, True) and found[silent.pk] == (False, True)
    assert found[answered.pk] == (True, True) and found[replied.pk] == (False, False)
