"""The bank for daily work: previews (a question, a whole paper), bulk actions on the list, duplicate imports."""

import re
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from wagtail.models import ModelLogEntry

from accounts.models import AuditLog
from exams.models import (
    AttemptQuestion,
    Exam,
    ExamAttempt,
    PaperRule,
    PendingQuestionImport,
    Question,
    QuestionCategory,
    QuestionType,
)
from exams.selectors.questions import DuplicateReason
from exams.services.question_import import import_questions
from exams.services.questions import ensure_category

from . import factories_exams as fx
from .factories_questions import make_question, use_in_attempt

pytestmark = pytest.mark.django_db

STEM = "行政处罚决定书应当盖有什么？"


def _moodle(*questions: str, category: str = "行政处罚法") -> bytes:
    head = f'<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n<question type="category"><category><text>$course$/top/{category}</text></category></question>\n'
    return (head + "\n".join(questions) + "\n</quiz>").encode()


def _choice(name: str, stem: str, right: str, wrong: list[str], *, idnumber: str = "", grade: str = "2") -> str:
    answers = f'<answer fraction="100"><text>{right}</text></answer>' + "".join(
        f'<answer fraction="0"><text>{w}</text></answer>' for w in wrong
    )
    return (
        f'<question type="multichoice"><name><text>{name}</text></name>'
        f'<questiontext format="html"><text><![CDATA[<p>{stem}</p>]]></text></questiontext>'
        f"<defaultgrade>{grade}</defaultgrade><idnumber>{idnumber}</idnumber><single>true</single>{answers}</question>"
    )


def _bank_question(**overrides):
    """The question ``_choice(STEM, ...)`` describes, already in the bank (法律知识/行政处罚法)."""
    fields = {
        "explanation": "",
        "options": [{"text": "作出决定的行政机关印章", "correct": True}, {"text": "当事人签名"}],
    }
    fields.update(overrides)
    return make_question(**fields)


def _no_attempt_rows():
    return not ExamAttempt.objects.exists() and not AttemptQuestion.objects.exists()


# --- previews ------------------------------------------------------------------------------


def test_question_preview_shows_the_learners_rendering_in_a_phone_frame(trainer, client_for):
    client = client_for(trainer)
    question = make_question(name="决定书印章")
    page = client.get(reverse("exams_questions:preview", args=[question.pk]))
    content = page.content.decode()
    assert page.status_code == 200
    assert "预览题目" in content and "决定书印章" in content
    assert "qp-device--phone" in content
    frame_url = re.search(r'<iframe class="qp-frame" src="([^"]+)"', content).group(1).replace("&amp;", "&")
    assert frame_url.startswith(reverse("exams_questions:preview_frame", args=[question.pk]))

    frame = client.get(frame_url)
    html = frame.content.decode()
    assert frame.status_code == 200 and frame["X-Frame-Options"] == "SAMEORIGIN"
    assert "exams/includes/question.html" in [t.name for t in frame.templates]
    assert STEM in html and "作出决定的行政机关印章" in html and 'type="radio"' in html
    assert "第 1 题" in html and "单选题" in html and "2 分" in html
    assert "答案：" in html and ">B" in html  # the trainer's key beside the question
    assert "未作答" not in html and "data-save-state" not in html
    assert _no_attempt_rows()

    without_key = client.get(frame_url.replace("key=1", "key=0")).content.decode()
    assert "答案：" not in without_key and STEM in without_key
    desktop = client.get(reverse("exams_questions:preview", args=[question.pk]), {"width": "desktop"})
    assert "qp-device--desktop" in desktop.content.decode()


@pytest.mark.parametrize(
    ("qtype", "expected"),
    [
        (QuestionType.MULTIPLE, ['type="checkbox"', "ABD"]),
        (QuestionType.TRUEFALSE, ['type="radio"', "正确"]),
        (QuestionType.FILL, ['<input type="text"', "非歧视 | 非歧视原则"]),
        (QuestionType.SHORT, ["<textarea", "人工评分"]),
    ],
)
def test_question_preview_renders_each_type_as_the_attempt_page_does(trainer, client_for, qtype, expected):
    question = make_question(qtype)
    html = client_for(trainer).get(reverse("exams_questions:preview_frame", args=[question.pk])).content.decode()
    for text in expected:
        assert text in html


