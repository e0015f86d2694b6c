"""The support desk's list of DIs (SPEC M8.1): every establishment, by team, status and age."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from support import services
from support.models import Status, Ticket
from testing.personas import make_user
from testing.tickets import age, close_with_survey, file_di, numbers, propose_closure, take

URL = reverse("desk:list")


@pytest.fixture
def dis(agent, other_agent, support, legal_support):
    """Software and legal DIs of both establishments, in several statuses."""
    return {
        "sw_a": file_di(agent, subject="Bulletins bloqués"),
        "sw_b": file_di(other_agent, subject="Export comptable en erreur"),
        "legal_a": file_di(agent, kind="JUR", subject="Marché public à relancer"),
        "sw_taken": take(file_di(agent, subject="Lenteurs à l'ouverture"), support),
        "legal_taken": take(file_di(other_agent, kind="JUR", subject="Contrat de travail"), legal_support),
        "sw_closed": close_with_survey(file_di(agent, subject="Réglée"), support, ratings=[5, 5, 5]),
    }


@pytest.mark.parametrize("persona", ["support", "legal_support", "vendor_admin"])
def test_vendor_staff_open_the_desk(client, request, persona):
    """M8.1"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 200
    assert "<h1>Guichet support</h1>" in response.content.decode()


@pytest.mark.parametrize("persona", ["agent", "est_admin", "referent", "other_agent", "other_admin"])
def test_client_users_are_refused_the_desk_with_a_clear_page(client, request, persona, dis):
    """M8.1 M10"""
    client.force_login(request.getfixturevalue(persona))
    response = client.get(URL)
    assert response.status_code == 403
    body = response.content.decode()
    assert "réservée au personnel de l&#x27;éditeur" in body
    assert dis["sw_b"].number not in body


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    """M1.1 M8.1"""
    response = client.get(URL)
    assert response.status_code == 302
    assert response.url.startswith(reverse("accounts:login"))


def test_software_support_sees_the_open_software_dis_of_every_establishment_by_default(client, support, dis):
    """M8.1"""
    client.force_login(support)
    response = client.get(URL)
    assert set(numbers(response)) == {dis["sw_a"].number, dis["sw_b"].number, dis["sw_taken"].number}
    assert response.context["filters"]["equipe"] == "software"


def test_legal_support_sees_the_legal_team_by_default(client, legal_support, dis):
    """M8.1"""
    client.force_login(legal_support)
    assert set(numbers(client.get(URL))) == {dis["legal_a"].number, dis["legal_taken"].number}


def test_the_vendor_admin_sees_every_team_by_default(client, vendor_admin, dis):
    """M8.1"""
    client.force_login(vendor_admin)
    assert len(numbers(client.get(URL))) == 5


def test_a_support_person_can_look_at_every_team(client, support, dis):
    """M8.1"""
    client.force_login(support)
    assert len(numbers(client.get(URL, {"equipe": "toutes"}))) == 5
    assert set(numbers(client.get(URL, {"equipe": "legal"}))) == {dis["legal_a"].number, dis["legal_taken"].number}


def test_closed_dis_are_hidden_until_asked_for(client, support, dis):
    """M8.1 M3.3"""
    client.force_login(support)
    assert dis["sw_closed"].number not in numbers(client.get(URL))
    assert dis["sw_closed"].number in numbers(client.get(URL, {"statut": "toutes"}))
    assert numbers(client.get(URL, {"statut": Status.CLOSED})) == [dis["sw_closed"].number]


def test_the_status_filter_shows_one_status(client, support, dis):
    """M8.1 M3.3"""
    client.force_login(support)
    assert numbers(client.get(URL, {"statut": Status.IN_PROGRESS})) == [dis["sw_taken"].number]
    assert set(numbers(client.get(URL, {"statut": Status.TO_PROCESS}))) == {dis["sw_a"].number, dis["sw_b"].number}


def test_the_establishment_filter_searches_part_of_its_name(client, support, dis):
    """M8.1"""
    client.force_login(support)
    response = client.get(URL, {"etablissement": "bêta"})
    assert numbers(response) == [dis["sw_b"].number]
    assert numbers(client.get(URL, {"etablissement": "hospitalier"})) == sorted(
        [dis["sw_a"].number, dis["sw_taken"].number]
    )


def test_the_person_in_charge_filter_finds_mine_and_the_unassigned_ones(client, support, dis):
    """M8.1"""
    client.force_login(support)
    assert numbers(client.get(URL, {"support": "moi"})) == [dis["sw_taken"].number]
    assert set(numbers(client.get(URL, {"support": "aucun"}))) == {dis["sw_a"].number, dis["sw_b"].number}


