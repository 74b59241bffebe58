"""Deterministic demo data: a prefecture of staff, demo logins, laws, courses, an exam, sessions and hours.

``people`` (organisation, staff, demo accounts), ``courses`` (on the law texts in
``data/laws``), ``exams`` (question bank ``data/xzcf.gift`` and the annual exam),
``activity`` (sessions, study plan), ``ledger`` (years of hours), ``review`` (credential
review); ``manage.py seed_demo`` runs them in that order and ``demo_totp`` prints a demo
login's current code. Never loaded in production (``guards.refuse_in_production``).
"""
