import pytest

from notifications import sms


@pytest.fixture
def sms_outbox():
    """The test SMS backend's outbox (``NOTIFICATIONS_SMS_BACKEND`` is the locmem one under test settings), emptied."""
    sms.outbox.clear()
    yield sms.outbox
    sms.outbox.clear()


# Tests marked ``postgres`` are skipped on SQLite here as in tests/learning.
from tests.learning.conftest import pytest_collection_modifyitems  # noqa: E402, F401
