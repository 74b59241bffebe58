"""The deployment tests: production settings as the README runs them.

``test_production_stack.py`` drives a running stack (deploy/stack.sh: nginx → gunicorn →
PostgreSQL/Redis/Celery) and is marked ``deploy``; it is skipped unless ``FAZHI_STACK_URL``
names the stack, which ``deploy/stack.sh test`` (the CI stage after ``make test``) sets.
"""


def pytest_configure(config):
    config.addinivalue_line("markers", "deploy: runs against the production stack of deploy/stack.sh (FAZHI_STACK_URL)")
