"""The one place that says which DIs a user sees (support.access), also through the prepared
queries of core.prepared (SPEC M3.4, M10)."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from support.access import EVERY_ESTABLISHMENT, get_ticket_for_user, scoped_tickets, ticket_scope, tickets_for
from support.models import Ticket
from support.selectors import client_todo
from testing.tickets import file_di

pytestmark = pytest.mark.django_db


def test_each_kind_of_user_gets_its_scope(agent, support):
    """M10 (tenancy)"""
    assert ticket_scope(agent) == agent.establishment_id
    assert ticket_scope(support) is EVERY_ESTABLISHMENT
    assert ticket_scope(AnonymousUser()) is None
    agent.is_active = False
    assert ticket_scope(agent) is None


def test_an_establishment_s_id_is_never_taken_for_every_establishment(agent, other_agent):
    """M10 (tenancy): the vendor's scope is compared by identity: establishment 1 is not « True »"""
    mine = file_di(agent)
    file_di(other_agent)
    assert [t.pk for t in scoped_tickets(agent.establishment_id)] == [mine.pk]
    assert scoped_tickets(1).filter(establishment_id=other_agent.establishment_id).count() == (
        other_agent.establishment_id == 1
    )
    assert scoped_tickets(True).count() == 2
    assert list(scoped_tickets(None)) == []


def test_the_prepared_read_of_a_di_keeps_each_establishment_to_its_own(agent, other_agent, support):
    """M3.4: the same prepared query, run for two establishments and the vendor"""
    mine, theirs = file_di(agent), file_di(other_agent)
    assert get_ticket_for_user(agent, mine.number).pk == mine.pk
    with pytest.raises(Http404):
        get_ticket_for_user(agent, theirs.number)
    assert get_ticket_for_user(other_agent, theirs.number).pk == theirs.pk
    with pytest.raises(Http404):
        get_ticket_for_user(other_agent, mine.number)
    assert get_ticket_for_user(support, mine.number).pk == mine.pk
    assert get_ticket_for_user(support, theirs.number).establishment.pk == other_agent.establishment_id
    with pytest.raises(Http404):
        get_ticket_for_user(AnonymousUser(), mine.number)


def test_the_prepared_read_gives_the_di_and_its_people_as_the_orm_does(agent, support):
    """M3.4"""
    ticket = file_di(agent)
    read = get_ticket_for_user(support, ticket.number)
    orm = tickets_for(support).get(number=ticket.number)
    assert [getattr(read, f.attname) for f in read._meta.concrete_fields] == [
        getattr(orm, f.attname) for f in orm._meta.concrete_fields
    ]
    assert read.owner == agent and read.contract.product_id == ticket.contract.product_id
    assert read.contract.product.name == ticket.contract.product.name


def test_a_to_do_list_is_the_user_s_own_in_their_establishment(agent, colleague, other_agent):
    """M11.2: the prepared queries of the home page, for three people"""
    mine, colleague_s, theirs = file_di(agent), file_di(colleague), file_di(other_agent)
    Ticket.objects.update(awaiting_owner=True)
    assert [t.pk for t in client_todo(agent).questions] == [mine.pk]
    assert [t.pk for t in client_todo(colleague).questions] == [colleague_s.pk]
    assert [t.pk for t in client_todo(other_agent).questions] == [theirs.pk]
    assert client_todo(AnonymousUser()).empty


def test_a_thread_gives_each_message_its_files_and_a_client_no_internal_note(agent, support, django_assert_num_queries):
    """M3.4: two prepared queries; an internal note and its file never reach a client"""
    from support import services
    from support.access import thread_for
    from testing.tickets import pdf, take, text_file

    ticket = file_di(agent, files=[pdf("ecran.pdf")])
    take(ticket, support)
    services.ticket_reply(ticket, acting_user=support, body="Voici le correctif.", files=[text_file("correctif.txt")])
    services.ticket_add_internal_note(ticket, acting_user=support, body="Note interne", files=[pdf("interne.pdf")])
    services.ticket_post_message(ticket, acting_user=agent, body="Merci", files=[])
    with django_assert_num_queries(2):
        seen = thread_for(agent, ticket)
    assert [m.body for m in seen] == ["Voici le correctif.", "Merci"]
    assert [[f.original_name for f in m.files] for m in seen] == [["correctif.txt"], []]
    assert [f.original_name for f in seen.initial_files] == ["ecran.pdf"]
    assert seen.messages[0].author.pk == support.pk
    vendor_s = thread_for(support, ticket)
    assert [m.body for m in vendor_s] == ["Voici le correctif.", "Note interne", "Merci"]
    assert [[f.original_name for f in m.files] for m in vendor_s] == [["correctif.txt"], ["interne.pdf"], []]


def test_a_di_s_links_are_read_within_the_viewer_s_scope(agent, colleague, other_agent, support):
    """M11.5 M10 (tenancy): the follow-up, the merged DIs, from each side, for each viewer"""
    from support import services
    from support.selectors import ticket_links
    from testing.tickets import close_with_survey, contract_of, take

    closed = close_with_survey(take(file_di(agent, subject="Paie de mars"), support), support, ratings=[5, 5, 5])
    follow_up = services.ticket_create(
        acting_user=agent, contract=contract_of(agent.establishment), subject="Suite", description="…", follows=closed
    )
    target, duplicate = file_di(colleague, subject="Export"), file_di(agent, subject="Export (bis)")
    services.ticket_merge(duplicate, acting_user=support, target=target)
    theirs = file_di(other_agent, subject="Ailleurs")
    for ticket in (closed, follow_up, target, duplicate, theirs):
        ticket.refresh_from_db()
    for viewer in (agent, support):
        links = ticket_links(viewer, closed)
        assert [t.pk for t in links["follow_ups"]] == [follow_up.pk] and links["follows"] is None
        assert ticket_links(viewer, follow_up)["follows"].pk == closed.pk
        assert [t.pk for t in ticket_links(viewer, target)["merged"]] == [duplicate.pk]
        assert ticket_links(viewer, duplicate)["merged_into"].pk == target.pk
    # Another establishment's account reads none of them, whatever DI it is handed.
    for ticket in (closed, follow_up, target, duplicate):
        links = ticket_links(other_agent, ticket)
        assert links == {"follows": None, "merged_into": None, "follow_ups": [], "merged": []}
    assert ticket_links(agent, theirs) == {"follows": None, "merged_into": None, "follow_ups": [], "merged": []}
