import logging
import os
import time

from celery import Celery
from celery.schedules import crontab
from celery.signals import task_postrun, task_prerun

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("espace_clients")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "deliver-pending-emails": {"task": "notifications.deliver_pending_emails", "schedule": 60.0},
    # Webhooks whose retry is due, and any delivery a worker lost.
    "deliver-due-webhooks": {"task": "webhooks.deliver_due", "schedule": 60.0, "options": {"expires": 300}},
    # Does nothing unless INBOUND_IMAP_URL is set (replies by e-mail are off by default).
    "fetch-replies": {
        "task": "inbound.fetch_replies",
        "schedule": float(os.environ.get("INBOUND_FETCH_INTERVAL", "60")),
        "options": {"expires": 300},
    },
    "close-expired-dis": {"task": "support.close_expired_dis", "schedule": 3600.0},
    "purge-expired-data": {"task": "ops.purge_expired_data", "schedule": crontab(hour=3, minute=17)},
    "refresh-recent-report-months": {"task": "reports.refresh_recent_months", "schedule": crontab(hour=2, minute=41)},
}


@app.on_after_configure.connect
def _service_level_jobs(sender, **kwargs):
    """Service levels (SPEC M13): the team leads' morning list of late DIs and the reports'
    refresh, at times that are settings (read once Django's settings are loaded, not at import:
    the settings module itself imports this package)."""
    from django.conf import settings

    sender.add_periodic_task(
        crontab(hour=settings.LATE_DIGEST_HOUR, minute=0),
        sender.signature("support.send_late_digests"),
        name="send-late-digests",
    )
    sender.add_periodic_task(
        settings.REPORTS_REFRESH_MINUTES * 60.0,
        sender.signature("reports.refresh_figures"),
        name="refresh-report-figures",
    )


# One log line per job (JSON in production, like the requests).
job_logger = logging.getLogger("espace.job")
_started = {}


@task_prerun.connect
def _job_started(task_id=None, task=None, **kwargs):
    _started[task_id] = time.monotonic()


@task_postrun.connect
def _job_finished(task_id=None, task=None, state=None, **kwargs):
    started = _started.pop(task_id, None)
    duration = round((time.monotonic() - started) * 1000, 1) if started else None
    job_logger.info("%s %s", task.name, state, extra={"task": task.name, "task_id": task_id, "duration_ms": duration})
