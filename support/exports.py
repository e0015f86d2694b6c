"""« Exporter »: a list of DIs with its current filters, as CSV (semicolons, UTF-8 with BOM: opens
in a French spreadsheet) or XLSX (SPEC M15.5).

Streamed in constant memory: the rows are read with ``iterator(chunk_size=…)`` as flat values
(no model instances, no relations held), each CSV line is sent as it is written; the XLSX file is
built by openpyxl's write-only mode into a temporary file, then sent in chunks. 100,000 DIs
cost the same memory as 100 (``bench``: time and the worker's memory growth)."""

import csv
import tempfile

from django.http import StreamingHttpResponse
from django.utils import timezone
from openpyxl import Workbook

from .models import Status, Team

CHUNK_SIZE = 2000  # rows read from the database at a time
FILE_CHUNK = 64 * 1024

# (header, value read) in the order of the columns; the people and the establishment as names.
COLUMNS = (
    ("N°", "number"),
    ("Déposée le", "created_at"),
    ("Objet", "subject"),
    ("Établissement", "establishment__name"),
    ("Contrat", "contract__reference"),
    ("Produit", "contract__product__name"),
    ("Équipe", "team"),
    ("Statut", "status"),
    ("Agent (propriétaire)", ("owner__first_name", "owner__last_name")),
    ("Support", ("assignee__first_name", "assignee__last_name")),
    ("Échéance", "due_at"),
    ("Dernière activité", "last_activity_at"),
)
CLIENT_COLUMNS = tuple(column for column in COLUMNS if column[1] != "establishment__name")

STATUS_LABELS = dict(Status.choices)
TEAM_LABELS = dict(Team.choices)


def _fields(columns):
    for _header, source in columns:
        yield from (source if isinstance(source, tuple) else (source,))


def _text(value):
    """A text cell never read as a formula by a spreadsheet (« =… », « +… », « -… », « @… »)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _local(moment):
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def rows(tickets, columns):
    """The export's rows (lists of cell values) of ``tickets``, read ``CHUNK_SIZE`` at a time."""
    fields = list(_fields(columns))
    for record in tickets.values_list(*fields).iterator(chunk_size=CHUNK_SIZE):
        values = dict(zip(fields, record, strict=True))
        row = []
        for _header, source in columns:
            if isinstance(source, tuple):
                row.append(_text(" ".join(filter(None, (values[name] for name in source)))))
            elif source == "status":
                row.append(str(STATUS_LABELS.get(values[source], values[source])))
            elif source == "team":
                row.append(str(TEAM_LABELS.get(values[source], values[source])))
            elif source.endswith("_at"):
                row.append(_local(values[source]))
            else:
                row.append(_text(values[source] or ""))
        yield row


class _Line:
    """A file-like object whose ``write`` hands the line back (csv.writer writes one line at a time)."""

    def write(self, value):
        return value


def csv_chunks(tickets, columns):
    writer = csv.writer(_Line(), delimiter=";")
    yield ("\ufeff" + writer.writerow([header for header, _source in columns])).encode()
    for row in rows(tickets, columns):
        cells = [
            "" if value is None else value.strftime("%d/%m/%Y %H:%M") if hasattr(value, "strftime") else value
            for value in row
        ]
        yield writer.writerow(cells).encode()


def xlsx_chunks(tickets, columns):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("DIs")
    sheet.append([header for header, _source in columns])
    for row in rows(tickets, columns):
        sheet.append(row)
    with tempfile.TemporaryFile() as out:
        workbook.save(out)
        out.seek(0)
        while chunk := out.read(FILE_CHUNK):
            yield chunk


FORMATS = {
    "csv": (csv_chunks, "text/csv; charset=utf-8"),
    "xlsx": (xlsx_chunks, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
}


def export_response(tickets, fmt, *, columns=COLUMNS, name="dis"):
    """The streamed answer of an export of ``tickets`` (a queryset, filtered and sorted)."""
    chunks, content_type = FORMATS[fmt]
    response = StreamingHttpResponse(chunks(tickets, columns), content_type=content_type)
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="{name}-{stamp}.{fmt}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
