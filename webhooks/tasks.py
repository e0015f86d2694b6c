from celery import shared_task

from .services import deliveries_due, delivery_attempt


@shared_task(name="webhooks.deliver")
def deliver(delivery_id):
    delivery_attempt(delivery_id)


@shared_task(name="webhooks.deliver_due")
def deliver_due():
    return deliveries_due()
