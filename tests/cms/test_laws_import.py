"""Importing law texts: round trip, versions, idempotence, and all-or-nothing failure."""

import re
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cms.laws.importer import LawImportFailed, import_law_directory
from cms.laws.numerals import chinese_to_int, int_to_chinese
from cms.models import Law, LawArticle, LawChapter, LawSection, LawVersion, SearchDocument

from .law_helpers import (
    CONSTITUTION,
    LAWS_SOURCE,
    PENALTY,
    REVIEW_2017,
    REVIEW_2023,
    copy_laws,
    library_snapshot,
    write_law,
)

pytestmark = pytest.mark.django_db

ARTICLE_START = re.compile(r"^第([一二三四五六七八九十百零]+)条 (.*)$")


def articles_read_independently(path) -> dict[int, str]:
    """A deliberately naive reading of the file: each 第X条 paragraph up to the next one or a heading."""
    articles: dict[int, list[str]] = {}
    current = None
    body = path.read_text(encoding="utf-8").split("<!-- INFO END -->", 1)[1]
    for line in body.splitlines():
        line = line.strip().replace("\u200b", "")
        if not line:
            continue
        if line.startswith("#"):
            current = None
            continue
        match = ARTICLE_START.match(line)
        if match:
            current = chinese_to_int(match[1])
            articles[current] = [match[2]]
        elif current is not None:
            articles[current].append(line)
    return {number: "\n".join(lines) for number, lines in articles.items()}


def test_penalty_law_round_trip_every_article_number_and_text(tmp_path):
    summary = import_law_directory(copy_laws(tmp_path, PENALTY))

    version = LawVersion.objects.get(law__slug="行政处罚法")
    assert version.is_current and version.label == "2021"
    articles = list(version.articles.order_by("number"))
    expected = articles_read_independently(LAWS_SOURCE / PENALTY)
    assert len(articles) == len(expected) == 86
    assert [a.number for a in articles] == list(range(1, 87))
    for article in articles:
        assert article.number_text == f"第{int_to_chinese(article.number)}条"
        assert article.text == expected[article.number], article.number_text
    assert LawArticle.objects.get(version=version, number=33).text.startswith("违法行为轻微并及时改正")
    assert summary.articles_created == 86 and summary.versions_created == 1


def test_penalty_law_chapters_and_sections_are_stored_in_order(tmp_path):
    import_law_directory(copy_laws(tmp_path, PENALTY))

    chapters = list(LawChapter.objects.filter(version__law__slug="行政处罚法").order_by("position"))
    assert [c.title for c in chapters] == [
        "总则",
        "行政处罚的种类和设定",
        "行政处罚的实施机关",
        "行政处罚的管辖和适用",
        "行政处罚的决定",
        "行政处罚的执行",
        "法律责任",
        "附则",
    ]
    sections = list(LawSection.objects.filter(chapter=chapters[4]).order_by("position"))
    assert [str(s) for s in sections] == ["第一节 一般规定", "第二节 简易程序", "第三节 普通程序", "第四节 听证程序"]
    hearing = LawArticle.objects.get(version__law__slug="行政处罚法", number=63)
    assert (hearing.chapter, hearing.section) == (chapters[4], sections[3])
    assert hearing.get_absolute_url() == "/laws/%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A%E6%B3%95/2021/art/63/"


def test_two_versions_of_review_law_only_the_newest_current(tmp_path):
    summary = import_law_directory(copy_laws(tmp_path, REVIEW_2017, REVIEW_2023))

    law = Law.objects.get(slug="行政复议法")
    versions = list(law.versions.order_by("effective_date").values_list("label", "is_current"))
    assert versions == [("2017", False), ("2023", True)]
    assert summary.current_changed == ["行政复议法 2023"]
    # Only the current text is in the search index.
    current_ids = set(
        LawArticle.objects.filter(version__law=law, version__is_current=True).values_list("pk", flat=True)
    )
    indexed = set(SearchDocument.objects.filter(kind="law_article").values_list("object_id", flat=True))
    assert indexed == current_ids and len(indexed) == 90


def test_importing_an_older_version_later_keeps_the_newer_one_current(tmp_path):
    import_law_directory(copy_laws(tmp_path / "new", REVIEW_2023))
    import_law_directory(copy_laws(tmp_path / "old", REVIEW_2017))

    assert list(LawVersion.objects.filter(is_current=True).values_list("label", flat=True)) == ["2023"]


