"""A DI on the support desk (SPEC M8.1): its fields, its whole thread, its history, its actions."""

from datetime import UTC, datetime

import pytest
from django.urls import reverse

from accounts.models import Role, User
from establishments.models import ServiceLevel
from support import selectors, services
from support.desk_forms import AssigneeForm
from support.models import Ticket, TicketEvent
from support.selectors import with_service_level
from support.services import team_member_options
from testing.personas import make_user
from testing.tickets import close_with_survey, file_di, propose_closure, take


def url(ticket):
    return reverse("desk:detail", args=[ticket.number])


@pytest.fixture
def di(agent):
    return file_di(agent, subject="Bulletins bloqués", module="Paie", version="5.2", environment="production")


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_open_any_di(client, request, persona, di):
    """M8.1"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(di))
    assert response.status_code == 200
    assert f"{di.number} — Bulletins bloqués" in response.content.decode()


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent", "other_agent", "other_admin"])
def test_client_users_are_refused_the_desk_detail(client, request, persona, di):
    """M8.1 M10"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(url(di))
    assert response.status_code == 403
    assert "Accès refusé" in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, di):
    """M1.1 M8.1"""
    response = client.get(url(di))
    assert response.status_code == 302 and response.url.startswith(reverse("accounts:login"))


def test_an_unknown_number_is_a_404(client, support, di):
    """M10"""
    client.force_login(support)
    assert client.get(reverse("desk:detail", args=["DI-1999-000001"])).status_code == 404


def test_the_page_shows_every_field_of_the_di(client, support, di):
    """M8.1 M3.4"""
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    for text in [
        "Centre Hospitalier Alpha",
        "Indeline — CT-1-SW",
        "Support logiciel",
        "A traiter",
        "Alice Agent",
        "Non attribuée",
        "Paie",
        "5.2",
        "Production",
        "Le bouton « Éditer » ne répond plus depuis ce matin.",
    ]:
        assert text in body, text


def test_the_thread_includes_internal_notes_with_their_own_badge(client, support, di):
    """M8.1"""
    services.ticket_reply(di, acting_user=support, body="Avez-vous redémarré le poste ?")
    services.ticket_add_internal_note(di, acting_user=support, body="Client déjà vu la semaine dernière.")
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    assert "Avez-vous redémarré le poste ?" in body
    assert "Client déjà vu la semaine dernière." in body
    assert 'class="thread-item kind-internal' in body
    assert '<span class="badge warn">Note interne</span>' in body


def test_the_history_says_who_did_what_and_when_in_french(client, support, di):
    """M8.1"""
    take(di, support)
    client.force_login(support)
    response = client.get(url(di))
    body = response.content.decode()
    assert "<td>DI déposée</td>" in body
    assert "<td>Prise en charge</td>" in body
    assert 'A traiter <span aria-hidden="true">→</span><span class="visually-hidden">vers</span> En cours' in body
    assert [event.action for event in response.context["events"]] == ["created", "taken"]


def test_the_history_rows_name_nobody_the_automatic_actor_the_note_and_the_local_time(client, support, agent, di):
    """M8.1: a DI released from its owner reads « Demande A Reaffecter », an event without actor
    « Automatique », a note in brackets (escaped), the time in the portal's zone"""
    take(di, support)
    services.ticket_release_owner(di, acting_user=None)
    TicketEvent.objects.filter(ticket=di, action="reassigned").update(
        note="l'ancien <propriétaire>", created_at=datetime(2026, 1, 15, 23, 30, tzinfo=UTC)
    )
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    rows = body[body.index("<tbody>", body.index('class="desk-history"')) : body.index("</tbody>")]
    assert rows.count("<tr>") == 3
    reassigned = rows[rows.index('<time datetime="2026-01-16T00:30:00+01:00">') :].split("</tr>")[0]
    assert ">16/01/2026 00:30</time>" in reassigned
    assert '<td>Réaffectation <span class="meta">(l&#x27;ancien &lt;propriétaire&gt;)</span></td>' in reassigned
    assert "<td>Automatique</td>" in reassigned
    assert (
        f'<td>{agent.full_name} <span aria-hidden="true">→</span><span class="visually-hidden">vers</span>'
        " Demande A Reaffecter</td>" in reassigned
    )
    assert "<td></td>" in reassigned  # the status did not change


def test_the_history_is_read_in_one_query_each_event_with_its_people_named(
    support, agent, di, django_assert_num_queries
):
    """M8.1 M10: the events oldest first, their people by name (None for nobody), one query."""
    take(di, support)
    services.ticket_release_owner(di, acting_user=None)
    with django_assert_num_queries(1):
        events = selectors.ticket_history(di)
    assert [(e.action, e.from_status, e.to_status) for e in events] == [
        ("created", "", "to_process"),
        ("taken", "to_process", "in_progress"),
        ("reassigned", "", ""),
    ]
    assert [(e.actor and e.actor.full_name) for e in events] == [agent.full_name, support.full_name, None]
    released = events[-1]
    assert (released.from_user.full_name, released.to_user) == (agent.full_name, None)
    assert [e.created_at for e in events] == [e.created_at for e in TicketEvent.objects.filter(ticket=di)]


def test_a_di_without_events_says_so(client, support, di):
    """M8.1"""
    TicketEvent.objects.filter(ticket=di).delete()
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    assert '<tbody>\n      \n      <tr><td colspan="5">Aucun événement.</td></tr>\n      \n    </tbody>' in body


def test_a_new_di_offers_its_team_take_reply_note_and_assignment(client, support, di):
    """M8.1"""
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    assert reverse("desk:take", args=[di.number]) in body
    assert reverse("desk:reply", args=[di.number]) in body
    assert reverse("desk:internal_note", args=[di.number]) in body
    assert reverse("desk:change_assignee", args=[di.number]) in body
    assert reverse("desk:propose_closure", args=[di.number]) not in body
    assert "Question au demandeur" in body


