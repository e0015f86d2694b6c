"""The vendor's home is their work (M11.1): for a support person, their DIs and their team's in
each kind of work, each count a link to the desk filtered that way; the vendor's administrators
see every team; the DIs that wait longest for the support come first."""

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.urls import reverse

from accounts.models import Role
from support import services
from support.models import Status
from testing.personas import make_user
from testing.tickets import age, file_di, numbers, propose_closure, take

HOME = reverse("portal:home")


@pytest.fixture
def work(agent, colleague, other_agent, support, legal_support):
    """Software DIs of both establishments in every kind of work, the person in charge being
    ``support`` or a colleague of the team; and legal DIs."""
    teammate = make_user("support2@vendor.example", None, Role.SUPPORT_SOFTWARE, first_name="Lou")
    to_take = [age(file_di(agent, subject="Bulletins bloqués"), 3), file_di(other_agent, subject="Export en erreur")]
    mine = take(file_di(agent, subject="Lenteurs"), support)
    theirs = take(file_di(other_agent, subject="Import des titres"), teammate)
    answered = take(file_di(colleague, subject="Paie de mars"), support)
    services.ticket_reply(answered, acting_user=support, body="Pouvez-vous relancer ?")
    services.ticket_post_message(answered, acting_user=colleague, body="Relancé, même erreur.")
    asked = take(file_di(agent, subject="Cotisations"), support)
    services.ticket_reply(asked, acting_user=support, body="Quel matricule ?", question=True)
    closing = propose_closure(file_di(other_agent, subject="DSN refusée"), teammate)
    legal = file_di(agent, kind="JUR", subject="Temps partiel")
    take(file_di(agent, kind="JUR", subject="Contrat de travail"), legal_support)
    return {
        "to_take": to_take,
        "mine": mine,
        "theirs": theirs,
        "answered": answered,
        "asked": asked,
        "closing": closing,
        "legal": legal,
        "teammate": teammate,
    }


def _cells(body):
    """{(row key, column index): (count, link)} read from the worklist table."""
    cells = {}
    for key, row in re.findall(r'<tr class="work-(\w+)">(.*?)</tr>', body, re.S):
        links = re.findall(r'<td class="count"><a href="([^"]+)">(\d+)<', row)
        for column, (href, count) in enumerate(links):
            cells[(key, column)] = (int(count), unescape(href))
    return cells


def _desk_numbers(client, href):
    response = client.get(href)
    assert response.status_code == 200
    return set(numbers(response))


def test_a_support_persons_home_counts_their_work_and_their_teams(client, support, work):
    """M11.1"""
    client.force_login(support)
    response = client.get(HOME)
    body = response.content.decode()
    assert response.status_code == 200 and "Utilisez le menu" not in body
    counts = {key: count for key, (count, _href) in _cells(body).items()}
    # Column 0: « Moi »; column 1: « Mon équipe ».
    assert counts == {
        ("to_take", 0): 0,
        ("to_take", 1): 2,
        ("in_progress", 0): 3,  # mine, answered, asked
        ("in_progress", 1): 4,
        ("answered", 0): 1,
        ("answered", 1): 1,
        ("awaiting_client", 0): 1,
        ("awaiting_client", 1): 1,
        ("closures", 0): 0,
        ("closures", 1): 1,
    }
    assert ">Moi</th>" in body and ">Mon équipe</th>" in body and "(Support logiciel)" in body


@pytest.mark.parametrize(
    "cell,expected",
    [
        (("to_take", 1), ["to_take"]),
        (("in_progress", 0), ["mine", "answered", "asked"]),
        (("in_progress", 1), ["mine", "theirs", "answered", "asked"]),
        (("answered", 0), ["answered"]),
        (("awaiting_client", 1), ["asked"]),
        (("closures", 1), ["closing"]),
    ],
)
def test_each_count_links_to_the_desk_listing_exactly_those_dis(client, support, work, cell, expected):
    """M11.1"""
    client.force_login(support)
    count, href = _cells(client.get(HOME).content.decode())[cell]
    assert urlsplit(href).path == reverse("desk:list")
    listed = _desk_numbers(client, href)
    wanted = set()
    for key in expected:
        wanted |= {t.number for t in work[key]} if isinstance(work[key], list) else {work[key].number}
    assert listed == wanted and count == len(wanted)