def test_importing_the_same_directory_twice_changes_nothing(tmp_path):
    directory = copy_laws(tmp_path, PENALTY, REVIEW_2017, REVIEW_2023, CONSTITUTION)
    import_law_directory(directory)
    before = library_snapshot()

    summary = import_law_directory(directory)

    assert library_snapshot() == before
    assert not summary.changed
    assert summary.versions_unchanged == 4


def test_reimport_of_changed_text_updates_in_place_keeping_article_ids(tmp_path):
    directory = copy_laws(tmp_path, PENALTY)
    import_law_directory(directory)
    ids_before = dict(LawArticle.objects.values_list("number", "pk"))
    path = directory / PENALTY
    path.write_text(
        path.read_text(encoding="utf-8").replace("第三十三条 违法行为轻微", "第三十三条 违法行为确属轻微"),
        encoding="utf-8",
    )

    summary = import_law_directory(directory)

    assert dict(LawArticle.objects.values_list("number", "pk")) == ids_before
    assert LawArticle.objects.get(number=33).text.startswith("违法行为确属轻微")
    assert (summary.versions_updated, summary.articles_updated, summary.articles_created) == (1, 1, 0)
    assert SearchDocument.objects.get(object_id=ids_before[33]).body.startswith("违法行为确属轻微")


def test_a_malformed_file_is_refused_by_name_and_line_while_the_good_files_go_in(tmp_path):
    directory = copy_laws(tmp_path, PENALTY, REVIEW_2017)
    import_law_directory(directory)
    before = library_snapshot()
    # A good file that changed (would be an update) and a bad file in the same run.
    copy_laws(directory, REVIEW_2023)
    write_law(
        directory,
        "坏法(2020-01-01).md",
        "# 坏法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n第一条 甲。\n\n第二条 乙。\n\n第二条 重复。\n",
    )

    summary = import_law_directory(directory)

    assert [str(error) for error in summary.refused] == [
        "坏法(2020-01-01).md 第 11 行：条号重复或倒序：第二条出现在第二条之后。"
    ]
    assert summary.refused_files == ["坏法(2020-01-01).md"]
    assert (summary.files, summary.files_imported) == (4, 3)
    # Nothing of the bad file, all of the good new version.
    assert not Law.objects.filter(slug="坏法").exists()
    assert LawVersion.objects.get(law__slug="行政复议法", is_current=True).label == "2023"
    assert LawArticle.objects.filter(version__law__slug="行政复议法", version__label="2023").count() == 90
    # The files that did not change are untouched.
    after = library_snapshot()
    penalty_ids = {pk for pk, slug, *_rest in before["laws"] if slug == "行政处罚法"}
    assert [row for row in after["articles"] if row[1] in _version_ids(after, penalty_ids)] == [
        row for row in before["articles"] if row[1] in _version_ids(before, penalty_ids)
    ]


def _version_ids(snapshot, law_ids) -> set[int]:
    return {pk for pk, law_id, *_rest in snapshot["versions"] if law_id in law_ids}


def test_a_bad_new_version_keeps_the_old_one_current(tmp_path):
    directory = copy_laws(tmp_path, REVIEW_2017)
    broken = (LAWS_SOURCE / REVIEW_2023).read_text(encoding="utf-8").replace("第二十条 ", "第二十一条 ", 1)
    write_law(directory, REVIEW_2023, broken)

    summary = import_law_directory(directory)

    assert [error.source_name for error in summary.refused] == [REVIEW_2023]
    assert "第二十一条" in str(summary.refused[0]) and "行：" in str(summary.refused[0])
    assert list(LawVersion.objects.values_list("label", "is_current")) == [("2017", True)]


def test_two_files_of_the_same_version_refuse_the_second_naming_the_first(tmp_path):
    directory = copy_laws(tmp_path, REVIEW_2023)
    (directory / "副本").mkdir()
    copy_laws(directory / "副本", REVIEW_2023)
    (directory / "副本" / REVIEW_2023).rename(directory / "副本" / "行政复议法（2023-9-1）.md")

    summary = import_law_directory(directory)

    names = {REVIEW_2023, "行政复议法（2023-9-1）.md"}
    (refused,) = summary.refused
    assert refused.source_name in names
    (other,) = names - {refused.source_name}
    assert str(refused) == f"{refused.source_name}：与 {other} 是同一法规的同一版本（2023-09-01），未导入。"
    assert LawVersion.objects.get().source_name == other


