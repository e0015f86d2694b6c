import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("espace_clients")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.conf.beat_schedule = {
    "deliver-pending-emails": {"task": "notifications.deliver_pending_emails", "schedule": 60.0},
    "close-expired-dis": {"task": "support.close_expired_dis", "schedule": 3600.0},
}
