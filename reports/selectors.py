"""What the report page reads: precomputed monthly rows only (``reports.services``), a few dozen
rows whatever the number of DIs."""

from dataclasses import dataclass

from core.prepared import Prepared
from establishments.models import Product

from .models import ALL_TEAMS, MonthlyFigures
from .services import add_months


@dataclass
class Selection:
    team: str  # ALL_TEAMS or a Team value
    product: object  # a Product or None
    first: object  # first month (date)
    last: object  # last month (date)

    @property
    def months(self):
        month, months = self.first, []
        while month <= self.last:
            months.append(month)
            month = add_months(month, 1)
        return months


def _empty(month, selection):
    return MonthlyFigures(month=month, team=selection.team, product=selection.product, computed_at=None)


# The report's two reads, prepared (compiled once per shape: docs/performance.md); on SQLite, whose
# backend sends dates as texts, they go through the ORM.
_MONTHLY = Prepared(
    lambda team, first, last, product_id: (
        MonthlyFigures.objects.filter(team=team, month__gte=first, month__lte=last)
        .filter(**({"product_id": product_id} if product_id else {"product__isnull": True}))
        .order_by("month")
    )
)
_PER_PRODUCT = Prepared(
    lambda month, team, product_id: MonthlyFigures.objects.filter(
        month=month,
        product__isnull=False,
        **({} if team == ALL_TEAMS else {"team": team}),
        **({"product_id": product_id} if product_id else {}),
    ).select_related("product")
)


def _product_id(selection):
    return selection.product.pk if selection.product is not None else None


def monthly_rows(selection):
    """One row per month of the selection (an empty one for a month without DIs), oldest first."""
    rows = _MONTHLY.run(
        team=selection.team, first=selection.first, last=selection.last, product_id=_product_id(selection)
    )
    found = {row.month: row for row in rows}
    return [found.get(month) or _empty(month, selection) for month in selection.months]


def product_rows(selection):
    """The last month of the selection, per product (of the selected team)."""
    rows = _PER_PRODUCT.run(month=selection.last, team=selection.team, product_id=_product_id(selection))
    return sorted(rows, key=lambda row: row.product.name)


def export_rows(selection):
    """Every row of the selection's months, per team and product and their totals, for the exports."""
    rows = MonthlyFigures.objects.filter(month__gte=selection.first, month__lte=selection.last).select_related(
        "product"
    )
    if selection.team != ALL_TEAMS:
        rows = rows.filter(team=selection.team)
    if selection.product is not None:
        rows = rows.filter(product=selection.product)
    return sorted(rows, key=lambda r: (r.month, r.team == ALL_TEAMS, r.team, r.product is None, str(r.product or "")))


def products():
    return list(Product.objects.order_by("name"))
