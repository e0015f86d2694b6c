from celery import shared_task

from .maintenance import purge_expired_data


@shared_task(name="ops.purge_expired_data")
def purge_expired_data_task():
    return purge_expired_data()
