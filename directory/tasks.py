from celery import shared_task


@shared_task(acks_late=True)
def sync_directory() -> dict:
    """On ``DIRECTORY_SYNC_SCHEDULE``: read the LDAP directory and apply it (``directory.sync.service``).

    A refused run raises, so the worker logs it as a failed task; its audit entry
    says why. It is not retried: the directory has to be corrected first.
    """
    from directory.sync.service import run_directory_sync

    return run_directory_sync(via="beat").counts()
