from celery import shared_task

from .services import email_deliver, email_deliver_pending


@shared_task(name="notifications.deliver_emails")
def deliver_emails(email_ids):
    for email_id in email_ids:
        email_deliver(email_id)


@shared_task(name="notifications.deliver_pending_emails")
def deliver_pending_emails():
    return email_deliver_pending()
