"""What stops deleting an exam, a question or a question category, in sentences for the person who tried.

Each ``*_delete_blockers`` function returns the refusal reasons, empty when deleting may go ahead.
The references are found the way ``delete()`` finds them (Django's deletion collector over the same
objects), so what these functions allow is what deleting allows, and a new ``PROTECT`` foreign key
is refused here too, worded generically until it gets its own sentence.

Models of other apps refer to exams too (study plans, annual review rules, certificates). Their
sentence is registered for their model's label with ``register_exam_reference``, so exams never
imports those apps; each app registers its own in its ``AppConfig.ready()``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.db import router
from django.db.models import Model
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils.translation import gettext as _

from exams.models import Exam, Question, QuestionCategory

#: ``wording(model, pks) -> str``: one sentence about the ``pks`` of ``model`` that refer to the exam.
Wording = Callable[[type[Model], list[Any]], str]

_wordings: dict[str, tuple[int, Wording]] = {}


def register_exam_reference(label: str, wording: Wording, *, rank: int) -> Wording:
    """Word the references from the model ``label`` (``"app.Model"``) that stop an exam's deletion.

    ``rank`` orders the sentences (lowest first); references nobody registered come last, worded
    generically. Registering the same wording again at the same rank (a second ``ready()``) is a
    no-op; two labels may not share a rank, nor one label hold two wordings.
    """
    holder = next((other for other, (r, _w) in _wordings.items() if r == rank), label)
    if holder != label or _wordings.get(label, (rank, wording)) != (rank, wording):
        raise ValueError(f"exam references: {label} at rank {rank} clashes with {holder}")
    _wordings[label] = (rank, wording)
    return wording


def _blocking(objs: Iterable[Model], model: type[Model]) -> list[Model]:
    """The objects that would stop deleting ``objs`` (and what deleting them cascades to)."""
    collector = Collector(using=router.db_for_write(model))
    try:
        collector.collect(objs)
    except ProtectedError as exc:
        return list(exc.protected_objects)
    except RestrictedError as exc:
        return list(exc.restricted_objects)
    return []


def _quoted(names: Iterable[str]) -> str:
    return "、".join(f"“{name}”" for name in names)


def _attempts(model, pks) -> str:
    return _("该考试已有 %(n)s 份答卷") % {"n": len(pks)}


def _makeups(model, pks) -> str:
    titles = model.objects.filter(pk__in=pks).order_by("opens_at", "pk").values_list("title", flat=True)
    return _("是补考%(titles)s的原考试") % {"titles": _quoted(titles)}


def _other(model, pks) -> str:
    return _("被 %(n)s 条“%(model)s”记录引用") % {"n": len(pks), "model": model._meta.verbose_name}


# Ranks in use: attempts 10, make-ups 20, study plans 30 (plans), review rules 45 (review), certificates 50
# (certificates).
register_exam_reference("exams.ExamAttempt", _attempts, rank=10)
register_exam_reference("exams.Exam", _makeups, rank=20)


def exam_delete_blockers(exam: Exam) -> list[str]:
    """Why ``exam`` cannot be deleted, one sentence per kind of reference."""
    pks_by_model: dict[type[Model], list[Any]] = defaultdict(list)
    for obj in _blocking([exam], Exam):
        pks_by_model[type(obj)].append(obj.pk)

    def order(model: type[Model]) -> tuple[bool, int, str]:
        label = model._meta.label
        return (label not in _wordings, _wordings.get(label, (0, _other))[0], label)

    return [
        _wordings.get(model._meta.label, (0, _other))[1](model, pks_by_model[model])
        for model in sorted(pks_by_model, key=order)
    ]


def exam_delete_advice(exam: Exam) -> str:
    """What to do instead of deleting an exam that cannot be deleted."""
    if exam.is_published:
        return _(
            "考试过了截止时间会自动结束，无需删除；要提前结束，请在编辑页把“截止时间”改为现在。"
            "不要为此取消“已发布”：学员会在“我的考试”中看不到自己这场考试的成绩。"
        )
    return _("这场考试未发布，学员看不到它，保留即可。")


def question_delete_blockers(question: Question) -> list[str]:
    """A question an exam's paper or an attempt has used stays (its versions are what was shown); archive it.

    The question's own pointer at its current version is no reference (``Question.delete`` clears it).
    """
    if not [
        obj for obj in _blocking([question], Question) if not (isinstance(obj, Question) and obj.pk == question.pk)
    ]:
        return []
    return [_("题目“%(object)s”已被考试或答卷使用，不能删除；请改为归档。") % {"object": question}]


def question_category_delete_blockers(category: QuestionCategory) -> list[str]:
    """Deleting a category deletes its subcategories, so a question anywhere below it stops it (so does an
    exam's drawing rule; the sentence names the questions, by far the common case)."""
    if not _blocking(QuestionCategory.get_tree(category), QuestionCategory):
        return []
    return [_("分类“%(object)s”或其下级分类中还有题目，不能删除；请先移走或删除这些题目。") % {"object": category}]
