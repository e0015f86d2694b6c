"""The reports' monthly figures (SPEC M13.5, M13.6), computed from the DIs.

A month's figures are those of the DIs filed in it, per team and product, per team, and for
every team together: DIs filed; first response (answered DIs, median and 90th percentile of
their working time, share within target); resolution (closed DIs, the same on the clock's
working time, waits on the client excluded); satisfaction. Percentiles need every value, so a
month is recomputed whole, in Python, from one read of its DIs (``compute_month``); the report
page reads only these rows.

Kept current by ``refresh_changed`` (every REPORTS_REFRESH_MINUTES by Celery beat: the months of
the DIs changed since the last refresh — every write of the services moves ``last_activity_at``
— and the current month), ``refresh_recent`` (nightly: the last REPORTS_RECENT_MONTHS months,
whose open DIs pass their deadlines with time) and ``rebuild`` (the command ``compute_reports``).
"""

import math
from collections import defaultdict
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from support.models import OPEN_STATUSES, Status, SurveyAnswer, Ticket

from .models import ALL_TEAMS, MonthlyFigures, RefreshMark


def percentile(values, q):
    """The ``q`` quantile (0..1) of sorted ``values`` by linear interpolation (as PostgreSQL's
    ``percentile_cont``; the median of an even count is the mean of the middle two), rounded to
    the minute; None for no value."""
    if not values:
        return None
    position = (len(values) - 1) * q
    low = math.floor(position)
    high = min(low + 1, len(values) - 1)
    return round(values[low] + (values[high] - values[low]) * (position - low))


def month_bounds(month):
    """[start, end) of a month (a date, its first day) in the portal's time zone."""
    tz = timezone.get_current_timezone()
    start = datetime(month.year, month.month, 1, tzinfo=tz)
    following = (start + timedelta(days=32)).replace(day=1)
    return start, datetime(following.year, following.month, 1, tzinfo=tz)


def month_of(moment):
    return timezone.localtime(moment).date().replace(day=1)


def add_months(month, count):
    index = month.year * 12 + month.month - 1 + count
    return month.replace(year=index // 12, month=index % 12 + 1, day=1)


class _Group:
    def __init__(self):
        self.filed = 0
        self.first_times, self.resolution_times = [], []
        self.first_decided = self.first_met = 0
        self.resolution_decided = self.resolution_met = 0
        self.rating_sum = self.ratings = self.surveys = 0


COLUMNS = (
    "team",
    "contract__product_id",
    "status",
    "first_response_minutes",
    "first_response_due_at",
    "resolution_due_at",
    "clock_minutes",
    "service_level__first_response_hours",
    "service_level__resolution_hours",
)


def compute_month(month, now=None):
    """Recompute the figures of ``month`` (a date, its first day) from its DIs; returns its rows."""
    now = now or timezone.now()
    start, end = month_bounds(month)
    groups = defaultdict(_Group)
    open_statuses = set(OPEN_STATUSES)
    tickets = Ticket.objects.filter(created_at__gte=start, created_at__lt=end).values_list(*COLUMNS).order_by()
    for (
        team,
        product,
        status,
        first,
        first_due,
        resolution_due,
        clock,
        first_target,
        resolution_target,
    ) in tickets.iterator(chunk_size=5000):
        keys = ((team, product), (team, None), (ALL_TEAMS, None))
        is_open = status in open_statuses
        for key in keys:
            group = groups[key]
            group.filed += 1
            if first is not None:
                group.first_times.append(first)
            if status == Status.CLOSED:
                group.resolution_times.append(clock)
            if first_target is not None:
                if first is not None:
                    group.first_decided += 1
                    group.first_met += first <= first_target * 60
                elif is_open and first_due is not None and first_due < now:
                    group.first_decided += 1  # unanswered and already late: a miss
                if status == Status.CLOSED:
                    group.resolution_decided += 1
                    group.resolution_met += clock <= resolution_target * 60
                elif is_open and resolution_due is not None and resolution_due < now:
                    group.resolution_decided += 1
    answers = (
        SurveyAnswer.objects.filter(response__ticket__created_at__gte=start, response__ticket__created_at__lt=end)
        .values("response__ticket__team", "response__ticket__contract__product_id")
        .annotate(total=Sum("rating"), n=Count("pk"), surveys=Count("response", distinct=True))
        .order_by()
    )
    for row in answers:
        team, product = row["response__ticket__team"], row["response__ticket__contract__product_id"]
        for key in ((team, product), (team, None), (ALL_TEAMS, None)):
            group = groups[key]
            group.rating_sum += row["total"]
            group.ratings += row["n"]
            group.surveys += row["surveys"]
    rows = []
    for (team, product), group in groups.items():
        group.first_times.sort()
        group.resolution_times.sort()
        rows.append(
            MonthlyFigures(
                month=month,
                team=team,
                product_id=product,
                filed=group.filed,
                answered=len(group.first_times),
                first_response_p50=percentile(group.first_times, 0.5),
                first_response_p90=percentile(group.first_times, 0.9),
                first_response_decided=group.first_decided,
                first_response_met=group.first_met,
                resolved=len(group.resolution_times),
                resolution_p50=percentile(group.resolution_times, 0.5),
                resolution_p90=percentile(group.resolution_times, 0.9),
                resolution_decided=group.resolution_decided,
                resolution_met=group.resolution_met,
                surveys=group.surveys,
                satisfaction=group.rating_sum / group.ratings if group.ratings else None,
                computed_at=now,
            )
        )
    with transaction.atomic():
        MonthlyFigures.objects.filter(month=month).delete()
        MonthlyFigures.objects.bulk_create(rows)
    return rows


def _mark(now):
    with transaction.atomic():
        mark = RefreshMark.objects.select_for_update().first()
        previous = mark.refreshed_at if mark else None
        if mark is None:
            RefreshMark.objects.create(refreshed_at=now)
        else:
            RefreshMark.objects.filter(pk=mark.pk).update(refreshed_at=now)
    return previous


def refresh_changed(now=None):
    """Recompute the months of the DIs changed since the last refresh, and the current month.
    The first refresh rebuilds every month. Returns the months recomputed."""
    now = now or timezone.now()
    since = _mark(now)
    if since is None:
        return rebuild(now)
    changed = Ticket.objects.filter(last_activity_at__gte=since).datetimes("created_at", "month")
    months = sorted({month_of(moment) for moment in changed} | {month_of(now)})
    for month in months:
        compute_month(month, now)
    return months


def refresh_recent(now=None):
    """Recompute the last REPORTS_RECENT_MONTHS months (their open DIs pass deadlines with time)."""
    now = now or timezone.now()
    current = month_of(now)
    months = [add_months(current, -k) for k in range(settings.REPORTS_RECENT_MONTHS)]
    for month in months:
        compute_month(month, now)
    return months


def rebuild(now=None, since=None):
    """Recompute every month from the first DI's (or ``since``) to the current one."""
    now = now or timezone.now()
    if since is None:
        _mark(now)
    first = Ticket.objects.order_by("created_at").values_list("created_at", flat=True).first()
    if first is None:
        return []
    month = max(month_of(first), since) if since else month_of(first)
    months = []
    while month <= month_of(now):
        compute_month(month, now)
        months.append(month)
        month = add_months(month, 1)
    return months
