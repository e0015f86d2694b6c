"""The service-level reports (SPEC M13.5, M13.6): monthly figures computed from the DIs, the
page for the vendor's managers with its charts, the CSV and XLSX exports."""

import csv
import io
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from accounts.models import Role
from reports import services
from reports.models import ALL_TEAMS, MonthlyFigures
from support.models import Status, SurveyAnswer, SurveyQuestion, SurveyResponse, Ticket
from testing.personas import make_user
from testing.service_levels import give_level, make_level, paris
from testing.tickets import contract_of, file_di

MARCH = date(2026, 3, 1)


@pytest.fixture
def march(agent, est_a, support):
    """Five software DIs filed in March 2026 under a 4 h / 16 h level, answered after 30, 60, 90,
    120 and 600 working minutes and closed after 300, 600, 900, 1200 and 1500; one legal DI
    without level, open; one software DI of April."""
    level = make_level(first=4, resolution=16)
    give_level(contract_of(est_a, "SW"), level)
    tickets = []
    for k, (first, clock) in enumerate(zip([30, 60, 90, 120, 600], [300, 600, 900, 1200, 1500], strict=True)):
        ticket = file_di(agent, subject=f"DI de mars {k}")
        Ticket.objects.filter(pk=ticket.pk).update(
            created_at=paris(2026, 3, 2 + k, 9, 0),
            status=Status.CLOSED,
            assignee=support,
            first_response_at=paris(2026, 3, 2 + k, 10, 0),
            first_response_minutes=first,
            clock_minutes=clock,
            closed_at=paris(2026, 3, 20, 9, 0),
            due_at=None,
        )
        tickets.append(ticket)
    legal = file_di(agent, kind="JUR", subject="Question de mars")
    Ticket.objects.filter(pk=legal.pk).update(created_at=paris(2026, 3, 31, 23, 30))
    april = file_di(agent, subject="DI d'avril")
    Ticket.objects.filter(pk=april.pk).update(created_at=paris(2026, 4, 1, 0, 30))
    questions = list(SurveyQuestion.objects.filter(is_active=True))
    for ticket, rating in ((tickets[0], 5), (tickets[1], 2)):
        response = SurveyResponse.objects.create(ticket=ticket, respondent=agent)
        SurveyAnswer.objects.bulk_create(SurveyAnswer(response=response, question=q, rating=rating) for q in questions)
    return tickets


def figures(team, product=None, month=MARCH):
    return MonthlyFigures.objects.get(month=month, team=team, product=product)


def test_percentiles_interpolate_like_postgresql():
    """M13.5: the median of an even count is the mean of the middle two; P90 interpolates"""
    assert services.percentile([], 0.5) is None
    assert services.percentile([10], 0.9) == 10
    assert services.percentile([10, 20, 30, 40], 0.5) == 25
    assert services.percentile([30, 60, 90, 120, 600], 0.9) == 408


def test_a_month_is_computed_per_team_and_product(march, products):
    """M13.5: DIs filed, median and P90 of first response and resolution, share within target,
    satisfaction — per team and product, per team, all teams; months in Paris time"""
    services.compute_month(MARCH, now=paris(2026, 4, 15, 9, 0))
    software = figures("software", products["software"])
    assert software.filed == 5 and software.answered == 5 and software.resolved == 5
    assert (software.first_response_p50, software.first_response_p90) == (90, 408)
    assert (software.resolution_p50, software.resolution_p90) == (900, 1380)
    # 600 min > 4 h: four answers of five in time; 1,200 and 1,500 min > 16 h: three of five.
    assert (software.first_response_met, software.first_response_decided) == (4, 5)
    assert (software.resolution_met, software.resolution_decided) == (3, 5)
    assert software.surveys == 2 and software.satisfaction == pytest.approx(3.5)
    assert figures("software").filed == 5
    legal = figures("legal")
    assert legal.filed == 1 and legal.answered == 0 and legal.first_response_share is None  # 23:30 on 31 March
    everyone = figures(ALL_TEAMS)
    assert everyone.filed == 6 and everyone.first_response_p50 == 90
    assert MonthlyFigures.objects.filter(month=date(2026, 4, 1)).count() == 0