def test_the_vendor_admins_home_shows_every_team_and_all_of_them(client, vendor_admin, work):
    """M11.1"""
    client.force_login(vendor_admin)
    body = client.get(HOME).content.decode()
    cells = _cells(body)
    # Columns: Support logiciel, Support juridique, Toutes les équipes.
    assert [cells[("to_take", c)][0] for c in range(3)] == [2, 1, 3]
    assert [cells[("in_progress", c)][0] for c in range(3)] == [4, 1, 5]
    assert [cells[("answered", c)][0] for c in range(3)] == [1, 0, 1]
    assert [cells[("closures", c)][0] for c in range(3)] == [1, 0, 1]
    assert dict(parse_qsl(urlsplit(cells[("to_take", 1)][1]).query))["equipe"] == "legal"
    assert _desk_numbers(client, cells[("to_take", 2)][1]) == {t.number for t in work["to_take"]} | {
        work["legal"].number
    }
    assert "Le travail de chaque équipe" in body


def test_the_oldest_dis_waiting_for_the_support_come_first(client, support, work):
    """M11.1: filed and never answered, taken but not answered, or answered by the client"""
    client.force_login(support)
    body = client.get(HOME).content.decode()
    section = body[body.index("Les plus anciennes sans réponse du support") :]
    listed = re.findall(r"<strong>(DI-\d{4}-\d{6})</strong>", section)
    oldest = work["to_take"][0]
    assert listed[0] == oldest.number  # filed three days ago
    assert work["asked"].number not in listed and work["closing"].number not in listed
    assert work["answered"].number in listed and "le demandeur a répondu" in section
    link = unescape(re.search(r'href="([^"]+)">Toutes les DIs sans réponse', section).group(1))
    response = client.get(link)
    assert numbers(response)[0] == oldest.number
    assert set(numbers(response)) == set(listed)  # five or fewer: all of them


def test_the_support_answering_or_asking_clears_the_client_answered_mark(support, colleague, work):
    """M11.1"""
    answered = work["answered"]
    assert answered.__class__.objects.get(pk=answered.pk).client_answered
    services.ticket_reply(answered, acting_user=support, body="Nous regardons.", question=True)
    answered.refresh_from_db()
    assert not answered.client_answered and answered.waiting_since is None and answered.awaiting_owner
    services.ticket_post_message(answered, acting_user=colleague, body="Voici le matricule.")
    answered.refresh_from_db()
    assert answered.client_answered and answered.waiting_since is not None and not answered.awaiting_owner
    services.ticket_propose_closure(answered, acting_user=support, body="Réglé.")
    answered.refresh_from_db()
    assert not answered.client_answered and answered.waiting_since is None


def test_a_refused_closure_puts_the_ball_back_in_the_supports_camp(other_agent, work):
    """M11.1"""
    closing = work["closing"]
    services.ticket_refuse_closure(closing, acting_user=other_agent, body="Toujours refusée.")
    closing.refresh_from_db()
    assert closing.status == Status.IN_PROGRESS and closing.client_answered and closing.waiting_since is not None


def test_the_home_of_the_vendor_runs_a_bounded_number_of_queries(
    client, support, vendor_admin, work, agent, django_assert_max_num_queries
):
    """M11.1: the same number of queries with three DIs or thirty"""
    client.force_login(support)
    client.get(HOME)  # the desk's counters are remembered a few seconds, as in production
    with django_assert_max_num_queries(7) as few:
        assert client.get(HOME).status_code == 200
    for i in range(30):
        take(file_di(agent, subject=f"DI {i}"), support)
    with django_assert_max_num_queries(len(few)):
        assert client.get(HOME).status_code == 200
    client.force_login(vendor_admin)
    with django_assert_max_num_queries(9):  # the counters of each team and of all, once
        assert client.get(HOME).status_code == 200


def test_the_desk_filters_who_owes_an_answer_and_sorts_by_the_longest_wait(client, support, work):
    """M11.1"""
    client.force_login(support)
    desk = reverse("desk:list")
    assert set(numbers(client.get(desk, {"suivi": "repondu"}))) == {work["answered"].number}
    assert set(numbers(client.get(desk, {"suivi": "attente-client"}))) == {work["asked"].number}
    waiting = numbers(client.get(desk, {"suivi": "sans-reponse", "tri": "attente"}))
    assert waiting[0] == work["to_take"][0].number and work["asked"].number not in waiting
    body = client.get(desk).content.decode()
    assert 'name="suivi"' in body and "Le demandeur a répondu" in body


