from celery import shared_task

from .services import password_reset_deliver


@shared_task(name="accounts.deliver_password_reset")
def deliver_password_reset(email):
    password_reset_deliver(email)
