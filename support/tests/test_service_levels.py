"""Service levels on DIs (SPEC M13): the level taken from the contract, the clock kept on the DI
by the services, the dates shown to the client and on the desk, the home page's counts."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from establishments.models import Contract
from servicelevels.calendar import calendar_for
from servicelevels.clock import RUNNING, Step, Targets, due_dates
from support import services
from support.models import Ticket
from testing.service_levels import backdate, give_level, make_level, paris
from testing.tickets import contract_of, file_di, ratings


@pytest.fixture
def level(est_a, est_b):
    level = make_level("Standard", first=4, resolution=16)
    for est in (est_a, est_b):
        give_level(contract_of(est, "SW"), level)
    return level


def test_a_new_contract_takes_its_products_default_level(products, est_a):
    """M13.1: a contract created without a level takes its product's default one; none otherwise"""
    gold = make_level("Or", first=2, resolution=8)
    products["software"].default_service_level = gold
    products["software"].save()
    with_default = Contract.objects.create(
        establishment=est_a, product=products["software"], reference="CT-NEW-1", start_date=timezone.localdate()
    )
    without = Contract.objects.create(
        establishment=est_a, product=products["legal"], reference="CT-NEW-2", start_date=timezone.localdate()
    )
    assert with_default.service_level == gold
    assert without.service_level is None


def test_establishments_get_their_department_from_the_postal_code(est_a):
    """M13.1: the department decides the holidays; it is read from the postal code when left empty"""
    est_a.postal_code = "57000"
    est_a.department = ""
    est_a.save()
    assert est_a.department == "57"


def test_a_filed_di_takes_the_contracts_level_and_its_due_dates(agent, level):
    """M13.1 M13.2: filing a DI snapshots the contract's level and writes the clock's due dates"""
    ticket = file_di(agent)
    ticket.refresh_from_db()
    assert ticket.service_level == level
    expected = due_dates(
        ticket.created_at,
        [Step(ticket.created_at, state=RUNNING)],
        Targets.hours(4, 16),
        calendar_for(agent.establishment.department),
        ticket.created_at,
    )
    assert ticket.first_response_due_at == expected.first_response_due
    assert ticket.resolution_due_at == expected.resolution_due
    assert ticket.due_at == ticket.first_response_due_at


def test_a_contract_without_level_gives_no_due_date(agent, level):
    """M13.1: no level on the contract, no due date (the working time is still measured)"""
    ticket = file_di(agent, kind="JUR")
    ticket.refresh_from_db()
    assert ticket.service_level is None and ticket.due_at is None and ticket.first_response_due_at is None


def test_the_services_keep_the_clock_through_the_workflow(agent, support, level):
    """M13.2: the first public answer meets the first-response target; a question pauses the clock,
    the client's answer resumes it; « Clôture à valider » pauses, a refusal resumes, the
    validation stops it"""
    ticket = file_di(agent)
    services.ticket_reply(ticket, acting_user=support, body="Pouvez-vous préciser ?", question=True)
    services.ticket_post_message(ticket, acting_user=agent, body="Voici la capture.")
    services.ticket_propose_closure(ticket, acting_user=support, body="Corrigé.")
    services.ticket_refuse_closure(ticket, acting_user=agent, body="Toujours en panne.")
    services.ticket_propose_closure(ticket, acting_user=support, body="Corrigé pour de bon.")
    services.ticket_validate_closure(ticket, acting_user=agent, ratings=ratings())
    # Monday 9 March 2026: filed at 09:00, question at 10:00, answer on Tuesday 10:00, closure
    # proposed at 11:00, refused on Wednesday 09:00, proposed again at 11:00, validated on Friday.
    moments = [
        paris(2026, 3, 9, 10, 0),
        paris(2026, 3, 10, 10, 0),
        paris(2026, 3, 10, 11, 0),
        paris(2026, 3, 11, 9, 0),
        paris(2026, 3, 11, 11, 0),
        paris(2026, 3, 13, 9, 0),
    ]
    history = [paris(2026, 3, 9, 9, 0), *moments]
    # The clock at each step of the history, as the services leave it.
    asked = backdate(ticket, history[0], moments[0], now=moments[0] + timedelta(hours=2), upto=1)
    assert asked.first_response_at == moments[0] and asked.first_response_minutes == 60
    assert asked.due_at is None  # paused: waits on the client
    answered = backdate(ticket, history[0], *moments[:2], now=moments[1], upto=2)
    assert answered.due_at == answered.resolution_due_at == paris(2026, 3, 11, 18, 0)  # 8 h of wait later
    proposed = backdate(ticket, history[0], *moments[:3], now=moments[2] + timedelta(days=1), upto=3)
    assert proposed.due_at is None and proposed.clock_minutes == 120
    refused = backdate(ticket, history[0], *moments[:4], now=moments[3], upto=4)
    assert refused.due_at == paris(2026, 3, 12, 16, 0)  # 15 working hours of waits in all
    closed = backdate(ticket, history[0], *moments, now=paris(2026, 3, 20, 9, 0))
    assert closed.due_at is None and closed.clock_minutes == 240  # 2 h + 2 h on the clock


