# Tests marked ``postgres`` are skipped on SQLite here as in tests/learning.
from tests.learning.conftest import pytest_collection_modifyitems  # noqa: F401