def test_the_list_and_the_edit_page_link_to_the_preview(trainer, client_for):
    client = client_for(trainer)
    question = make_question()
    url = reverse("exams_questions:preview", args=[question.pk])
    assert url in client.get(reverse("exams_questions:index")).content.decode()
    assert url in client.get(reverse("exams_questions:edit", args=[question.pk])).content.decode()


def test_learners_cannot_open_any_preview(learner, client_for):
    client = client_for(learner)
    question = make_question()
    exam = fx.exam([question])
    for name, pk in (
        ("exams_questions:preview", question.pk),
        ("exams_questions:preview_frame", question.pk),
        ("exams_exams:paper_preview", exam.pk),
        ("exams_exams:paper_preview_frame", exam.pk),
    ):
        response = client.get(reverse(name, args=[pk]))
        assert response.status_code in (302, 403)
        assert STEM not in response.content.decode()


def test_fixed_paper_preview_shows_the_paper_in_order_without_an_attempt(trainer, client_for):
    client = client_for(trainer)
    paper = fx.mixed_paper()
    exam = fx.exam(paper, shuffle_questions=True, shuffle_options=True, points={paper[0].pk: Decimal("5")})
    page = client.get(reverse("exams_exams:paper_preview", args=[exam.pk])).content.decode()
    assert "预览试卷" in page and exam.title in page and "再抽一次" not in page
    html = client.get(reverse("exams_exams:paper_preview_frame", args=[exam.pk])).content.decode()
    assert "共 4 题，满分 8 分" in html
    positions = [html.index(q.current_version.stem) for q in paper]
    assert positions == sorted(positions)
    assert "5 分" in html and "单选题" in html and "多选题" in html and "判断题" in html and "填空题" in html
    assert "顺序会按考试设置打乱" in html
    assert _no_attempt_rows()
    edit = client.get(reverse("exams_exams:edit", args=[exam.pk])).content.decode()
    assert reverse("exams_exams:paper_preview", args=[exam.pk]) in edit


def test_rules_paper_preview_draws_one_sample_and_draws_again(trainer, client_for):
    client = client_for(trainer)
    cat = fx.category("抽题")
    for i in range(6):
        fx.question(QuestionType.SINGLE, cat=cat, stem=f"<p>抽题题干{i}</p>")
    fx.question(QuestionType.TRUEFALSE, cat=cat, stem="<p>不会被抽到的判断题</p>")
    exam = fx.exam(paper_mode=Exam.PaperMode.RULES)
    PaperRule.objects.create(exam=exam, category=cat, question_type=QuestionType.SINGLE, count=3, points_each=4)
    page = client.get(reverse("exams_exams:paper_preview", args=[exam.pk])).content.decode()
    assert "再抽一次" in page and "draw=1" in page
    again = client.get(reverse("exams_exams:paper_preview", args=[exam.pk]), {"draw": "1"}).content.decode()
    assert "draw=2" in again
    drawn = []
    for _ in range(4):
        html = client.get(reverse("exams_exams:paper_preview_frame", args=[exam.pk])).content.decode()
        assert "共 3 题，满分 12 分" in html and "样卷" in html and "不会被抽到" not in html
        drawn.append(frozenset(re.findall(r"抽题题干(\d)", html)))
        assert len(drawn[-1]) == 3
    assert _no_attempt_rows()


def test_rules_paper_preview_says_why_no_paper_can_be_drawn(trainer, client_for):
    cat = fx.category("题少")
    fx.question(QuestionType.SINGLE, cat=cat)
    exam = fx.exam(paper_mode=Exam.PaperMode.RULES)
    PaperRule.objects.create(exam=exam, category=cat, question_type=QuestionType.SINGLE, count=5, points_each=1)
    response = client_for(trainer).get(reverse("exams_exams:paper_preview_frame", args=[exam.pk]))
    html = response.content.decode()
    assert response.status_code == 200
    assert "现在无法组卷" in html and "需要 5 道题，题库中只有 1 道" in html
    assert _no_attempt_rows()


# --- bulk actions ----------------------------------------------------------------------------


def _bulk_url(action: str, questions, **params) -> str:
    query = "&".join([f"id={q.pk}" for q in questions] + [f"{k}={v}" for k, v in params.items()])
    return reverse("wagtail_bulk_action", args=["exams", "question", action]) + "?" + query