def test_an_unanswered_late_di_counts_as_a_miss(agent, est_a):
    """M13.5: an open DI past its first-response deadline counts against the share within target"""
    give_level(contract_of(est_a, "SW"), make_level())
    ticket = file_di(agent)
    Ticket.objects.filter(pk=ticket.pk).update(
        created_at=paris(2026, 3, 2, 9, 0), first_response_due_at=paris(2026, 3, 2, 14, 0)
    )
    services.compute_month(MARCH, now=paris(2026, 3, 3, 9, 0))
    row = figures("software")
    assert (row.first_response_met, row.first_response_decided) == (0, 1)


def test_the_refresh_recomputes_the_months_whose_dis_changed(march, support):
    """M13.6: every few minutes, the months of the DIs changed since the last refresh are recomputed"""
    assert len(services.refresh_changed()) >= 2  # the first refresh rebuilds every month
    Ticket.objects.filter(pk=march[0].pk).update(first_response_minutes=3000)
    assert figures("software").first_response_met == 4
    Ticket.objects.filter(pk=march[0].pk).update(last_activity_at=timezone.now() + timedelta(seconds=1))
    months = services.refresh_changed(now=timezone.now() + timedelta(seconds=1))
    assert MARCH in months
    assert figures("software").first_response_met == 3


def test_the_command_computes_every_month(march, capsys):
    """M13.6: ``compute_reports`` computes the monthly figures (the benchmark's data set too)"""
    call_command("compute_reports")
    assert "mois calculé" in capsys.readouterr().out
    assert figures(ALL_TEAMS).filed == 6


@pytest.fixture
def computed(march):
    services.rebuild()
    return march


PARAMS = {"equipe": "software", "du": "2026-01", "au": "2026-04"}


def test_the_report_page_shows_months_products_and_charts(client, vendor_admin, computed, products):
    """M13.5: the managers' page: a row per month, a row per product, two SVG charts with a title
    and a description, read from the precomputed figures in a bounded number of queries"""
    client.force_login(vendor_admin)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/rapports/", PARAMS)
    assert response.status_code == 200 and len(queries) <= 10
    body = response.content.decode()
    march_row = body.split("mars 26</th>")[1].split("</tr>")[0]
    cells = [cell.split("</td>")[0] for cell in march_row.split("<td>")[1:]]
    assert cells == [
        "5",
        "5",
        "1 h 30",
        "6 h 48",
        "80\u202f%",
        "5",
        "15 h",
        "23 h",
        "60\u202f%",
        "2",
        "3,5\xa0sur\xa05",
    ]
    assert '<svg class="chart"' in body and body.count('role="img"') == 2
    assert '<title id="chart-filed-title">DIs déposées par mois</title>' in body
    assert 'aria-labelledby="chart-delays-title chart-delays-desc"' in body
    assert "Première réponse, mars 26 : 1 h 30" in body  # a bar's own text
    assert "Par produit : avr. 26" in body
    assert "Chiffres calculés le" in body


def test_team_leads_and_vendor_admins_read_the_reports_others_do_not(client, support, computed):
    """M13.5: the reports are for the vendor's managers: its administrators and the team leads"""
    client.force_login(support)
    assert client.get("/rapports/").status_code == 403
    lead = make_user("cheffe@vendor.example", None, Role.SUPPORT_LEGAL, is_team_lead=True)
    client.force_login(lead)
    assert client.get("/rapports/").status_code == 200
    assert "Rapports" in client.get("/").content.decode()


def test_a_bad_month_is_shown_next_to_its_field(client, vendor_admin, computed):
    """M13.5: a month that is not AAAA-MM, or a period the wrong way round, gets a French error
    next to its field; the page still shows the last 12 months"""
    client.force_login(vendor_admin)
    body = client.get("/rapports/", {"du": "mars", "au": "2026-04"}).content.decode()
    assert 'id="id_du_error"' in body and "Indiquez un mois au format AAAA-MM" in body
    body = client.get("/rapports/", {"du": "2026-05", "au": "2026-04"}).content.decode()
    assert 'id="id_au_error"' in body and "Le dernier mois doit suivre le premier." in body


