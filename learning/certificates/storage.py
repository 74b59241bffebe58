"""Certificates keep their files in the private storage of the jobs app (kept importable here for old migrations)."""

from jobs.storage import PrivateStorage, private_storage

__all__ = ["PrivateStorage", "private_storage"]