def test_the_person_in_charge_filter_finds_a_colleagues_dis(client, vendor_admin, legal_support, dis):
    """M8.1"""
    client.force_login(vendor_admin)
    assert numbers(client.get(URL, {"support": legal_support.pk})) == [dis["legal_taken"].number]


def test_the_age_filter_keeps_the_dis_older_than_the_chosen_delay(client, support, dis):
    """M8.1"""
    age(dis["sw_a"], 10)
    age(dis["sw_b"], 40)
    client.force_login(support)
    assert set(numbers(client.get(URL, {"age": "7"}))) == {dis["sw_a"].number, dis["sw_b"].number}
    assert numbers(client.get(URL, {"age": "30"})) == [dis["sw_b"].number]


def test_the_search_matches_the_number_or_the_subject(client, support, dis):
    """M8.1"""
    client.force_login(support)
    assert numbers(client.get(URL, {"q": "comptable"})) == [dis["sw_b"].number]
    assert numbers(client.get(URL, {"q": dis["sw_a"].number})) == [dis["sw_a"].number]


def test_open_dis_are_listed_oldest_first_by_default(client, support, dis):
    """M8.1"""
    age(dis["sw_b"], 20)
    age(dis["sw_taken"], 10)
    age(dis["sw_a"], 5)
    client.force_login(support)
    assert numbers(client.get(URL)) == [dis["sw_b"].number, dis["sw_taken"].number, dis["sw_a"].number]


def test_the_list_sorts_by_last_activity_or_number(client, support, dis):
    """M8.1"""
    client.force_login(support)
    services.ticket_reply(dis["sw_a"], acting_user=support, body="Pouvez-vous envoyer une capture ?")
    assert numbers(client.get(URL, {"tri": "activite"}))[0] == dis["sw_a"].number
    by_number = numbers(client.get(URL, {"tri": "numero"}))
    assert by_number == sorted(by_number)
    assert numbers(client.get(URL, {"tri": "-numero"})) == sorted(by_number, reverse=True)


def test_unknown_filter_values_fall_back_to_the_defaults(client, support, dis):
    """M8.1 M10"""
    client.force_login(support)
    response = client.get(URL, {"equipe": "x", "statut": "x", "tri": "x", "age": "x", "support": "x"})
    assert response.status_code == 200
    assert set(numbers(response)) == {dis["sw_a"].number, dis["sw_b"].number, dis["sw_taken"].number}


def test_the_counters_give_the_number_of_dis_per_status_for_the_team(client, support, dis):
    """M8.1"""
    propose_closure(file_di(dis["sw_a"].owner), support)
    client.force_login(support)
    response = client.get(URL)
    counters = {value: count for value, _label, count in response.context["counters"]}
    assert counters == {
        Status.TO_PROCESS: 2,
        Status.IN_PROGRESS: 1,
        Status.CLOSURE_PENDING: 1,
        Status.CLOSED: 1,
        Status.CANCELLED: 0,
    }
    legal = {value: count for value, _label, count in client.get(URL, {"equipe": "legal"}).context["counters"]}
    assert legal[Status.TO_PROCESS] == 1 and legal[Status.IN_PROGRESS] == 1 and legal[Status.CLOSED] == 0


def test_a_counter_links_to_the_list_filtered_on_its_status(client, support, dis):
    """M8.1"""
    client.force_login(support)
    body = client.get(URL, {"equipe": "legal"}).content.decode()
    assert 'href="?equipe=legal&amp;statut=in_progress"' in body


def test_each_row_opens_the_di_on_the_desk(client, support, dis):
    """M8.1 M3.2"""
    client.force_login(support)
    body = client.get(URL).content.decode()
    detail = reverse("desk:detail", args=[dis["sw_b"].number])
    assert f'<tr data-href="{detail}"' in body
    assert f'<a href="{detail}">{dis["sw_b"].number}</a>' in body


def test_the_row_shows_the_owner_placeholder_the_person_in_charge_and_the_waiting_marker(client, support, dis):
    """M8.1 M3.2 M3.4"""
    services.ticket_release_owner(dis["sw_b"], acting_user=None)
    services.ticket_reply(dis["sw_taken"], acting_user=support, body="Quelle version ?", question=True)
    client.force_login(support)
    body = client.get(URL).content.decode()
    assert "Demande A Reaffecter" in body
    assert "Sam Support" in body
    assert "En attente du demandeur" in body