def test_the_csv_export(client, vendor_admin, computed, products):
    """M13.5: the CSV export holds every month, team and product of the selection"""
    client.force_login(vendor_admin)
    response = client.get("/rapports/export.csv", PARAMS)
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert 'filename="niveaux-de-service-2026-01-2026-04.csv"' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Mois", "Équipe", "Produit", "DIs déposées"]
    march = [row for row in rows if row[0] == "2026-03"]
    assert [
        "2026-03",
        "Support logiciel",
        "Indeline",
        "5",
        "5",
        "1,5",
        "6,8",
        "80,0",
        "5",
        "15,0",
        "23,0",
        "60,0",
        "2",
        "3,5",
    ] in march
    assert march[-1][:3] == ["2026-03", "Support logiciel", "Tous"]


def test_the_xlsx_export(client, vendor_admin, computed, products):
    """M13.5: the XLSX export holds the same rows, numbers as numbers"""
    client.force_login(vendor_admin)
    response = client.get("/rapports/export.xlsx", PARAMS)
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "Mois"
    assert ["2026-03", "Support logiciel", "Indeline", 5, 5, 1.5, 6.8, 80.0, 5, 15.0, 23.0, 60.0, 2, 3.5] in rows


def test_a_product_name_is_never_a_formula_in_the_exports(client, vendor_admin, computed, products):
    """M13.5: a text cell starting with « = » is exported as text"""
    products["software"].name = "=HYPERLINK(1)"
    products["software"].save()
    client.force_login(vendor_admin)
    body = client.get("/rapports/export.csv", PARAMS).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in body


def test_celery_beat_runs_the_refresh_and_the_late_digest(settings):
    """M13.4 M13.6: Celery beat refreshes the figures every REPORTS_REFRESH_MINUTES, the recent
    months nightly, and sends the late DIs' e-mail at LATE_DIGEST_HOUR"""
    from config.celery import app

    schedule = app.conf.beat_schedule
    assert schedule["refresh-report-figures"]["task"] == "reports.refresh_figures"
    assert schedule["refresh-report-figures"]["schedule"] == settings.REPORTS_REFRESH_MINUTES * 60.0
    assert schedule["refresh-recent-report-months"]["task"] == "reports.refresh_recent_months"
    digest = schedule["send-late-digests"]
    assert digest["task"] == "support.send_late_digests"
    assert digest["schedule"].hour == {settings.LATE_DIGEST_HOUR} and digest["schedule"].minute == {0}


def test_the_prepared_reads_are_the_orm_s_for_each_team_and_product(computed, products):
    """M13.5: the page's two reads, compiled once (on PostgreSQL), give the ORM's rows for every
    team and product chosen, and each selection its own months"""
    from reports import selectors
    from reports.selectors import Selection

    def orm_months(selection):
        rows = MonthlyFigures.objects.filter(
            team=selection.team, month__gte=selection.first, month__lte=selection.last
        ).order_by("month")
        rows = rows.filter(product=selection.product) if selection.product else rows.filter(product__isnull=True)
        return [(row.pk, row.month, row.filed) for row in rows]

    def orm_products(selection):
        rows = MonthlyFigures.objects.filter(month=selection.last, product__isnull=False)
        rows = rows if selection.team == ALL_TEAMS else rows.filter(team=selection.team)
        rows = rows.filter(product=selection.product) if selection.product else rows
        return sorted((row.product.name, row.pk) for row in rows)

    seen = set()
    for team in (ALL_TEAMS, "software", "legal"):
        for product in (None, *products.values()):
            for first, last in ((date(2026, 1, 1), date(2026, 4, 1)), (date(2026, 3, 1), date(2026, 3, 1))):
                selection = Selection(team=team, product=product, first=first, last=last)
                months = [(row.pk, row.month, row.filed) for row in selectors.monthly_rows(selection) if row.pk]
                assert months == orm_months(selection)
                assert [(row.product.name, row.pk) for row in selectors.product_rows(selection)] == orm_products(
                    selection
                )
                seen.update(pk for pk, _month, _filed in months)
    assert seen  # the selections did find rows
    if connection.vendor == "postgresql":  # SQLite's backend sends dates as texts: the ORM answers there
        from core.prepared import NOT_PREPARABLE

        for prepared in (selectors._MONTHLY, selectors._PER_PRODUCT):
            assert prepared._shapes.values() and NOT_PREPARABLE not in prepared._shapes.values()