def test_question_list_has_bulk_checkboxes_with_a_bounded_number_of_queries(
    trainer, client_for, django_assert_max_num_queries
):
    client = client_for(trainer)
    for i in range(3):
        make_question(name=f"题目{i}", tags=["重点"])
    with django_assert_max_num_queries(30) as small:
        response = client.get(reverse("exams_questions:index"))
    content = response.content.decode()
    assert content.count("data-bulk-action-checkbox") == 3
    assert "移动到分类" in content and "添加标签" in content and "归档" in content
    for i in range(3, 40):
        make_question(name=f"题目{i}", category=f"法律知识/分类{i}", tags=["重点", f"标签{i}"])
    with django_assert_max_num_queries(len(small.captured_queries)):
        response = client.get(reverse("exams_questions:index"))
    assert response.content.decode().count("data-bulk-action-checkbox") == 40


def test_bulk_move_keeps_versions_and_is_audited(trainer, learner, client_for):
    client = client_for(trainer)
    used = make_question(name="用过的题")
    use_in_attempt(used.current_version, learner)
    other = make_question(name="另一题", category="法律知识/行政许可法")
    target = ensure_category("法律知识/综合")
    url = _bulk_url("move", [used, other])
    confirm = client.get(url).content.decode()
    assert "移动到分类" in confirm and "用过的题" in confirm and "另一题" in confirm
    response = client.post(url, {"category": target.pk})
    assert response.status_code == 302
    assert set(Question.objects.values_list("category__full_path", flat=True)) == {"法律知识/综合"}
    used.refresh_from_db()
    assert used.current_version.number == 1
    assert AttemptQuestion.objects.get().question_version_id == used.current_version_id
    log = AuditLog.objects.get(action="question_bulk_move")
    assert log.actor == trainer and sorted(log.details["questions"]) == sorted([used.pk, other.pk])
    assert "法律知识/综合" in log.summary
    assert ModelLogEntry.objects.filter(object_id__in=[str(used.pk), str(other.pk)], action="wagtail.edit").count() == 2


def test_bulk_add_and_remove_tags(trainer, client_for):
    client = client_for(trainer)
    a, b = make_question(name="甲", tags=["旧"]), make_question(name="乙")
    client.post(_bulk_url("add_tags", [a, b]), {"tags": "重点，行政处罚法; 重点"})
    assert sorted(a.tags.names()) == ["旧", "行政处罚法", "重点"]
    assert sorted(b.tags.names()) == ["行政处罚法", "重点"]
    client.post(_bulk_url("remove_tags", [a, b]), {"tags": "重点, 旧"})
    assert list(a.tags.names()) == ["行政处罚法"] and list(b.tags.names()) == ["行政处罚法"]
    assert AuditLog.objects.filter(action="question_bulk_tag").count() == 2
    refused = client.post(_bulk_url("add_tags", [a]), {"tags": " , ，"})
    assert refused.status_code == 200 and "请填写标签" in refused.content.decode()


def test_bulk_archive_and_unarchive(trainer, client_for):
    client = client_for(trainer)
    a, b = make_question(name="甲"), make_question(name="乙")
    client.post(_bulk_url("archive", [a, b]))
    assert Question.objects.filter(is_archived=True).count() == 2
    client.post(_bulk_url("unarchive", [a]))
    assert list(Question.objects.filter(is_archived=True)) == [b]
    assert sorted(AuditLog.objects.get(action="question_bulk_archive").details["questions"]) == sorted([a.pk, b.pk])
    assert AuditLog.objects.get(action="question_bulk_unarchive").details["questions"] == [a.pk]


def test_select_all_in_listing_applies_the_lists_filter(trainer, client_for):
    client = client_for(trainer)
    a = make_question(name="处罚题", category="法律知识/行政处罚法")
    b = make_question(name="许可题", category="法律知识/行政许可法")
    top = QuestionCategory.objects.get(full_path="法律知识/行政处罚法")
    url = reverse("wagtail_bulk_action", args=["exams", "question", "archive"]) + f"?id=all&category={top.pk}"
    client.post(url)
    assert Question.objects.get(pk=a.pk).is_archived and not Question.objects.get(pk=b.pk).is_archived


def test_bulk_actions_need_the_change_permission(reviewer, learner, client_for):
    question = make_question()
    viewer = reviewer  # may open the admin and, here, read the bank, but not change it
    viewer.user_permissions.add(Permission.objects.get(content_type__app_label="exams", codename="view_question"))
    refused = client_for(viewer).post(_bulk_url("archive", [question]))
    assert refused.status_code in (302, 403) and refused.get("Location", "") != _bulk_url("archive", [question])
    assert client_for(learner).post(_bulk_url("archive", [question])).status_code in (302, 403)
    assert "data-bulk-action-checkbox" not in client_for(viewer).get(reverse("exams_questions:index")).content.decode()
    assert not Question.objects.get().is_archived and not AuditLog.objects.filter(action__startswith="question_bulk")


