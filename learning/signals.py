"""Signals other apps listen to, so the ledger never imports them.

``hours_posted(sender=LedgerEntry, entry=...)`` is sent after the transaction
that created ``entry`` commits (credits and reversals alike).
"""

from django.dispatch import Signal

hours_posted = Signal()
