"""The relations a list row shows, read once per page (support.selectors.attach_row_relations)."""

import pytest

from support.models import Ticket
from support.selectors import attach_row_relations, only_row_columns
from testing.tickets import file_di, take

pytestmark = pytest.mark.django_db


def _shown(ticket):
    """What a row shows of its relations."""
    assignee = ticket.assignee
    return (
        ticket.contract.reference,
        ticket.contract.product.name,
        ticket.owner.full_name,
        assignee and assignee.full_name,
        ticket.establishment.name,
    )


def test_a_page_s_rows_get_their_relations_without_a_query_each_and_keep_their_keys(
    agent, colleague, support, django_assert_num_queries
):
    """M3.2 M8.1: contract and product, owner, person in charge (none for a DI nobody holds) and
    establishment, as the ORM's relations are, their keys unchanged"""
    held = take(file_di(agent), support)
    free = file_di(colleague)
    rows = list(only_row_columns(Ticket.objects.filter(pk__in=[held.pk, free.pk]), with_establishment=True))
    rows.sort(key=lambda t: t.pk)
    attach_row_relations(rows, with_establishment=True)
    with django_assert_num_queries(0):
        seen = [_shown(t) for t in rows]
    orm = sorted(
        Ticket.objects.filter(pk__in=[held.pk, free.pk]).select_related(
            "contract__product", "owner", "assignee", "establishment"
        ),
        key=lambda t: t.pk,
    )
    assert seen == [_shown(t) for t in orm]
    assert seen[0][3] == support.full_name and seen[1][3] is None
    assert [(t.owner_id, t.assignee_id, t.contract_id) for t in rows] == [
        (t.owner_id, t.assignee_id, t.contract_id) for t in orm
    ]
