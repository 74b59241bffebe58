from celery import shared_task

from .services import credentials, identity, staff


@shared_task(acks_late=True)
def deactivate_departed_staff() -> int:
    """Daily: sign-in is closed for people who have left (their records stay)."""
    return staff.deactivate_departed_staff()


@shared_task(acks_late=True)
def expire_credentials() -> int:
    """Daily: credentials past their expiry date become expired (recorded in their history)."""
    return credentials.expire_overdue()


@shared_task(acks_late=True)
def send_identifier_change_notice(user_id: int, to: str, changes: dict) -> bool:
    """Tell the old address that a login identifier changed (see ``services.identity``)."""
    return identity.send_identifier_change_notice(user_id=user_id, to=to, changes=changes)
