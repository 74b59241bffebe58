"""Certificates: rendering, storage, verification helpers (models live in ``learning.models.certificates``)."""