def test_the_desk_sorts_by_due_time_and_flags_late_and_today(client, agent, support, level):
    """M13.4: « Échéance la plus proche » lists the nearest deadline first; a late DI says « En
    retard », one due today « Aujourd'hui » (words, not only colours); a DI waiting on the
    client says « En pause »"""
    now = timezone.now()
    late, today, later, paused = (file_di(agent, subject=f"DI {k}") for k in range(4))
    Ticket.objects.filter(pk=late.pk).update(due_at=now - timedelta(hours=3))
    local = timezone.localtime(now)
    end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    soon = now + min(timedelta(minutes=30), (end_of_day - local) / 2)
    Ticket.objects.filter(pk=today.pk).update(due_at=soon)
    Ticket.objects.filter(pk=later.pk).update(due_at=now + timedelta(days=3, hours=1))
    services.ticket_reply(paused, acting_user=support, body="Une précision ?", question=True)
    unlevelled = file_di(agent, kind="JUR", subject="Sans niveau")  # legal team: not on the software desk
    assert unlevelled.service_level_id is None
    client.force_login(support)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/guichet/", {"tri": "echeance"})
    assert response.status_code == 200 and len(queries) <= 12
    listed = [t.number for t in response.context["page"].object_list]
    assert listed == [late.number, today.number, later.number, paused.number]
    body = response.content.decode()
    rows = {t.number: row for t in (late, today, later, paused) for row in body.split("<tr") if t.number in row}
    assert '<span class="badge danger">En retard</span>' in rows[late.number]
    assert "depuis 3 h" in rows[late.number]
    assert '<span class="badge warn">Aujourd&#x27;hui</span>' in rows[today.number]
    assert "dans 3 j" in rows[later.number]
    assert "badge danger" not in rows[later.number] and "badge warn" not in rows[later.number]
    assert "En pause" in rows[paused.number]


def test_the_client_sees_the_expected_dates(client, agent, level):
    """M13.3: « Réponse attendue avant le … » then « Résolution visée avant le … » on the DI, the
    date in the list; nothing on a DI whose contract has no level"""
    ticket = file_di(agent)
    ticket.refresh_from_db()
    plain = file_di(agent, kind="JUR", subject="Question juridique")
    client.force_login(agent)
    page = client.get(f"/support/dis/{ticket.number}/").content.decode()
    due = timezone.localtime(ticket.first_response_due_at).strftime("%d/%m/%Y à %H:%M")
    resolution = timezone.localtime(ticket.resolution_due_at).strftime("%d/%m/%Y à %H:%M")
    assert "Réponse attendue avant le" in page and due in page
    assert page.index("Réponse attendue avant le") < page.index("Résolution visée avant le")
    assert resolution in page
    other = client.get(f"/support/dis/{plain.number}/").content.decode()
    assert "Réponse attendue" not in other and "Résolution visée" not in other
    with CaptureQueriesContext(connection) as queries:
        listing = client.get("/support/dis/")
    assert listing.status_code == 200 and len(queries) <= 10
    rows = listing.content.decode().split("<tr")
    row = next(r for r in rows if ticket.number in r)
    assert "Réponse avant le " + timezone.localtime(ticket.first_response_due_at).strftime("%d/%m/%Y %H:%M") in row
    plain_row = next(r for r in rows if plain.number in r)
    assert "avant le" not in plain_row


