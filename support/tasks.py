from celery import shared_task

from . import services


@shared_task(name="support.close_expired_dis")
def close_expired_dis():
    """Close the DIs whose closure validation delay ran out (run hourly by Celery beat)."""
    return services.tickets_auto_close()


@shared_task(name="support.send_late_digests")
def send_late_digests():
    """Each team's lead gets the list of the team's late DIs (daily, Celery beat)."""
    return services.late_digest_send()
