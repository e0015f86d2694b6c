"""« Exporter » on the client's list and on the desk: CSV and XLSX, the current filters, streamed
in constant memory (M15.5)."""

import csv
import io
import tracemalloc

import pytest
from openpyxl import load_workbook

from support import exports
from support.models import Team, Ticket
from testing.tickets import contract_of, file_di

pytestmark = pytest.mark.django_db


def body(response):
    assert response.streaming
    return b"".join(response.streaming_content)


def csv_rows(response):
    text = body(response).decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:]), delimiter=";"))


def test_the_clients_export_is_the_list_with_its_filters(client, agent, colleague, other_agent):
    """M15.5"""
    mine = file_di(agent, subject="Bulletins bloqués")
    file_di(colleague, subject="Congés payés")
    file_di(other_agent, subject="Secret de Bêta")
    client.force_login(agent)
    rows = csv_rows(client.get("/support/exporter/csv/?q=bulletins"))
    assert rows[0][:3] == ["N°", "Déposée le", "Objet"] and "Établissement" not in rows[0]
    assert [row[0] for row in rows[1:]] == [mine.number]
    assert rows[1][2] == "Bulletins bloqués" and rows[1][6] == "A traiter"
    assert len(csv_rows(client.get("/support/exporter/csv/"))) == 3  # the establishment's two DIs


def test_the_list_page_offers_the_export_with_its_filters(client, agent):
    """M15.5"""
    client.force_login(agent)
    page = client.get("/support/dis/?q=paie&page=2").content.decode()
    assert 'href="/support/exporter/csv/?q=paie"' in page and 'href="/support/exporter/xlsx/?q=paie"' in page


def test_the_xlsx_export_opens_in_a_spreadsheet(client, agent):
    """M15.5"""
    ticket = file_di(agent, subject='=HYPERLINK("http://example.com")')
    client.force_login(agent)
    response = client.get("/support/exporter/xlsx/")
    assert response["Content-Disposition"].startswith('attachment; filename="dis-')
    sheet = load_workbook(io.BytesIO(body(response)), read_only=True).active
    rows = list(sheet.values)
    assert rows[0][0] == "N°" and rows[1][0] == ticket.number
    assert rows[1][2].startswith("'=")  # never read as a formula


def test_the_desk_export_takes_the_desks_filters(client, agent, other_agent, support):
    """M15.5"""
    file_di(agent)
    theirs = file_di(other_agent)
    client.force_login(support)
    rows = csv_rows(client.get("/guichet/exporter/csv/?etablissement=beta"))
    assert "Établissement" in rows[0]
    assert [row[0] for row in rows[1:]] == [theirs.number] and "EHPAD Bêta" in rows[1]
    page = client.get("/guichet/?etablissement=beta").content.decode()
    assert 'href="/guichet/exporter/xlsx/?etablissement=beta"' in page


def test_a_client_may_not_export_the_desk(client, agent):
    """M15.5"""
    client.force_login(agent)
    assert client.get("/guichet/exporter/csv/").status_code == 403


def _many(agent, count):
    """``count`` DIs of the agent's establishment, written directly (the export reads, it does not act)."""
    contract = contract_of(agent.establishment)
    start = Ticket.objects.count()
    Ticket.objects.bulk_create(
        Ticket(
            number=f"DI-2026-{start + i + 1:06d}",
            establishment=agent.establishment,
            contract=contract,
            team=Team.SOFTWARE,
            owner=agent,
            author=agent,
            subject=f"Demande numéro {i} " + "x" * 150,
            description="d" * 500,
        )
        for i in range(count)
    )


def _peak(client, url):
    tracemalloc.start()
    try:
        for _chunk in client.get(url).streaming_content:
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_of_five_times_more_dis_takes_no_more_memory(client, agent, fmt, monkeypatch):
    """M15.5: the rows are read a chunk at a time (a small chunk here, so that both exports span
    many), the lines sent as written: the peak of memory does not follow the number of DIs."""
    monkeypatch.setattr(exports, "CHUNK_SIZE", 100)
    client.force_login(agent)
    _many(agent, 1000)
    _peak(client, f"/support/exporter/{fmt}/")  # the first request loads what every request uses
    small = _peak(client, f"/support/exporter/{fmt}/")
    _many(agent, 4000)
    large = _peak(client, f"/support/exporter/{fmt}/")
    assert large < small * 1.3 + 256 * 1024, (small, large)
