"""« Rapports » (SPEC M13.5): the service-level figures per team, product and month, for the
vendor's managers (its administrators and the team leads), with charts and CSV/XLSX exports.
Reads precomputed monthly rows only (``reports.selectors``)."""

from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from core.guards import manager_required

from . import charts, exports, formatting, selectors
from .forms import ReportFilterForm

MONTHS = ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."]


def month_label(month):
    return f"{MONTHS[month.month - 1]} {month:%y}"


def _hours_axis(minutes):
    return f"{round(minutes / 60)} h" if minutes >= 60 or minutes == 0 else f"{round(minutes)} min"


def display(label, row):
    """A row of figures as the tables show it."""
    return {
        "label": label,
        "filed": row.filed,
        "answered": row.answered,
        "first_p50": formatting.hours(row.first_response_p50),
        "first_p90": formatting.hours(row.first_response_p90),
        "first_share": formatting.share(row.first_response_share),
        "resolved": row.resolved,
        "resolution_p50": formatting.hours(row.resolution_p50),
        "resolution_p90": formatting.hours(row.resolution_p90),
        "resolution_share": formatting.share(row.resolution_share),
        "surveys": row.surveys,
        "satisfaction": formatting.rating(row.satisfaction),
    }


def _form(request):
    return ReportFilterForm(request.GET or None)


@require_GET
@manager_required
def report(request):
    form = _form(request)
    selection = form.selection()
    rows = selectors.monthly_rows(selection)
    labels = [month_label(row.month) for row in rows]
    filed_chart = charts.bar_chart(
        chart_id="chart-filed",
        title=_("DIs déposées par mois"),
        desc=_(
            "Nombre de DIs déposées chaque mois, de %(first)s à %(last)s ; le tableau ci-dessous donne les mêmes chiffres."
        )
        % {"first": labels[0], "last": labels[-1]},
        labels=labels,
        series=[(_("DIs déposées"), [row.filed for row in rows])],
        value_text=lambda v: f"{round(v)}",
    )
    delay_chart = charts.bar_chart(
        chart_id="chart-delays",
        title=_("Délais médians par mois (heures ouvrées)"),
        desc=_(
            "Médiane du délai de première réponse et du délai de résolution des DIs déposées chaque mois, en temps "
            "ouvré ; le tableau ci-dessous donne les mêmes chiffres avec le 90e centile."
        ),
        labels=labels,
        series=[
            (_("Première réponse"), [row.first_response_p50 for row in rows]),
            (_("Résolution"), [row.resolution_p50 for row in rows]),
        ],
        value_text=_hours_axis,
        bar_text=formatting.hours,
    )
    computed = [row.computed_at for row in rows if row.computed_at]
    return render(
        request,
        "reports/report.html",
        {
            "form": form,
            "selection": selection,
            "rows": [display(month_label(row.month), row) for row in rows],
            "products": [display(row.product.name, row) for row in selectors.product_rows(selection)],
            "last_label": labels[-1],
            "filed_chart": filed_chart,
            "delay_chart": delay_chart,
            "computed_at": max(computed) if computed else None,
            "query": request.GET.urlencode(),
        },
    )


def _export(request, render_rows, content_type, extension):
    selection = _form(request).selection()
    body = render_rows(selectors.export_rows(selection))
    response = HttpResponse(body, content_type=content_type)
    name = f"niveaux-de-service-{selection.first:%Y-%m}-{selection.last:%Y-%m}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@require_GET
@manager_required
def export_csv(request):
    return _export(request, exports.to_csv, "text/csv; charset=utf-8", "csv")


@require_GET
@manager_required
def export_xlsx(request):
    return _export(
        request, exports.to_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"
    )
