from celery import shared_task

from . import services


@shared_task(acks_late=True)
def deactivate_departed_staff() -> int:
    """Daily: sign-in is closed for people who have left (their records stay)."""
    return services.deactivate_departed_staff()
