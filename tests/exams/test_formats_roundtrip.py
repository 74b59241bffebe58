"""Export of our bank re-imports to equal questions (Moodle XML, GIFT, Excel)."""

import base64
import io
from datetime import date
from decimal import Decimal

import pytest
from PIL import Image

from cms.models import Law, LawArticle, LawVersion
from exams.models import Difficulty, Question, QuestionCategory, QuestionType, QuestionVersion
from exams.richtext import plain_to_html
from exams.services.question_import import export_questions, import_questions

from .factories_questions import make_question

pytestmark = pytest.mark.django_db


def _png() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (200, 0, 0)).save(buffer, format="PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture
def article():
    law = Law.objects.create(slug="xingzhengchufa", title="中华人民共和国行政处罚法", short_name="行政处罚法")
    version = LawVersion.objects.create(
        law=law, label="2021", title=law.title, effective_date=date(2021, 7, 15), is_current=True
    )
    return LawArticle.objects.create(version=version, number=59, number_text="第五十九条", text="行政机关依照本法……")


@pytest.fixture
def bank(article):
    """Every type, with the characters each format must escape."""
    make_question(
        QuestionType.SINGLE,
        name="单选：特殊字符",
        stem=plain_to_html("下列说法 {正确} 的是：a=b ~ c # d : e \\ f <g> & h\n第二行"),
        options=[
            {"text": "甲 = 乙", "correct": False},
            {"text": "丙 ~ 丁 # 戊", "correct": True},
            {"text": "己: {庚} & <辛>", "correct": False},
            {"text": "-1", "correct": False},
        ],
        points=Decimal("2.5"),
        difficulty=Difficulty.HARD,
        explanation=plain_to_html("依据：第五十九条。\n见附件 ####"),
        tags=["行政处罚法", "印章"],
        idnumber="XF-1",
    )
    question = make_question(QuestionType.SINGLE, name="带图片与表格")
    from exams.services.questions import save_question

    version = question.current_version
    save_question(
        question=question,
        category=question.category,
        qtype=question.type,
        name="带图片与表格",
        stem=f'<p>看图：</p><p><img alt="印章" src="data:image/png;base64,{_png()}"/></p><table><tbody><tr><td>甲</td><td>乙</td></tr></tbody></table>',
        options=version.options,
        points=version.points,
        explanation="<p><b>加粗</b>解析</p>",
        law_articles=[article],
    )
    make_question(
        QuestionType.MULTIPLE,
        category="法律知识/行政处罚法/种类",
        name="多选：Moodle 权重",
        options=[
            {"text": "警告", "fraction": "0.5"},
            {"text": "记过", "fraction": "-1"},
            {"text": "罚款", "fraction": "0.5"},
            {"text": "撤职", "fraction": "-0.5"},
        ],
    )
    make_question(QuestionType.MULTIPLE, category="法律知识/行政处罚法/种类", name="多选：默认权重")
    make_question(QuestionType.TRUEFALSE, category="法律知识/判断", name="判断：对", points=Decimal("1"))
    make_question(
        QuestionType.TRUEFALSE,
        category="法律知识/判断",
        name="判断：错",
        options=[{"key": "T", "correct": False}, {"key": "F", "correct": True}],
    )
    make_question(
        QuestionType.FILL,
        category="法律知识/填空",
        name="填空",
        stem="行政许可应当遵循公开、公平、公正、______的原则。",
        accepted_answers=["非歧视", "非 歧视 原则", "50*2"],
    )
    make_question(
        QuestionType.SHORT, category="法律知识/简答", name="简答", explanation="要点：1. 受案范围 2. 排除事项"
    )


def snapshot(*, fractions=True, difficulty=True, references=True, laws=False):
    rows = []
    for q in Question.objects.select_related("current_version", "category").prefetch_related("tags", "law_articles"):
        v = q.current_version
        options = [(o["key"], o["text"], o["correct"], o["fraction"] if fractions else None) for o in v.options]
        answers = v.accepted_answers if (q.type == QuestionType.FILL or references) else None
        rows.append(
            {
                "category": q.category.full_path,
                "name": q.name,
                "type": q.type,
                "stem": v.stem,
                "options": options,
                "accepted": answers,
                "points": v.points,
                "explanation": v.explanation,
                "tags": sorted(t.name for t in q.tags.all()),
                "idnumber": q.idnumber,
                "difficulty": v.difficulty if difficulty else None,
                "laws": sorted(a.pk for a in q.law_articles.all()) if laws else None,
            }
        )
    return sorted(rows, key=lambda r: (r["category"], r["name"]))


def _wipe():
    Question.objects.update(current_version=None)
    QuestionVersion.objects.all().delete()
    Question.objects.all().delete()
    QuestionCategory.objects.all().delete()


@pytest.mark.parametrize(
    ("fmt", "kept"),
    [
        ("moodle-xml", {"fractions": True, "difficulty": False, "references": True}),
        ("gift", {"fractions": True, "difficulty": True, "references": False}),
        ("xlsx", {"fractions": False, "difficulty": True, "references": True, "laws": True}),
    ],
)
def test_export_then_import_gives_equal_questions(bank, fmt, kept):
    before = snapshot(**kept)
    assert len(before) == 8
    data = export_questions(fmt=fmt)
    _wipe()
    outcome = import_questions(data=data, fmt=fmt)
    assert outcome.created == 8
    assert outcome.warnings == []
    after = snapshot(**kept)
    for old, new in zip(before, after, strict=True):
        assert new == old


def test_exporting_one_category_writes_paths_relative_to_its_parent(bank):
    data = export_questions(fmt="gift", category=QuestionCategory.objects.get(full_path="法律知识/行政处罚法/种类"))
    assert b"$CATEGORY: $course$/top/\xe7\xa7\x8d\xe7\xb1\xbb" in data  # "种类"
    _wipe()
    outcome = import_questions(data=data, fmt="gift", base_category="复习/处罚")
    assert outcome.created == 2
    assert set(Question.objects.values_list("category__full_path", flat=True)) == {"复习/处罚/种类"}


def test_moodle_export_embeds_images_as_pluginfiles(bank):
    data = export_questions(fmt="moodle-xml").decode()
    assert "@@PLUGINFILE@@/image-1.png" in data
    assert '<file name="image-1.png" path="/" encoding="base64">' in data
    assert "data:image" not in data
    assert "<![CDATA[" in data
