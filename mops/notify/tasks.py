from celery import shared_task

from . import services


@shared_task(name="mops.notify.tasks.outbox_deliver", ignore_result=True, acks_late=True)
def outbox_deliver_task(message_id: str) -> str:
    return services.outbox_deliver(message_id=message_id)


@shared_task(name="mops.notify.tasks.outbox_sweep", ignore_result=True)
def outbox_sweep() -> dict[str, int]:
    return services.outbox_sweep()
