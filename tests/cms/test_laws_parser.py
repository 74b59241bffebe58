"""The law-text parser: structure, numbering and the errors it must name by file and line."""

import datetime as dt
import re

import pytest

from cms.laws.numerals import chinese_to_int, int_to_chinese
from cms.laws.parser import LawParseError, parse_law_file, parse_law_text

from .law_helpers import CIVIL_CODE, CONSTITUTION, LAWS_SOURCE, PENALTY, REVIEW_2017, REVIEW_2023

HEAD = (
    "# 中华人民共和国测试法\n\n2020年1月1日 第十三届全国人民代表大会常务委员会第一次会议通过\n\n<!-- INFO END -->\n\n"
)


def parse(body: str, name: str = "测试法(2020-01-01).md", head: str = HEAD):
    return parse_law_text(head + body, source_name=name)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("一", 1),
        ("十", 10),
        ("十二", 12),
        ("二十", 20),
        ("一百", 100),
        ("一百零八", 108),
        ("一百一十九", 119),
        ("二百零四", 204),
        ("一千零一", 1001),
        ("一千二百六十", 1260),
        ("108", 108),
    ],
)
def test_chinese_numerals_convert_both_ways(text, number):
    assert chinese_to_int(text) == number
    if not text.isdigit():
        assert int_to_chinese(number) == text


@pytest.mark.parametrize("text", ["一二", "十十", "百十百", "abc", ""])
def test_malformed_numerals_are_rejected(text):
    with pytest.raises(ValueError):
        chinese_to_int(text)


def test_penalty_law_has_86_articles_in_8_chapters_with_sections_in_chapter_five():
    law = parse_law_file(LAWS_SOURCE / PENALTY)
    assert law.title == "中华人民共和国行政处罚法"
    assert law.short_name == "行政处罚法"
    assert law.slug == "行政处罚法"
    assert law.effective_date == dt.date(2021, 1, 22)
    assert [a.number for a in law.articles] == list(range(1, 87))
    assert [c.number_text for c in law.chapters] == [f"第{int_to_chinese(n)}章" for n in range(1, 9)]
    chapter_five = law.chapters[4]
    assert chapter_five.title == "行政处罚的决定"
    assert [(s.number_text, s.title) for s in chapter_five.sections] == [
        ("第一节", "一般规定"),
        ("第二节", "简易程序"),
        ("第三节", "普通程序"),
        ("第四节", "听证程序"),
    ]
    hearing = next(a for a in law.articles if a.number == 63)
    assert (hearing.chapter_position, hearing.section_position) == (5, 4)
    assert "1996年3月17日" in law.history and "INFO" not in law.history


def test_article_paragraphs_and_items_stay_with_their_article():
    law = parse_law_file(LAWS_SOURCE / REVIEW_2017)
    article = next(a for a in law.articles if a.number == 3)
    assert article.paragraphs[0].startswith("依照本法履行行政复议职责的行政机关是行政复议机关")
    assert "（一）受理行政复议申请；" in article.paragraphs
    assert article.paragraphs[-1].startswith("行政机关中初次从事行政复议的人员")


def test_two_versions_of_a_law_share_the_identifier_but_not_the_date():
    old, new = parse_law_file(LAWS_SOURCE / REVIEW_2017), parse_law_file(LAWS_SOURCE / REVIEW_2023)
    assert old.slug == new.slug == "行政复议法"
    assert (old.effective_date, new.effective_date) == (dt.date(2017, 9, 1), dt.date(2023, 9, 1))
    assert (len(old.articles), len(new.articles)) == (43, 90)


def test_constitution_without_date_in_name_takes_latest_revision_and_keeps_its_preamble():
    law = parse_law_file(LAWS_SOURCE / CONSTITUTION)
    assert law.effective_date == dt.date(2018, 3, 11)
    assert law.preamble.startswith("中国是世界上历史最悠久的国家之一")
    assert "FORCE BREAK" not in law.preamble
    assert len(law.articles) == 143
    assert [s.title for s in law.chapters[2].sections][:2] == ["全国人民代表大会", "中华人民共和国主席"]


def test_civil_code_part_file_names_its_part_and_tidies_spaced_titles():
    law = parse_law_file(LAWS_SOURCE / CIVIL_CODE)
    assert law.short_name == "民法典·总则"
    assert law.effective_date == dt.date(2020, 5, 28)  # the adoption, not the 施行 date
    assert law.chapters[0].title == "基本规定"
    assert len(law.articles) == 204


def test_every_shipped_law_file_parses():
    for path in sorted(LAWS_SOURCE.glob("*.md")):
        if path.name == "SOURCES.md":
            continue
        law = parse_law_file(path)
        assert law.articles, path.name


def test_file_without_chapters_puts_articles_directly_under_the_law():
    law = parse("第一条 为了测试，制定本法。\n\n第二条 本法自公布之日起施行。\n")
    assert law.chapters == []
    assert [(a.number_text, a.text, a.chapter_position) for a in law.articles] == [
        ("第一条", "为了测试，制定本法。", None),
        ("第二条", "本法自公布之日起施行。", None),
    ]


def test_parts_subparts_and_inserted_articles_are_understood():
    law = parse(
        "## 第一编 总则\n\n### 第一章 任务\n\n第一条 甲。\n\n第一条之一 乙。\n\n第二条 丙。\n\n"
        "## 第二编 分则\n\n### 第一分编 通则\n\n#### 第一章 一般规定\n\n##### 第一节 定义\n\n第三条 丁。\n\n"
        "#### 第二章 其他\n\n第四条 戊。\n\n## 附则\n\n第五条 己。\n"
    )
    assert [(a.number, a.sub_number) for a in law.articles] == [(1, 0), (1, 1), (2, 0), (3, 0), (4, 0), (5, 0)]
    assert law.articles[1].number_text == "第一条之一"
    assert [(c.part_title, c.number_text, c.title) for c in law.chapters] == [
        ("第一编 总则", "第一章", "任务"),
        ("第二编 分则 · 第一分编 通则", "第一章", "一般规定"),
        ("第二编 分则 · 第一分编 通则", "第二章", "其他"),
        ("", "", "附则"),
    ]
    assert law.chapters[1].sections[0].title == "定义"