def test_the_age_column_counts_days(client, support, dis):
    """M8.1"""
    age(dis["sw_b"], 12)
    client.force_login(support)
    assert ">12 j</time>" in client.get(URL).content.decode()


def test_the_list_is_paginated_by_25(client, support, agent):
    """M8.1"""
    for i in range(27):
        file_di(agent, subject=f"DI {i}")
    client.force_login(support)
    assert len(numbers(client.get(URL))) == 25
    assert len(numbers(client.get(URL, {"page": 2}))) == 2


def test_the_query_count_does_not_grow_with_the_rows(
    client, support, legal_support, agent, colleague, other_agent, django_assert_max_num_queries
):
    """M8.1 M10"""
    second = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    for i, (owner, person) in enumerate([(agent, support), (colleague, second), (other_agent, None)] * 10):
        ticket = file_di(owner, kind="JUR" if i % 4 == 0 else "SW", subject=f"DI {i}")
        if person and ticket.team == "software":
            take(ticket, person)
    client.force_login(support)
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"equipe": "toutes", "statut": "toutes"})
    assert response.status_code == 200
    assert len(numbers(response)) == 25


def _counters(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200
    return {value: count for value, _label, count in response.context["counters"]}


def test_the_counters_are_read_once_for_every_support_person_of_the_team(client, support, dis):
    """M8.1 M10: the five bounded counts are one query, shared a few seconds by the whole team."""
    client.force_login(support)
    with CaptureQueriesContext(connection) as first_page:
        first = _counters(client)
    assert sum("bounded_" in query["sql"] for query in first_page.captured_queries) == 1
    colleague = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE)
    client.force_login(colleague)
    with CaptureQueriesContext(connection) as second_page:
        assert _counters(client) == first
    assert not any("bounded_" in query["sql"] for query in second_page.captured_queries)


def test_a_filed_di_and_a_status_change_show_at_once_in_the_counters(
    client, agent, support, dis, django_capture_on_commit_callbacks
):
    """M8.1"""
    client.force_login(support)
    assert _counters(client)[Status.TO_PROCESS] == 2
    with django_capture_on_commit_callbacks(execute=True):
        ticket = file_di(agent, subject="Nouvelle DI")
    assert _counters(client)[Status.TO_PROCESS] == 3
    with django_capture_on_commit_callbacks(execute=True):
        take(ticket, support)
    counters = _counters(client)
    assert (counters[Status.TO_PROCESS], counters[Status.IN_PROGRESS]) == (2, 2)
    assert _counters(client, equipe="toutes")[Status.IN_PROGRESS] == 3


def test_with_the_cache_down_the_counters_are_counted_in_the_database(client, support, dis, cache_down):
    """M8.1 M10"""
    client.force_login(support)
    assert _counters(client)[Status.TO_PROCESS] == 2


def test_with_only_team_and_status_the_total_is_the_sum_of_the_counters(client, support, dis):
    """M8.1 M10: no count of the list when its counters already tell it."""
    client.force_login(support)
    client.get(URL)  # the counters, counted once for the team
    for params, expected in (({}, "3 DIs correspondent"), ({"statut": "toutes"}, "4 DIs correspondent")):
        with CaptureQueriesContext(connection) as page:
            response = client.get(URL, params)
        assert response.status_code == 200
        assert expected in response.content.decode()
        assert not [q["sql"] for q in page.captured_queries if "COUNT(" in q["sql"].upper()]
    with CaptureQueriesContext(connection) as filtered:
        response = client.get(URL, {"etablissement": "Alpha"})
    assert response.status_code == 200
    assert "2 DIs correspondent" in response.content.decode()
    assert [q for q in filtered.captured_queries if "COUNT(" in q["sql"].upper()]


def test_an_empty_desk_says_so_in_one_row(client, support, dis):
    """M8.1: the rows come from a Jinja2 template (support/jinja2/support/rows/), the empty row from the page"""
    client.force_login(support)
    body = client.get(URL, {"statut": Status.CANCELLED}).content.decode()
    assert "Aucune DI ne correspond à ces critères." in body and "<tr data-href" not in body
    body = client.get(URL, {"statut": Status.IN_PROGRESS}).content.decode()
    assert "Aucune DI ne correspond à ces critères." not in body and body.count("<tr data-href") == 1
    assert '<td class="subject">Lenteurs à l&#x27;ouverture</td>' in body