def test_all_problems_in_a_directory_are_reported_at_once(tmp_path):
    directory = copy_laws(tmp_path, PENALTY)
    write_law(directory, "无标题(2020-01-01).md", "2020年1月1日 通过\n\n<!-- INFO END -->\n\n第一条 甲。\n")
    write_law(directory, "乱序(2020-01-01).md", "# 乱序\n\n<!-- INFO END -->\n\n第一条 甲。\n\n第三条 丙。\n")

    summary = import_law_directory(directory)

    messages = sorted(str(error) for error in summary.refused)
    assert len(messages) == 2
    assert messages[0].startswith("乱序(2020-01-01).md 第 7 行：条号不连续")
    assert messages[1].startswith("无标题(2020-01-01).md 第 1 行：缺少标题")
    assert list(Law.objects.values_list("slug", flat=True)) == ["行政处罚法"]


def test_command_prints_summary_and_is_quiet_about_readme_files(tmp_path):
    directory = copy_laws(tmp_path, PENALTY, "SOURCES.md")
    out = StringIO()

    call_command("import_laws", str(directory), stdout=out)

    output = out.getvalue()
    assert "条文：新增 86" in output
    assert "SOURCES.md" in output  # listed as skipped, not imported
    assert Law.objects.count() == 1


def test_command_imports_the_good_files_and_exits_nonzero_naming_the_bad_file_and_line(tmp_path):
    directory = copy_laws(tmp_path, PENALTY, REVIEW_2023)
    write_law(directory, "坏法.md", "# 坏法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n前言文字\n\n第一条 甲。\n")
    out, err = StringIO(), StringIO()

    with pytest.raises(CommandError) as caught:
        call_command("import_laws", str(directory), stdout=out, stderr=err)

    assert str(caught.value) == (
        "有 1 个文件未导入（坏法.md）：请按上面列出的文件和行号修改后重新运行；其余 2 个文件已导入。"
    )
    assert err.getvalue().startswith("坏法.md 第 7 行：这段文字不属于任何条文")
    assert "读取文件 3 个，导入 2 个" in out.getvalue()
    assert "未导入的文件：坏法.md" in out.getvalue()
    assert set(Law.objects.values_list("slug", flat=True)) == {"行政复议法", "行政处罚法"}
    assert not SearchDocument.objects.filter(title__startswith="坏法").exists()


def test_command_exits_nonzero_when_every_file_is_refused(tmp_path):
    write_law(tmp_path, "坏法.md", "# 坏法\n\n<!-- INFO END -->\n\n第一条 甲。\n")  # no date anywhere
    with pytest.raises(CommandError) as caught:
        call_command("import_laws", str(tmp_path), stdout=StringIO(), stderr=StringIO())
    assert "其余 0 个文件已导入" in str(caught.value)
    assert not Law.objects.exists()


def test_command_uses_laws_dir_setting_when_no_directory_is_given(tmp_path, settings):
    settings.LAWS_DIR = str(copy_laws(tmp_path, REVIEW_2023))
    call_command("import_laws", stdout=StringIO())
    assert Law.objects.get().short_name == "行政复议法"

    settings.LAWS_DIR = ""
    with pytest.raises(CommandError):
        call_command("import_laws", stdout=StringIO())


def test_missing_directory_is_an_error_not_a_crash(tmp_path):
    with pytest.raises(LawImportFailed) as caught:
        import_law_directory(tmp_path / "nowhere")
    assert "找不到法规目录" in str(caught.value)


def test_whole_shipped_library_imports(tmp_path):
    summary = import_law_directory(copy_laws(tmp_path))

    assert summary.files == 13
    assert Law.objects.count() == 12
    assert LawVersion.objects.filter(is_current=True).count() == 12
    assert LawVersion.objects.get(law__slug="宪法").label == "2018"
    assert LawVersion.objects.get(law__slug="宪法").preamble.startswith("中国是世界上历史最悠久的国家之一")
