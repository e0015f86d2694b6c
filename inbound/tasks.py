from celery import shared_task

from . import services, tokens


@shared_task(
    name="inbound.fetch_replies",
    autoretry_for=(services.MailboxUnavailable,),
    retry_backoff=30,  # 30 s, 60 s, 120 s… while the mailbox is down
    retry_backoff_max=900,
    retry_jitter=True,
    max_retries=6,
)
def fetch_replies_task():
    """Read the replies' mailbox (run every INBOUND_FETCH_INTERVAL seconds by Celery beat)."""
    if not tokens.enabled():
        return {}
    return dict(services.fetch_replies())