# --- duplicates on import --------------------------------------------------------------------


def test_same_idnumber_is_a_duplicate_and_skipped_by_default():
    existing = _bank_question(idnumber="XF-59")
    data = _moodle(
        _choice("改过的题", "决定书上应当盖什么章？", "作出决定的行政机关印章", ["当事人签名"], idnumber="XF-59"),
        _choice("新题", "行政处罚的种类有哪些？", "警告", ["记过"]),
    )
    preview = import_questions(data=data, fmt="moodle-xml", base_category="法律知识", dry_run=True)
    [match] = preview.duplicates
    assert (match.index, match.question_id, match.reason, match.changed) == (
        0,
        existing.pk,
        DuplicateReason.IDNUMBER,
        True,
    )
    outcome = import_questions(data=data, fmt="moodle-xml", base_category="法律知识")
    assert (outcome.created, outcome.skipped) == (1, 1)
    assert Question.objects.count() == 2
    existing.refresh_from_db()
    assert existing.current_version.stem == STEM


def test_same_stem_and_options_in_the_same_category_is_a_duplicate_whatever_the_option_order():
    _bank_question(points=Decimal("1"))
    same = _moodle(_choice("同一题", STEM, "作出决定的行政机关印章", ["当事人签名"], grade="1"))
    reordered = _moodle(
        '<question type="multichoice"><name><text>换了顺序</text></name>'
        f'<questiontext format="html"><text><![CDATA[<p>{STEM} </p>]]></text></questiontext><defaultgrade>1</defaultgrade>'
        '<single>true</single><answer fraction="0"><text>当事人签名</text></answer>'
        '<answer fraction="100"><text>作出决定的行政机关印章</text></answer></question>'
    )
    for data in (same, reordered):
        [match] = import_questions(data=data, fmt="moodle-xml", base_category="法律知识", dry_run=True).duplicates
        assert match.reason == DuplicateReason.CONTENT
    assert (
        not import_questions(data=same, fmt="moodle-xml", base_category="法律知识", dry_run=True).duplicates[0].changed
    )
    elsewhere = import_questions(data=same, fmt="moodle-xml", base_category="其他分类", dry_run=True)
    assert elsewhere.duplicates == []
    other_key = _moodle(_choice("答案不同", STEM, "当事人签名", ["作出决定的行政机关印章"]))
    assert import_questions(data=other_key, fmt="moodle-xml", base_category="法律知识", dry_run=True).duplicates == []


def test_changed_content_imported_as_new_version_keeps_old_attempts_versions(learner):
    existing = _bank_question(idnumber="XF-59")
    old_version = existing.current_version
    use_in_attempt(old_version, learner)
    data = _moodle(
        _choice("改过的题", "决定书上应当盖什么章？", "作出决定的行政机关印章", ["当事人签名"], idnumber="XF-59")
    )
    outcome = import_questions(data=data, fmt="moodle-xml", base_category="法律知识", duplicate_policy="version")
    assert (outcome.created, outcome.versioned) == (0, 1)
    existing.refresh_from_db()
    assert existing.current_version.number == 2 and "决定书上应当盖什么章" in existing.current_version.stem
    old_version.refresh_from_db()
    assert old_version.stem == STEM
    assert AttemptQuestion.objects.get().question_version_id == old_version.pk
    assert Question.objects.count() == 1


def test_duplicates_imported_as_new_questions_when_asked():
    _bank_question(idnumber="XF-59")
    data = _moodle(_choice("又一份", STEM, "作出决定的行政机关印章", ["当事人签名"], idnumber="XF-59"))
    outcome = import_questions(data=data, fmt="moodle-xml", base_category="法律知识", duplicate_policy="new")
    assert outcome.created == 1 and Question.objects.count() == 2


def _upload(client, data: bytes, **extra):
    upload = SimpleUploadedFile("bank.xml", data, content_type="application/xml")
    fields = {"action": "check", "file": upload, "format": "moodle-xml", "category": "法律知识", **extra}
    return client.post(reverse("exams_question_import:index"), fields)