def test_the_due_counts_are_read_once_for_every_support_person(client, support, dis):
    """M13.4 M10: « dues aujourd'hui » and « en retard » per team are one query, shared a few seconds"""

    def due_count_queries(user):
        client.force_login(user)
        with CaptureQueriesContext(connection) as page:
            assert client.get(reverse("portal:home")).status_code == 200
        return sum('"due_at" <' in query["sql"] and "COUNT" in query["sql"] for query in page.captured_queries)

    assert due_count_queries(support) == 1
    assert due_count_queries(make_user("support2@vendor.example", None, Role.SUPPORT_LEGAL)) == 0


def test_a_status_change_shows_at_once_in_the_due_counts(support, dis, django_capture_on_commit_callbacks):
    """M13.4: shared a few seconds, but forgotten as soon as a DI changes status"""
    from support.selectors import due_counts_by_team

    def late(team="software"):
        return next(row["late"] for row in due_counts_by_team() if row["team"] == team)

    before = late()
    # Changed behind the services' back: the shared counts do not know yet.
    Ticket.objects.filter(team="software").update(due_at=timezone.now() - timedelta(hours=1))
    assert late() == before
    with django_capture_on_commit_callbacks(execute=True):
        take(Ticket.objects.filter(team="software", status=Status.TO_PROCESS).first(), support)
    assert late() == Ticket.objects.filter(team="software", due_at__lt=timezone.now()).count() > before


@pytest.mark.parametrize("team", ["toutes", "software", "legal"])
@pytest.mark.parametrize("status", ["ouvertes", "toutes", "closed"])
def test_the_prepared_first_page_is_the_orm_s_for_every_order(dis, support, team, status):
    """M8.1 M10: the first page read through core.prepared, against the ORM's own for each order"""
    from support import selectors

    for sort in selectors.SORTS:
        orm = selectors.for_desk_list(selectors.filter_status(selectors.desk_tickets(support, team=team), status), sort)
        first = selectors.desk_first_page(support, team=team, status=status, sort=sort, size=3)
        assert [t.pk for t in first] == [t.pk for t in orm[:3]]
        assert [t.establishment_id for t in first] == [t.establishment_id for t in orm[:3]]


# --- The filters, worked out once per query string ----------------------------------------------


FILTER_QUERIES = (
    {},
    {"equipe": "legal", "statut": "toutes", "tri": "numero"},
    {"statut": "nimporte", "age": "12", "support": "999999", "q": " <b>paie</b> ", "etablissement": "Hôpital"},
)


def _filters_as_the_form_writes_them(params, user):
    from django.template.loader import render_to_string

    from support.desk_forms import DeskFilterForm

    form = DeskFilterForm(params, user=user)
    return form.values(), render_to_string("support/desk/includes/filters.html", {"form": form})


@pytest.mark.parametrize("params", FILTER_QUERIES)
def test_the_kept_filters_are_those_the_form_gives_and_writes(support, params):
    """M8.1"""
    from support.desk_forms import desk_filters

    expected = _filters_as_the_form_writes_them(params, support)
    assert desk_filters(params, user=support) == expected  # worked out
    assert desk_filters(params, user=support) == expected  # kept


def test_the_filters_are_kept_per_query_string_and_follow_a_new_support_member(client, support, dis):
    """M8.1"""
    from support import desk_forms

    client.force_login(support)
    built = []
    original = desk_forms.DeskFilterForm.__init__

    def counting(self, *args, **kwargs):
        built.append(1)
        original(self, *args, **kwargs)

    url = reverse("desk:list") + "?statut=toutes&tri=numero"
    desk_forms.DeskFilterForm.__init__ = counting
    try:
        client.get(url)
        first = len(built)
        page = client.get(url).content.decode()
        assert len(built) == first  # the same query string: no form built again
        assert "Nadia Nouvelle" not in page
        make_user("nadia@editeur.example", None, role=Role.SUPPORT_SOFTWARE, first_name="Nadia", last_name="Nouvelle")
        page = client.get(url).content.decode()
        assert len(built) == first + 1 and "Nadia Nouvelle" in page  # a new colleague: worked out again
    finally:
        desk_forms.DeskFilterForm.__init__ = original


def test_changing_the_returned_filters_changes_nothing_kept(support):
    """M8.1"""
    from support.desk_forms import desk_filters

    values, _markup = desk_filters({"statut": "toutes"}, user=support)
    values["statut"] = "closed"
    assert desk_filters({"statut": "toutes"}, user=support)[0]["statut"] == "toutes"