def test_a_di_in_progress_offers_its_person_in_charge_the_closure(client, support, di):
    """M8.1 M3.5"""
    take(di, support)
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    assert reverse("desk:propose_closure", args=[di.number]) in body
    assert reverse("desk:take", args=[di.number]) not in body


def test_the_other_team_reads_the_di_without_any_action(client, legal_support, di):
    """M8.1"""
    client.force_login(legal_support)
    response = client.get(url(di))
    body = response.content.decode()
    assert response.context["actions"] == set()
    assert "/guichet/dis/" + di.number + "/" not in body.replace(url(di), "")
    assert "vous pouvez la consulter, mais pas la traiter" in body


def test_the_vendor_admin_may_act_on_every_team(client, vendor_admin, di):
    """M8.1"""
    client.force_login(vendor_admin)
    assert {"take", "reply", "internal_note"} <= client.get(url(di)).context["actions"]


def test_a_closed_di_is_read_only(client, support, di):
    """M8.1 M3.3"""
    close_with_survey(di, support, ratings=[4, 4, 4])
    client.force_login(support)
    response = client.get(url(di))
    assert response.context["actions"] == set()
    assert "elle ne peut plus être modifiée" in response.content.decode()


def test_the_assignment_select_lists_the_active_staff_of_the_team_only(client, support, legal_support, di):
    """M8.1"""
    make_user("ancien@vendor.example", None, Role.SUPPORT_SOFTWARE, first_name="Ancien", is_active=False)
    client.force_login(support)
    form = client.get(url(di)).context["action_forms"]["change_assignee"]
    assert [pk for pk, _name in form.fields["assignee"].choices] == [support.pk]


def test_the_assignment_options_come_from_the_cache_and_follow_the_accounts(
    client, support, legal_support, di, django_assert_num_queries
):
    """M8.1 M10: « Personne en charge » lists the team's active members from the cache (no query
    once kept); creating or deactivating an account shows at once; the choice is checked against
    the database, so a name kept too long cannot be chosen."""
    assert team_member_options(di.team) == [(support.pk, support.full_name)]
    with django_assert_num_queries(0):
        assert team_member_options(di.team) == [(support.pk, support.full_name)]
    newcomer = make_user(
        "nouveau@vendor.example", None, Role.SUPPORT_SOFTWARE, first_name="Zoé", last_name="<Nouvelle>"
    )
    assert [pk for pk, _name in team_member_options(di.team)] == [newcomer.pk, support.pk]  # by last name
    assert "Zoé &lt;Nouvelle&gt;" in dict(team_member_options(di.team))[newcomer.pk]
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    assert f'<option value="{newcomer.pk}">Zoé &lt;Nouvelle&gt;</option>' in body
    newcomer.is_active = False
    newcomer.save()
    assert [pk for pk, _name in team_member_options(di.team)] == [support.pk]
    form = AssigneeForm({"support-assignee": str(support.pk)}, prefix="support", ticket=di, user=support)
    assert form.is_valid() and form.cleaned_data["assignee"] == support
    # Kept in the cache past a change made behind the portal's back: refused by the database.
    User.objects.filter(pk=support.pk).update(is_active=False)
    form = AssigneeForm({"support-assignee": str(support.pk)}, prefix="support", ticket=di, user=support)
    assert [pk for pk, _name in form.fields["assignee"].choices] == [support.pk]
    assert not form.is_valid() and "assignee" in form.errors
    form = AssigneeForm({"support-assignee": str(legal_support.pk)}, prefix="support", ticket=di, user=support)
    assert not form.is_valid()  # another team's member


def test_a_waiting_di_shows_the_marker(client, support, di):
    """M8.1 M3.2"""
    services.ticket_reply(di, acting_user=support, body="Quelle version ?", question=True)
    client.force_login(support)
    assert "En attente du demandeur" in client.get(url(di)).content.decode()


def test_a_proposed_closure_shows_its_date(client, support, di):
    """M3.5"""
    propose_closure(di, support)
    client.force_login(support)
    body = client.get(url(di)).content.decode()
    assert "Clôture proposée le" in body and "Clôture à valider" in body


def test_the_detail_page_query_count_does_not_grow_with_the_thread(client, support, di, django_assert_max_num_queries):
    """M8.1 M10 M11.3"""
    take(di, support)
    for i in range(15):
        services.ticket_reply(di, acting_user=support, body=f"Réponse {i}")
        services.ticket_add_internal_note(di, acting_user=support, body=f"Note {i}")
    client.force_login(support)
    # 13 for the DI and its thread, 6 for the customer's context and the desk's tools (M11.3, M11.4):
    # contracts, other open DIs, their count, the last closed, the linked DIs, the « Réponses types ».
    with django_assert_max_num_queries(19):
        assert client.get(url(di)).status_code == 200


def test_the_service_level_is_read_once_into_the_di(di, django_assert_num_queries):
    """M13.3: the desk's sheet names the DI's service level, read by a prepared query"""
    level = ServiceLevel.objects.create(name="Premium 4 h", first_response_hours=4, resolution_hours=24)
    Ticket.objects.filter(pk=di.pk).update(service_level=level)
    ticket = Ticket.objects.get(pk=di.pk)
    with django_assert_num_queries(1):
        assert with_service_level(ticket).service_level.name == "Premium 4 h"
    with django_assert_num_queries(0):
        assert with_service_level(ticket).service_level == level
    Ticket.objects.filter(pk=di.pk).update(service_level=None)
    without = Ticket.objects.get(pk=di.pk)
    with django_assert_num_queries(0):
        assert with_service_level(without).service_level is None
