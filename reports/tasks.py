from celery import shared_task

from . import services


@shared_task(name="reports.refresh_figures")
def refresh_figures():
    """The months whose DIs changed since the last run, and the current one."""
    return len(services.refresh_changed())


@shared_task(name="reports.refresh_recent_months")
def refresh_recent_months():
    """Nightly: the last REPORTS_RECENT_MONTHS months."""
    return len(services.refresh_recent())