def test_a_paragraph_starting_with_an_article_reference_is_not_a_new_article():
    law = parse("第一条 甲。\n\n第三条规定的情形除外。\n\n第二条 乙。\n")
    assert [a.number for a in law.articles] == [1, 2]
    assert law.articles[0].paragraphs == ["甲。", "第三条规定的情形除外。"]


def test_history_without_dates_and_no_date_in_name_is_an_error():
    with pytest.raises(LawParseError) as caught:
        parse("第一条 甲。\n", name="无日期法.md", head="# 无日期法\n\n某次会议通过\n\n<!-- INFO END -->\n\n")
    assert "版本日期" in caught.value.message
    assert caught.value.source_name == "无日期法.md"


def test_date_in_chinese_numerals_in_history_is_read():
    law = parse("第一条 甲。\n", name="旧法.md", head="# 旧法\n\n一九八二年十二月四日 通过\n\n<!-- INFO END -->\n")
    assert law.effective_date == dt.date(1982, 12, 4)


def error_of(body: str, head: str = HEAD, name: str = "坏文件(2020-01-01).md") -> LawParseError:
    with pytest.raises(LawParseError) as caught:
        parse(body, name=name, head=head)
    return caught.value


HEAD_LINES = HEAD.count("\n")


@pytest.mark.parametrize(
    ("body", "line", "words"),
    [
        ("第一条 甲。\n\n第三条 丙。\n", HEAD_LINES + 3, "不连续"),
        ("第一条 甲。\n\n第二条 乙。\n\n第二条 乙。\n", HEAD_LINES + 5, "重复"),
        ("第二条 乙。\n\n第一条 甲。\n", HEAD_LINES + 3, "重复或倒序"),
        ("这是一段说明。\n\n第一条 甲。\n", HEAD_LINES + 1, "不属于任何条文"),
        ("## 第一章 总则\n\n说明文字。\n\n第一条 甲。\n", HEAD_LINES + 3, "不属于任何条文"),
        ("## 第一章 总则\n\n第一条 甲。\n\n## 第三章 附则\n\n第二条 乙。\n", HEAD_LINES + 5, "第二章"),
        ("### 第一节 一般规定\n\n第一条 甲。\n", HEAD_LINES + 1, "不在任何一章之内"),
        ("## 第一章 总则\n\n第一条\n\n## 第二章 附则\n\n第二条 乙。\n", HEAD_LINES + 3, "没有条文内容"),
    ],
)
def test_malformed_bodies_are_reported_with_file_and_line(body, line, words):
    error = error_of(body)
    assert error.source_name == "坏文件(2020-01-01).md"
    assert error.line == line
    assert words in error.message
    assert str(error).startswith(f"坏文件(2020-01-01).md 第 {line} 行：")


def test_file_without_title_is_rejected_at_its_first_line():
    error = error_of("第一条 甲。\n", head="\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n")
    assert error.line == 2
    assert "缺少标题" in error.message


def test_without_the_marker_the_body_starts_at_the_first_heading_or_article():
    law = parse("第一条 甲。\n", head="# 某法\n\n2020年1月1日 通过\n\n")
    assert law.history == "2020年1月1日 通过" and [a.number for a in law.articles] == [1]
    law = parse("## 第一章 总则\n\n第一条 甲。\n", head="# 某法\n\n（2020年1月1日通过）\n\n")
    assert law.history == "（2020年1月1日通过）" and law.chapters[0].title == "总则"
    error = error_of("只有沿革，没有正文。\n", head="# 某法\n\n2020年1月1日 通过\n\n")
    assert "没有找到任何条文" in error.message


def test_copies_from_other_sources_plain_headings_bold_numbers_and_gbk(tmp_path):
    text = (
        "# 中华人民共和国测试法\n\n（2020年1月1日通过）\n\n第一章　总　则\n\n**第一条**　为了测试，制定本法。\n\n"
        "第二条　本法适用于测试。\n第二章规定的措施除外。\n\n第二章 附则\n\n第一节　一般规定\n\n第三条 本法自公布之日起施行。\n"
    )
    path = tmp_path / "测试法(2020-01-01).md"
    path.write_bytes(text.encode("gb18030"))
    law = parse_law_file(path)
    assert [(c.number, c.title) for c in law.chapters] == [(1, "总则"), (2, "附则")]
    assert [a.number for a in law.articles] == [1, 2, 3]
    assert law.articles[0].paragraphs == ["为了测试，制定本法。"]
    assert law.articles[1].paragraphs[-1] == "第二章规定的措施除外。"  # text, not a heading
    assert law.chapters[1].sections[0].title == "一般规定"


def test_file_without_any_article_is_rejected():
    error = error_of("## 第一章 总则\n")
    assert "没有找到任何条文" in error.message


def test_unknown_heading_text_becomes_a_chapter_but_stray_text_under_it_is_an_error():
    error = error_of("第一条 甲。\n\n## 说明\n\n一些说明文字。\n")
    assert error.line == HEAD_LINES + 5
    assert re.search("不属于任何条文", error.message)


def test_bad_date_in_file_name_is_rejected():
    error = error_of("第一条 甲。\n", name="某法(2020-13-45).md")
    assert error.line is None
    assert "日期" in error.message
