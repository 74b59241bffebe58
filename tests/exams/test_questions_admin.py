"""The question bank in the Wagtail admin: lists, editing through versions, import page."""

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from exams.models import PendingQuestionImport, Question, QuestionCategory, QuestionType
from exams.services.questions import ensure_category
from tests.auth import sign_in

from .factories_questions import FORMATS_DIR, make_question, use_in_attempt

pytestmark = pytest.mark.django_db


def _form_data(category, **overrides):
    data = {
        "category": category.pk,
        "type": QuestionType.SINGLE,
        "name": "后台新建",
        "stem": "行政处罚由谁实施？\n（单选）",
        "option_A": "行政机关",
        "correct_A": "on",
        "option_B": "个人",
        "points": "2",
        "difficulty": "medium",
        "explanation": "",
        "tags": "行政处罚法, 主体",
        "law_citations": "",
        "idnumber": "",
    }
    data.update(overrides)
    return data


def test_trainer_sees_the_question_list_with_a_bounded_number_of_queries(
    trainer, client_for, django_assert_max_num_queries
):
    client = client_for(trainer)
    for i in range(3):
        make_question(name=f"题目{i}")
    with django_assert_max_num_queries(30) as small:
        response = client.get(reverse("exams_questions:index"))
    assert response.status_code == 200
    for i in range(3, 40):
        make_question(name=f"题目{i}", category=f"法律知识/分类{i}")
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("exams_questions:index"))
    content = response.content.decode()
    assert "题目39" in content and "单选题" in content and "法律知识/分类39" in content


def test_list_filters_by_category_subtree_type_and_tag_and_searches_stems(trainer, client_for):
    client = client_for(trainer)
    make_question(name="处罚单选", category="法律知识/行政处罚法/罚款", tags=["重点"])
    make_question(QuestionType.TRUEFALSE, name="许可判断", category="法律知识/行政许可法")
    top = QuestionCategory.objects.get(full_path="法律知识/行政处罚法")
    url = reverse("exams_questions:index")
    content = client.get(url, {"category": top.pk}).content.decode()
    assert "处罚单选" in content and "许可判断" not in content
    content = client.get(url, {"type": "truefalse"}).content.decode()
    assert "许可判断" in content and "处罚单选" not in content
    tag_id = Question.objects.get(name="处罚单选").tags.get().pk
    content = client.get(url, {"tag": tag_id}).content.decode()
    assert "处罚单选" in content and "许可判断" not in content
    content = client.get(url, {"q": "决定书"}).content.decode()
    assert "处罚单选" in content


def test_learner_cannot_open_the_bank(learner, client_for):
    client = client_for(learner)
    for name in ("exams_questions:index", "exams_question_import:index", "exams_question_import:template"):
        response = client.get(reverse(name))
        assert response.status_code in (302, 403)
        assert "题干" not in response.content.decode()


def test_creating_a_question_in_the_admin_goes_through_the_service(trainer, client_for):
    category = ensure_category("法律知识/行政处罚法")
    response = client_for(trainer).post(reverse("exams_questions:add"), _form_data(category))
    assert response.status_code == 302, response.content.decode()[:2000]
    question = Question.objects.get(name="后台新建")
    version = question.current_version
    assert version.number == 1
    assert version.stem == "行政处罚由谁实施？<br/>（单选）"
    assert [(o["key"], o["text"], o["correct"]) for o in version.options] == [
        ("A", "行政机关", True),
        ("B", "个人", False),
    ]
    assert sorted(t.name for t in question.tags.all()) == ["主体", "行政处罚法"]
    assert question.created_by is None or question.created_by == trainer


def test_admin_form_shows_validation_errors_and_saves_nothing(trainer, client_for):
    category = ensure_category("法律知识")
    data = _form_data(category, correct_A="")
    data.pop("correct_A")
    response = client_for(trainer).post(reverse("exams_questions:add"), data)
    assert response.status_code == 200
    assert "没有正确选项" in response.content.decode()
    assert not Question.objects.exists()


def test_editing_a_used_question_in_the_admin_makes_a_new_version(trainer, learner, client_for):
    question = make_question(name="已用题")
    first = question.current_version
    use_in_attempt(first, learner)
    client = client_for(trainer)
    edit_url = reverse("exams_questions:edit", args=[question.pk])
    page = client.get(edit_url).content.decode()
    assert "作出决定的行政机关印章" in page
    data = _form_data(
        question.category,
        name="已用题",
        stem="改过的题干",
        option_A="当事人签名",
        option_B="作出决定的行政机关印章",
        option_C="执法人员签名",
    )
    data.pop("correct_A")
    data["correct_B"] = "on"
    response = client.post(edit_url, data)
    assert response.status_code == 302
    question.refresh_from_db()
    assert question.current_version.number == 2
    assert question.current_version.stem == "改过的题干"
    first.refresh_from_db()
    assert first.stem == "行政处罚决定书应当盖有什么？"


