"""The report's rows as CSV (semicolons, UTF-8 with BOM: opens in a French spreadsheet) and as
XLSX (openpyxl's write-only mode: rows are streamed to the file, not held as cells)."""

import csv
import io

from openpyxl import Workbook

from support.models import Team

from . import formatting
from .models import ALL_TEAMS

HEADERS = [
    "Mois",
    "Équipe",
    "Produit",
    "DIs déposées",
    "DIs répondues",
    "Première réponse médiane (heures ouvrées)",
    "Première réponse P90 (heures ouvrées)",
    "Première réponse dans le délai (%)",
    "DIs résolues",
    "Résolution médiane (heures ouvrées)",
    "Résolution P90 (heures ouvrées)",
    "Résolution dans le délai (%)",
    "Questionnaires",
    "Satisfaction moyenne (sur 5)",
]


def _percent(value):
    return None if value is None else round(value * 100, 1)


def _text(value):
    """A text cell never read as a formula by a spreadsheet (« =… », « +… », « -… », « @… »)."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


def values(row):
    return [
        row.month.strftime("%Y-%m"),
        "Toutes" if row.team == ALL_TEAMS else str(Team(row.team).label),
        _text(row.product.name) if row.product_id else "Tous",
        row.filed,
        row.answered,
        formatting.decimal_hours(row.first_response_p50),
        formatting.decimal_hours(row.first_response_p90),
        _percent(row.first_response_share),
        row.resolved,
        formatting.decimal_hours(row.resolution_p50),
        formatting.decimal_hours(row.resolution_p90),
        _percent(row.resolution_share),
        row.surveys,
        None if row.satisfaction is None else round(row.satisfaction, 2),
    ]


def to_csv(rows):
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, delimiter=";")
    writer.writerow(HEADERS)
    for row in rows:
        writer.writerow(
            ["" if v is None else str(v).replace(".", ",") if isinstance(v, float) else v for v in values(row)]
        )
    return out.getvalue().encode("utf-8")


def to_xlsx(rows):
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Niveaux de service")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(values(row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
