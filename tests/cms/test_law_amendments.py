"""A new version of a law reaches the content: articles matched across versions, citing pages flagged,
learners told “本条已修订”.

The matching is tested on small made-up versions (one rule per test) and on the real
行政复议法 2017 → 2023, which renumbered nearly everything; the flags on real imports.
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page

from cms.laws.amendments import (
    CHANGED,
    MOVED,
    REPEALED,
    UNCHANGED,
    ArticleText,
    match_articles,
)
from cms.laws.importer import import_law_directory
from cms.laws.parser import parse_law_file
from cms.models import (
    CourseLawArticle,
    FlagStatus,
    LawAmendmentFlag,
    LawArticle,
    LawArticleChange,
    LawVersionComparison,
)
from tests.cms import course_factories as cf

from .law_helpers import LAWS_SOURCE, PENALTY, REVIEW_2017, REVIEW_2023, amended_version, copy_laws

# --- Matching (no database) ----------------------------------------------------------------------------

LAW = [
    "为了规范行政处罚的设定和实施，保障和监督行政机关有效实施行政管理，制定本法。",
    "行政处罚是指行政机关依法对违反行政管理秩序的公民、法人或者其他组织，以减损权益或者增加义务的方式予以惩戒的行为。",
    "公民、法人或者其他组织违反行政管理秩序的行为，应当给予行政处罚的，依照本法由法律、法规、规章规定，并由行政机关依照本法规定的程序实施。",
    "行政处罚遵循公正、公开的原则。设定和实施行政处罚必须以事实为依据，与违法行为的事实、性质、情节以及社会危害程度相当。",
    "实施行政处罚，纠正违法行为，应当坚持处罚与教育相结合，教育公民、法人或者其他组织自觉守法。",
    "本法自2021年7月15日起施行。",
]


def version(texts, start=1, base=0) -> list[ArticleText]:
    return [ArticleText(id=base + i, number=start + i, sub_number=0, text=text) for i, text in enumerate(texts)]


def by_old_number(matches) -> dict[int, tuple[str, int | None]]:
    return {m.old.number: (m.kind, m.new.number if m.new else None) for m in matches}


def test_the_same_words_under_the_same_number_are_unchanged_even_if_repunctuated():
    new = [*LAW]
    new[3] = new[3].replace("。", "；", 1).replace("、", " 、")
    matches = match_articles(version(LAW), version(new, base=100))
    assert set(by_old_number(matches).values()) == {(UNCHANGED, n) for n in range(1, 7)}
    assert not any(m.amended for m in matches)


def test_an_inserted_article_moves_the_ones_after_it():
    new = [*LAW[:2], "行政机关应当依法公开行政处罚的实施机关、立案依据、实施程序和救济渠道等信息。", *LAW[2:]]
    assert by_old_number(match_articles(version(LAW), version(new, base=100))) == {
        1: (UNCHANGED, 1),
        2: (UNCHANGED, 2),
        3: (MOVED, 4),
        4: (MOVED, 5),
        5: (MOVED, 6),
        6: (MOVED, 7),
    }


def test_a_reworded_article_keeps_its_number_and_is_changed():
    new = [*LAW]
    new[4] = (
        "实施行政处罚，纠正违法行为，应当坚持处罚与教育相结合，教育公民、法人或者其他组织自觉守法，并依法保护当事人的合法权益。"
    )
    matches = by_old_number(match_articles(version(LAW), version(new, base=100)))
    assert matches[5] == (CHANGED, 5)
    assert [kind for number, (kind, _n) in matches.items() if number != 5] == [UNCHANGED] * 5


def test_a_deleted_article_is_repealed_and_the_ones_after_it_move_up():
    new = [*LAW[:1], *LAW[2:]]
    assert by_old_number(match_articles(version(LAW), version(new, base=100))) == {
        1: (UNCHANGED, 1),
        2: (REPEALED, None),
        3: (MOVED, 2),
        4: (MOVED, 3),
        5: (MOVED, 4),
        6: (MOVED, 5),
    }


def test_an_article_rewritten_in_place_between_kept_neighbours_is_the_same_article():
    new = [*LAW]
    new[2] = (
        "违反行政管理秩序的行为，除法律另有规定外，由违法行为发生地的县级以上地方人民政府具有行政处罚权的行政部门管辖。"
    )
    old_grams = set(LAW[2][i : i + 2] for i in range(len(LAW[2]) - 1))
    new_grams = set(new[2][i : i + 2] for i in range(len(new[2]) - 1))
    assert 2 * len(old_grams & new_grams) / (len(old_grams) + len(new_grams)) < 0.5  # no best-match by words
    matches = by_old_number(match_articles(version(LAW), version(new, base=100)))
    assert matches[3] == (CHANGED, 3)


def test_two_articles_merged_into_one_both_point_at_it():
    merged = LAW[3] + LAW[4]
    new = [*LAW[:3], merged, LAW[5]]
    matches = by_old_number(match_articles(version(LAW), version(new, base=100)))
    assert matches[4] == (CHANGED, 4)
    assert matches[5] == (MOVED, 4)
    assert matches[6] == (MOVED, 5)


def test_position_pairs_one_rewritten_article_but_not_a_gap_of_two():
    new = [*LAW[:5], "国家建立行政执法公示制度。", LAW[5]]
    new.pop(4)  # 第五条 gone; a new, unrelated 第五条 in its place further down
    matches = by_old_number(match_articles(version(LAW), version(new, base=100)))
    assert matches[5] == (CHANGED, 5)  # rewritten in place: same slot between kept neighbours
    gone = [*LAW[:4], "国家建立行政执法公示制度。", "行政机关应当建立健全行政执法监督制度。", LAW[5]]
    matches = by_old_number(match_articles(version(LAW), version(gone, base=100)))
    assert matches[5] == (REPEALED, None)  # two new articles in one old slot: no pairing by position


def test_review_law_2017_to_2023_follows_the_renumbering():
    old = parse_law_file(LAWS_SOURCE / REVIEW_2017)
    new = parse_law_file(LAWS_SOURCE / REVIEW_2023)
    matches = match_articles(
        [ArticleText(a.number, a.number, a.sub_number, a.text) for a in old.articles],
        [ArticleText(1000 + a.number, a.number, a.sub_number, a.text) for a in new.articles],
    )
    found = by_old_number(matches)
    assert len(matches) == 43
    assert found[1] == (CHANGED, 1)  # 立法目的, reworded
    assert found[5] == (MOVED, 10)  # 对复议决定不服可以起诉
    assert found[9] == (MOVED, 20)  # 六十日申请期限
    assert found[21] == (MOVED, 42)  # 复议期间不停止执行
    assert found[31] == (MOVED, 62)  # 六十日内作出决定
    assert found[41] == (MOVED, 89)  # 外国人… word for word
    assert found[42] == (REPEALED, None)  # 与本法不一致的以本法为准: gone
    assert next(m for m in matches if m.old.number == 41).similarity == 1.0
    # The 2023 revision rewrote the whole law: not one article kept both its words and its number.
    assert not any(kind == UNCHANGED for kind, _n in found.values())
    # One-to-one except for merged articles.
    targets = [n for kind, n in found.values() if n is not None]
    assert len(targets) == len(set(targets))


# --- Flags on import -----------------------------------------------------------------------------------


@pytest.fixture
def review_2017(tmp_path, db):
    import_law_directory(copy_laws(tmp_path / "2017", REVIEW_2017))
    return {a.number: a for a in LawArticle.objects.filter(version__law__slug="行政复议法")}


def import_2023(tmp_path):
    return import_law_directory(copy_laws(tmp_path / "2023", REVIEW_2023))


def current_review_article(number: int) -> LawArticle:
    return LawArticle.objects.get(version__law__slug="行政复议法", version__is_current=True, number=number)


def test_a_lesson_citing_a_changed_article_is_flagged_with_old_and_new_text(tmp_path, review_2017):
    course = cf.course()
    lesson = cf.lesson(course, citations=[review_2017[9]])
    assert not LawAmendmentFlag.objects.exists()

    summary = import_2023(tmp_path)

    flag = LawAmendmentFlag.objects.get()
    assert (flag.page_id, flag.status, flag.kind) == (lesson.pk, FlagStatus.OPEN, MOVED)
    assert flag.old_article == review_2017[9]
    assert flag.new_article == current_review_article(20)
    assert flag.new_version.label == "2023" and flag.law.slug == "行政复议法"
    assert (flag.old_version_label, flag.old_number_text) == ("2017", "第九条")
    assert (flag.new_version_label, flag.new_number_text) == ("2023", "第二十条")
    assert flag.old_text == review_2017[9].text and "六十日内提出行政复议申请" in flag.old_text
    assert flag.new_text == current_review_article(20).text
    assert summary.flags_raised == 1
    assert "修订提醒：1 条" in "\n".join(summary.lines())


def test_same_number_rewrite_and_repeal_and_course_coverage_are_flagged(tmp_path, review_2017):
    course = cf.course()
    CourseLawArticle.objects.create(page=course, article=review_2017[1])
    lesson = cf.lesson(course, citations=[review_2017[1], review_2017[42]])

    import_2023(tmp_path)

    flags = {(f.page_id, f.old_number_text): f for f in LawAmendmentFlag.objects.all()}
    assert set(flags) == {(course.pk, "第一条"), (lesson.pk, "第一条"), (lesson.pk, "第四十二条")}
    assert flags[(lesson.pk, "第一条")].kind == CHANGED
    assert flags[(lesson.pk, "第一条")].new_number_text == "第一条"
    repealed = flags[(lesson.pk, "第四十二条")]
    assert (repealed.kind, repealed.new_article, repealed.new_text, repealed.new_number_text) == (
        REPEALED,
        None,
        "",
        "",
    )
    assert repealed.new_version.label == "2023"


def test_content_citing_other_laws_or_current_articles_is_not_flagged(tmp_path, review_2017):
    import_law_directory(copy_laws(tmp_path / "penalty", PENALTY))
    penalty = LawArticle.objects.get(version__law__slug="行政处罚法", number=33)
    course = cf.course()
    cf.lesson(course, citations=[penalty])

    import_2023(tmp_path)
    cf.lesson(course, citations=[current_review_article(20)])
    import_2023(tmp_path)

    assert not LawAmendmentFlag.objects.exists()


def test_a_draft_citing_an_old_article_is_flagged_too(tmp_path, review_2017):
    course = cf.course()
    lesson = cf.lesson(course)
    lesson.body = [
        *[(block.block_type, block.value) for block in lesson.body],
        ("law_citation", {"article": review_2017[9], "note": ""}),
    ]
    lesson.save_revision()  # a draft: the live page does not cite it yet

    import_2023(tmp_path)

    assert list(LawAmendmentFlag.objects.values_list("page_id", "old_number_text")) == [(lesson.pk, "第九条")]


def test_reimporting_raises_nothing_again_and_never_reopens_a_resolved_flag(tmp_path, review_2017):
    from cms.laws.flags import resolve_flag

    course = cf.course()
    cf.lesson(course, citations=[review_2017[9], review_2017[41]])
    import_2023(tmp_path)
    first, second = LawAmendmentFlag.objects.order_by("old_number_text")
    resolve_flag(flag=first, user=None, note="已改为引用新条文")
    comparisons = list(LawVersionComparison.objects.values_list("pk", "compared_at"))

    summary = import_law_directory(copy_laws(tmp_path / "2023", REVIEW_2017, REVIEW_2023))

    assert summary.flags_raised == 0
    assert list(LawVersionComparison.objects.values_list("pk", "compared_at")) == comparisons
    assert LawAmendmentFlag.objects.count() == 2
    first.refresh_from_db()
    assert (first.status, first.resolution_note) == (FlagStatus.RESOLVED, "已改为引用新条文")


def test_a_library_imported_before_flags_existed_is_flagged_when_the_import_runs_again(tmp_path, db):
    directory = copy_laws(tmp_path, REVIEW_2017, REVIEW_2023)
    import_law_directory(directory)
    LawVersionComparison.objects.all().delete()  # as in a database from before the comparisons
    old_ninth = LawArticle.objects.get(version__label="2017", number=9)
    lesson = cf.lesson(cf.course(), citations=[old_ninth])

    summary = import_law_directory(directory)

    assert summary.flags_raised == 1
    assert LawAmendmentFlag.objects.get().page_id == lesson.pk


def test_an_amended_law_with_unchanged_changed_moved_and_repealed_articles(tmp_path, db):
    import_law_directory(copy_laws(tmp_path / "2021", PENALTY))
    old = {a.number: a for a in LawArticle.objects.filter(version__law__slug="行政处罚法")}
    course = cf.course()
    lessons = {n: cf.lesson(course, citations=[old[n]]) for n in (5, 33, 50, 60)}
    amended_version(
        tmp_path / "2025",
        PENALTY,
        "2025-01-01",
        replace={
            33: "违法行为轻微并及时改正，没有造成危害后果的，不予行政处罚；当事人有证据足以证明没有主观过错的，不予行政处罚。"
        },
        drop={50},
    )

    import_law_directory(tmp_path / "2025")

    flags = {f.page_id: f for f in LawAmendmentFlag.objects.all()}
    assert lessons[5].pk not in flags  # 公正、公开 kept word for word: nothing to do
    assert (flags[lessons[33].pk].kind, flags[lessons[33].pk].new_number_text) == (CHANGED, "第三十三条")
    assert (flags[lessons[50].pk].kind, flags[lessons[50].pk].new_article) == (REPEALED, None)
    assert (flags[lessons[60].pk].kind, flags[lessons[60].pk].new_number_text) == (MOVED, "第五十九条")
    assert flags[lessons[60].pk].new_text == old[60].text
    kinds = LawArticleChange.objects.values_list("kind", flat=True)
    assert (list(kinds).count(UNCHANGED), list(kinds).count(REPEALED)) == (48, 1)  # 1–49 less 33; 51–86 moved


def test_a_newer_version_supersedes_the_open_flags_of_the_previous_one(tmp_path, review_2017):
    lesson = cf.lesson(cf.course(), citations=[review_2017[9]])
    import_2023(tmp_path)
    earlier = LawAmendmentFlag.objects.get()
    longer = current_review_article(20).text.replace("六十日内", "九十日内")
    amended_version(tmp_path / "2024", REVIEW_2023, "2024-06-01", replace={20: longer})

    import_law_directory(tmp_path / "2024")

    earlier.refresh_from_db()
    assert earlier.status == FlagStatus.RESOLVED and earlier.resolved_by is None
    assert earlier.resolution_note == "已由 2024 年版本的提醒取代。"
    latest = LawAmendmentFlag.objects.get(status=FlagStatus.OPEN)
    assert (latest.page_id, latest.new_version_label, latest.new_number_text) == (lesson.pk, "2024", "第二十条")
    assert "九十日内" in latest.new_text


def test_a_page_deleted_takes_its_flags_with_it(tmp_path, review_2017):
    lesson = cf.lesson(cf.course(), citations=[review_2017[9]])
    import_2023(tmp_path)
    Page.objects.get(pk=lesson.pk).delete()
    assert not LawAmendmentFlag.objects.exists()


# --- What the learner sees -------------------------------------------------------------------------------


def test_the_learner_sees_that_a_cited_article_was_revised_with_a_link_to_the_current_text(
    tmp_path, review_2017, learner, client_for
):
    lesson = cf.lesson(cf.course(), citations=[review_2017[9], review_2017[42]])
    import_2023(tmp_path)

    html = client_for(learner).get(lesson.url).content.decode()

    assert html.count("本条已修订") == 2
    # The text the lesson quoted, and where the current one is.
    assert review_2017[9].paragraphs[0] in html
    assert f'href="{current_review_article(20).get_absolute_url()}" data-law-current' in html
    assert "本条在 2023 年版本中调整为第二十条" in html
    assert current_review_article(20).paragraphs[0] not in html
    # A repealed article links to the current version of the law.
    assert "现行版本已删除本条" in html
    assert f'href="{review_2017[42].version.law.get_absolute_url()}" data-law-current' in html


def test_no_notice_on_a_current_or_an_unchanged_article(tmp_path, db, learner, client_for):
    import_law_directory(copy_laws(tmp_path / "2021", PENALTY))
    fifth = LawArticle.objects.get(number=5)
    lesson = cf.lesson(cf.course(), citations=[fifth])
    assert "本条已修订" not in client_for(learner).get(lesson.url).content.decode()

    amended_version(tmp_path / "2025", PENALTY, "2025-01-01", drop={50})
    import_law_directory(tmp_path / "2025")

    html = client_for(learner).get(lesson.url).content.decode()
    assert "本条已修订" not in html
    current_fifth = LawArticle.objects.get(version__is_current=True, number=5)
    assert current_fifth.get_absolute_url() in html and fifth.paragraphs[0] in html


def test_the_lesson_page_resolves_its_citations_in_constant_queries(
    tmp_path, review_2017, learner, client_for, django_assert_max_num_queries
):
    import_2023(tmp_path)
    course = cf.course()
    few = cf.lesson(course, citations=[review_2017[9]])
    many = cf.lesson(course, citations=[review_2017[n] for n in (1, 5, 9, 21, 31, 41, 42)])
    client = client_for(learner)
    client.get(few.url)
    client.get(many.url)  # both visited once: the lesson timers exist

    with CaptureQueriesContext(connection) as one:
        client.get(few.url)
    with django_assert_max_num_queries(len(one.captured_queries)):
        html = client.get(many.url).content.decode()
    assert html.count("本条已修订") == 7