def test_trainer_creates_a_sub_category(trainer, client_for):
    parent = ensure_category("法律知识")
    response = client_for(trainer).post(
        reverse("exams_categories:add"), {"name": "行政复议法", "parent": parent.pk, "description": ""}
    )
    assert response.status_code == 302
    assert QuestionCategory.objects.get(name="行政复议法").full_path == "法律知识/行政复议法"
    listing = client_for(trainer).get(reverse("exams_categories:index")).content.decode()
    assert "法律知识/行政复议法" in listing


# --- import page ---------------------------------------------------------------------


def _upload(client, path, fmt, **extra):
    data = {"action": "check", "format": fmt, "category": "", **extra}
    data["file"] = SimpleUploadedFile(path.name, path.read_bytes())
    return client.post(reverse("exams_question_import:index"), data)


def test_import_page_offers_the_template(trainer, client_for):
    client = client_for(trainer)
    page = client.get(reverse("exams_question_import:index")).content.decode()
    assert reverse("exams_question_import:template") in page and "下载 Excel 模板" in page
    response = client.get(reverse("exams_question_import:template"))
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content[:2] == b"PK"


def test_import_page_lists_problems_and_imports_nothing(trainer, client_for):
    response = _upload(client_for(trainer), FORMATS_DIR / "aiken/aiken_errors.txt", "aiken")
    content = response.content.decode()
    assert "发现 4 个问题，未导入任何题目" in content
    assert "第 18 行" in content and "缺少 ANSWER 行" in content
    assert not Question.objects.exists() and not PendingQuestionImport.objects.exists()


def test_import_page_previews_warnings_then_imports_on_confirmation(trainer, client_for):
    client = client_for(trainer)
    response = _upload(
        client, FORMATS_DIR / "gift/questions.gift.txt", "gift", skip_unsupported="on", category="GIFT 导入"
    )
    content = response.content.decode()
    assert "检查通过：将导入 9 道题" in content  # the numerical Q5 and the matching question too
    assert "Moodle activities" in content and "匹配题" in content and "不支持的题型" not in content
    assert "部分得分的答案“Cat”" in content
    assert not Question.objects.exists()
    token = re.search(r'name="token" value="([0-9a-f-]+)"', content).group(1)

    response = client.post(reverse("exams_question_import:index"), {"action": "confirm", "token": token})
    assert response.status_code == 302
    assert Question.objects.filter(category__full_path="GIFT 导入").count() == 9
    assert not PendingQuestionImport.objects.exists()

    again = client.post(reverse("exams_question_import:index"), {"action": "confirm", "token": token}, follow=True)
    assert "已失效" in again.content.decode()
    assert Question.objects.count() == 9


def test_someone_elses_staged_import_cannot_be_confirmed(trainer, admin_user, client_for, client):
    response = _upload(client_for(trainer), FORMATS_DIR / "aiken/questions.aiken.txt", "aiken")
    token = re.search(r'name="token" value="([0-9a-f-]+)"', response.content.decode()).group(1)
    sign_in(client, admin_user)
    client.post(reverse("exams_question_import:index"), {"action": "confirm", "token": token})
    client.post(reverse("exams_question_import:index"), {"action": "confirm", "token": "not-a-uuid"})
    assert not Question.objects.exists()


def test_unsafe_xml_upload_is_refused_on_the_page(trainer, client_for, tmp_path):
    evil = tmp_path / "evil.xml"
    evil.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE quiz [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<quiz>&x;</quiz>'
    )
    content = _upload(client_for(trainer), evil, "moodle-xml").content.decode()
    assert "出于安全原因拒绝导入" in content
    assert "root:" not in content


def test_export_from_the_admin(trainer, client_for):
    make_question(name="导出题", category="法律知识/行政处罚法")
    client = client_for(trainer)
    response = client.get(reverse("exams_question_import:export"), {"format": "gift", "category": "法律知识"})
    assert response.status_code == 200
    assert "::导出题::" in response.content.decode()
    missing = client.get(reverse("exams_question_import:export"), {"format": "gift", "category": "没有"}, follow=True)
    assert "找不到分类" in missing.content.decode()


def test_a_category_with_questions_cannot_be_deleted(trainer, client_for):
    make_question(category="法律知识/行政处罚法/罚款")
    top = QuestionCategory.objects.get(full_path="法律知识/行政处罚法")
    response = client_for(trainer).post(reverse("exams_categories:delete", args=[top.pk]), follow=True)
    assert "还有题目，不能删除" in response.content.decode()
    assert QuestionCategory.objects.filter(pk=top.pk).exists()


def test_a_used_question_cannot_be_deleted_even_by_an_admin(admin_user, learner, client_for):
    question = make_question(name="已用")
    use_in_attempt(question.current_version, learner)
    response = client_for(admin_user).post(reverse("exams_questions:delete", args=[question.pk]), follow=True)
    assert "不能删除；请改为归档" in response.content.decode()
    assert Question.objects.filter(pk=question.pk).exists()


def test_trainers_may_not_delete_questions(trainer, client_for):
    question = make_question()
    response = client_for(trainer).post(reverse("exams_questions:delete", args=[question.pk]))
    assert response.status_code in (302, 403)
    assert Question.objects.filter(pk=question.pk).exists()