def _bounded_subqueries(client, user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(user)
    with CaptureQueriesContext(connection) as page:
        assert client.get(HOME).status_code == 200
    return sum(query["sql"].count("AS bounded_") for query in page.captured_queries)


def test_a_teams_counts_are_read_once_for_the_whole_team(client, support, work):
    """M11.1 M10: the team's column is every vendor staff's, shared a few seconds; « Moi » is each one's"""
    # Their five rows, the team's two follow-ups, the team's five status counters (the desk's).
    assert _bounded_subqueries(client, support) == 5 + 2 + 5
    assert _bounded_subqueries(client, work["teammate"]) == 5


def test_a_client_answer_shows_at_once_in_the_teams_counts(
    client, support, agent, work, django_capture_on_commit_callbacks
):
    """M11.1: a change of follow-up forgets the team's shared counts"""
    client.force_login(support)
    before = _cells(client.get(HOME).content.decode())
    assert before[("answered", 1)][0] == 1 and before[("awaiting_client", 1)][0] == 1
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_post_message(work["asked"], acting_user=agent, body="Matricule 4521.")
    after = _cells(client.get(HOME).content.decode())
    assert after[("answered", 1)][0] == 2 and after[("awaiting_client", 1)][0] == 0


# The rows as the Django template wrote them before they became a Jinja2 fragment (the reference).
DJANGO_ROWS = """{% load i18n %}      {% for row in worklist.rows %}
      <tr class="work-{{ row.key }}">
        <th scope="row">{{ row.label }}<span class="work-help">{{ row.help }}</span></th>
        {% for cell in row.cells %}
        <td class="count"><a href="{% url 'desk:list' %}?{{ cell.query }}">{% if cell.count.capped %}{% blocktranslate with n=cell.count.label %}plus de {{ n }}{% endblocktranslate %}{% else %}{{ cell.count }}{% endif %}<span class="visually-hidden"> — {{ row.label }}, {{ cell.header }}</span></a></td>
        {% endfor %}
      </tr>
      {% endfor %}"""


def test_the_worklist_rows_are_written_as_the_django_template_wrote_them():
    """M11.1: counts, capped counts (« plus de … »), links and labels escaped the same way"""
    from django.template import Context, Template, engines
    from django.utils import translation

    from support.selectors import BoundedCount, WorkCell, Worklist, WorkRow

    cells = [
        WorkCell(BoundedCount(12, 500), "equipe=software&support=moi", "Moi"),
        WorkCell(BoundedCount(1234, 500), "equipe=software&statut=to_process", 'Mon équipe (<b>"Logiciel"</b>)'),
        WorkCell(7, "equipe=legal&suivi=waiting", "Juridique & social"),
    ]
    worklist = Worklist(
        "intro",
        ["Moi", "Équipe", "Juridique"],
        [
            WorkRow("waiting", "Sans réponse <script>", "L'aide « d'abord »", cells),
            WorkRow("late", "En retard", "", []),
        ],
        [],
        "",
    )
    with translation.override("fr"):
        expected = Template(DJANGO_ROWS).render(Context({"worklist": worklist}))
        written = (
            engines["django"]
            .from_string("{% load portal %}      {% worklist_rows worklist %}")
            .render({"worklist": worklist})
        )
    assert written == expected
    assert "plus de 500" in written and "&lt;script&gt;" in written and "&amp;support=moi" in written


DJANGO_OLDEST = """{% load i18n %}    {% for ticket in worklist.oldest %}
    <li><a href="{% url 'desk:detail' ticket.number %}"><strong>{{ ticket.number }}</strong> — {{ ticket.subject }}</a> <span class="meta">{{ ticket.establishment.name }} · {% blocktranslate with since=ticket.waiting_since|timesince %}attend depuis {{ since }}{% endblocktranslate %}{% if ticket.client_answered %} · {% translate "le demandeur a répondu" %}{% endif %}</span></li>
    {% endfor %}"""


def test_the_oldest_waiting_are_written_as_the_django_template_wrote_them(agent, est_a):
    """M11.1: links, subjects and establishments escaped, the wait in words, the client's answer noted"""
    from datetime import timedelta

    from django.template import Context, Template, engines
    from django.utils import timezone, translation

    from support.models import Ticket
    from support.selectors import Worklist

    est_a.name = 'Hôpital <b>"A"</b> & Cie'
    oldest = []
    for index, answered in enumerate((True, False)):
        ticket = Ticket(number=f"DI-2026-00000{index}", subject=f"Paie <script> l'{index}", client_answered=answered)
        ticket.establishment = est_a
        ticket.waiting_since = timezone.now() - timedelta(days=3 + index, hours=5)
        oldest.append(ticket)
    worklist = Worklist("intro", [], [], oldest, "")
    with translation.override("fr"):
        expected = Template(DJANGO_OLDEST).render(Context({"worklist": worklist}))
        written = (
            engines["django"]
            .from_string("{% load portal %}    {% worklist_oldest worklist %}")
            .render({"worklist": worklist})
        )
    assert written == expected
    assert "attend depuis 3\xa0jours" in written and "le demandeur a répondu" in written and "&lt;script&gt;" in written
