"""Wagtail hooks of the cms app (each topic keeps its hooks in its own module)."""

from cms import course_admin  # noqa: F401 - law-article chooser, delete guard for studied courses
