"""Every block of every StreamField takes a half-filled value while the trainer types.

Wagtail saves drafts (and autosaves) with the required checks deferred: a block's
own ``clean`` then sees empty children (``None``) and must answer with a
validation message or nothing, never an exception (a 500 pauses autosave). Every
StreamField of the project is swept, block by block, with every child empty.
"""

from __future__ import annotations

import pytest
from django.apps import apps
from django.core.exceptions import ValidationError
from wagtail import blocks
from wagtail.fields import StreamField

from cms.blocks import CheckQuestionBlock


def _stream_blocks():
    for model in apps.get_models():
        if model.__module__.startswith("wagtail."):
            continue
        for field in model._meta.get_fields():
            if isinstance(field, StreamField):
                for name, block in field.stream_block.child_blocks.items():
                    yield f"{model.__name__}.{field.name}.{name}", block


def _empty_value(block):
    if isinstance(block, blocks.StructBlock):  # every child empty
        return blocks.StructValue(block, [(name, _empty_value(child)) for name, child in block.child_blocks.items()])
    if isinstance(block, blocks.ListBlock):
        return block.to_python([])
    return block.get_default()  # what an untouched field holds: None for numbers and choosers


def _clean_deferred(block, value):
    block.defer_required_validation()
    try:
        return block.clean(value)
    finally:
        block.restore_deferred_validation()


BLOCKS = dict(_stream_blocks())


def test_the_sweep_found_the_lesson_body():
    assert "LessonPage.body.check" in BLOCKS
    assert len(BLOCKS) >= 7


@pytest.mark.parametrize("name", sorted(BLOCKS))
@pytest.mark.django_db
def test_an_empty_block_in_a_draft_gives_a_message_or_nothing(name):
    block = BLOCKS[name]
    try:
        _clean_deferred(block, _empty_value(block))
    except ValidationError:
        pass


@pytest.mark.django_db
def test_a_check_question_without_its_answer_is_a_message_on_publish_and_a_draft_on_save():
    block = CheckQuestionBlock()
    value = block.to_python(
        {"question": "行政处罚遵循什么原则？", "options": ["从重从快", "公正、公开"], "answer": None}
    )
    _clean_deferred(block, value)  # a draft keeps what was typed
    with pytest.raises(ValidationError):
        block.clean(value)