def test_import_page_lists_duplicates_and_offers_the_choice(trainer, client_for):
    client = client_for(trainer)
    existing = _bank_question(idnumber="XF-59", name="已有的题")
    data = _moodle(
        _choice("改过的题", "决定书上应当盖什么章？", "作出决定的行政机关印章", ["当事人签名"], idnumber="XF-59"),
        _choice("新题", "行政处罚的种类有哪些？", "警告", ["记过"]),
    )
    content = _upload(client, data).content.decode()
    assert "检查通过：将导入 2 道题" in content
    assert "其中 1 道题题库中已有" in content and "编号相同" in content and "有变化" in content
    assert "选择“跳过”时只导入其余 1 道题" in content
    assert f"#{existing.pk} 已有的题" in content and reverse("exams_questions:edit", args=[existing.pk]) in content
    assert 'name="duplicates" value="skip" checked' in content and "作为已有题目的新版本导入" in content
    token = re.search(r'name="token" value="([0-9a-f-]+)"', content).group(1)

    refused = client.post(
        reverse("exams_question_import:index"), {"action": "confirm", "token": token, "duplicates": "x"}, follow=True
    )
    assert "请选择如何处理题库中已有的题" in refused.content.decode() and Question.objects.count() == 1
    assert 'name="duplicates" value="version"' in refused.content.decode()  # the preview and its choice again

    done = client.post(reverse("exams_question_import:index"), {"action": "confirm", "token": token}, follow=True)
    text = done.content.decode()
    assert "已导入 1 道题" in text and "跳过了题库中已有的 1 道题" in text
    assert Question.objects.count() == 2
    log = AuditLog.objects.get(action="question_import")
    assert log.details["skipped"] == 1 and log.details["duplicates"] == "skip"


def test_import_page_imports_duplicates_as_new_versions_when_chosen(trainer, client_for):
    client = client_for(trainer)
    existing = _bank_question(idnumber="XF-59")
    data = _moodle(
        _choice("改过的题", "决定书上应当盖什么章？", "作出决定的行政机关印章", ["当事人签名"], idnumber="XF-59")
    )
    token = re.search(r'name="token" value="([0-9a-f-]+)"', _upload(client, data).content.decode()).group(1)
    client.post(reverse("exams_question_import:index"), {"action": "confirm", "token": token, "duplicates": "version"})
    existing.refresh_from_db()
    assert "决定书上应当盖什么章" in existing.current_version.stem and Question.objects.count() == 1
    assert not PendingQuestionImport.objects.exists()


def test_import_command_reports_and_skips_duplicates(capsys):
    _bank_question(idnumber="XF-59")
    data = _moodle(_choice("同一题", STEM, "作出决定的行政机关印章", ["当事人签名"], idnumber="XF-59"))
    path = "/tmp/h5-dup-test.xml"
    with open(path, "wb") as fh:
        fh.write(data)
    call_command("import_questions", path, "--format", "moodle-xml", "--category", "法律知识")
    out = capsys.readouterr().out
    assert "题库中已有" in out and "跳过题库中已有的题：1 题" in out
    assert Question.objects.count() == 1


def test_a_large_file_checked_and_imported_by_jobs_skips_its_duplicates(
    trainer, client_for, settings, django_capture_on_commit_callbacks
):
    settings.QUESTION_IMPORT_JOB_QUESTIONS = 3
    client = client_for(trainer)
    aiken = "".join(f"第{n}题：下列哪项正确？\nA) 甲\nB) 乙\nANSWER: A\n\n" for n in range(1, 6)).encode()
    for n in (2, 4):  # already in the bank, as Aiken reads them
        make_question(
            category="法律知识/行政许可法",
            stem=f"第{n}题：下列哪项正确？",
            options=[{"text": "甲", "correct": True}, {"text": "乙"}],
            points=Decimal("1"),
            explanation="",
        )
    form = {"action": "check", "format": "aiken", "category": "法律知识/行政许可法"}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("exams_question_import:index"), {**form, "file": SimpleUploadedFile("q.txt", aiken)}
        )
    assert response.status_code == 302  # checked by a job; the page shows its preview
    page = client.get(response.url).content.decode()
    assert "其中 2 道题题库中已有" in page and "题干和选项相同" in page and "选择“跳过”时只导入其余 3 道题" in page
    token = re.search(r"token=([0-9a-f-]+)", response.url).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("exams_question_import:index"), {"action": "confirm", "token": token, "duplicates": "skip"})
    assert Question.objects.count() == 5
    log = AuditLog.objects.get(action="question_import")
    assert (log.details["created"], log.details["skipped"], log.details["duplicates"]) == (3, 2, "skip")
