"""Password rules are explained in Chinese first."""

import pytest


def test_password_rules_speak_chinese():
    """Django's Chinese catalogue lacks the current wording of "too short"; the project's overrides it."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError
    from django.utils import translation

    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        validate_password("abc")
    assert "密码太短，至少需要 8 个字符。" in caught.value.messages
    with translation.override("en"), pytest.raises(ValidationError) as caught:
        validate_password("abc")
    assert any("too short" in m for m in caught.value.messages)