def test_the_client_sees_the_clock_suspended_while_the_support_waits_for_them(client, agent, support, level):
    """M13.2 M13.3: while a question waits for the client, the resolution date is suspended"""
    ticket = file_di(agent)
    services.ticket_reply(ticket, acting_user=support, body="Une précision ?", question=True)
    client.force_login(agent)
    page = client.get(f"/support/dis/{ticket.number}/").content.decode()
    assert "Délai suspendu en attendant votre réponse." in page
    assert "Réponse attendue avant le" not in page  # answered already
    assert "Première réponse le" in page


def test_alsace_moselle_establishments_skip_good_friday(agent, est_a, level):
    """M13.1: an establishment of Moselle (57) does not count Good Friday"""
    est_a.department = "57"
    est_a.save()
    agent.establishment.refresh_from_db()
    ticket = file_di(agent)
    moselle = backdate(ticket, paris(2026, 4, 2, 17, 0), now=paris(2026, 4, 2, 17, 0))
    assert moselle.first_response_due_at == paris(2026, 4, 7, 12, 0)
    est_a.department = "69"
    est_a.save()
    lyon = backdate(ticket, paris(2026, 4, 2, 17, 0), now=paris(2026, 4, 2, 17, 0))
    assert lyon.first_response_due_at == paris(2026, 4, 3, 12, 0)


def test_the_vendor_home_counts_due_today_and_late_per_team(client, agent, support, level):
    """M13.4: the vendor's home counts, per team, the DIs due today and those already late"""
    now = timezone.now()
    tickets = [file_di(agent, subject=f"DI {k}") for k in range(3)]
    Ticket.objects.filter(pk=tickets[0].pk).update(due_at=now - timedelta(hours=1))
    Ticket.objects.filter(pk=tickets[1].pk).update(due_at=now - timedelta(days=2))
    local = timezone.localtime(now)
    end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    Ticket.objects.filter(pk=tickets[2].pk).update(due_at=now + (end_of_day - local) / 2)
    client.force_login(support)
    body = client.get("/").content.decode()
    section = body.split('class="due-counts"')[1].split("</section>")[0]
    software = section.split("Support logiciel")[1].split("</tr>")[0]
    assert "1 DI aujourd'hui" in software and "2 DIs en retard" in software
    legal = section.split("Support juridique")[1].split("</tr>")[0]
    assert legal.count("aucune") == 2


def test_due_dates_are_recomputed_after_the_working_hours_change(agent, level, settings, capsys):
    """M13.1: ``recompute_due_dates`` reads again the clock of every open DI (new working hours)"""
    from django.core.management import call_command

    ticket = file_di(agent)
    filed = backdate(ticket, paris(2026, 3, 9, 9, 0), now=paris(2026, 3, 9, 9, 0))
    assert filed.first_response_due_at == paris(2026, 3, 9, 14, 0)
    settings.SERVICE_HOURS = "08:00-18:00"
    call_command("recompute_due_dates")
    assert "1 DI(s)" in capsys.readouterr().out
    ticket.refresh_from_db()
    assert ticket.first_response_due_at == paris(2026, 3, 9, 13, 0)


def test_the_desk_sheet_names_the_level_and_flags_a_di_due_today(client, agent, support, level):
    """M13.3 M13.4: the DI's sheet on the desk (a Jinja2 fragment) names the level, escaped as
    Django escapes, and says « Aujourd'hui » and when it falls due; the client's sheet neither"""
    level.name = "L'offre <b>Standard</b>"
    level.save()
    ticket = file_di(agent)
    local = timezone.localtime(timezone.now())
    end_of_day = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    soon = timezone.now() + min(timedelta(minutes=30), (end_of_day - local) / 2)
    Ticket.objects.filter(pk=ticket.pk).update(first_response_due_at=soon, due_at=soon)
    client.force_login(support)
    page = client.get(f"/guichet/dis/{ticket.number}/").content.decode()
    assert "<dt>Niveau de service</dt><dd>L&#x27;offre &lt;b&gt;Standard&lt;/b&gt; (réponse 4 h" in page
    due = timezone.localtime(soon).strftime("%d/%m/%Y à %H:%M")
    assert f'{due}</time> <span class="badge warn">Aujourd\'hui</span></dd>' in page
    assert "<dt>Échéance</dt><dd>dans " in page
    client.force_login(agent)
    mine = client.get(f"/support/dis/{ticket.number}/").content.decode()
    assert "Réponse attendue avant le" in mine and due in mine
    assert "Niveau de service" not in mine and "Aujourd'hui" not in mine and "Échéance" not in mine
