"""Chinese search over law articles, courses and lessons.

Runs unchanged on SQLite and on PostgreSQL:
    .venv/bin/pytest --nomigrations tests/cms/test_search.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fazhi .venv/bin/pytest --nomigrations tests/cms/test_search.py
"""

import pytest
from django.urls import reverse

from cms.laws.importer import import_law_directory
from cms.models import LawArticle, SearchDocument, SearchToken
from cms.search import LESSON, SearchEntry, index_many, index_object, register_kind, remove_object, search
from cms.search import registry as search_registry
from cms.search.query import search_documents
from cms.search.text import query_terms, tokens

from .law_helpers import PENALTY, REVIEW_2023, copy_laws

pytestmark = pytest.mark.django_db


@pytest.fixture
def laws(tmp_path):
    import_law_directory(copy_laws(tmp_path, PENALTY, REVIEW_2023))


@pytest.fixture
def lessons_visible_to():
    """Register a visibility rule for lessons (as the course app does) and undo it afterwards."""
    saved = dict(search_registry._KINDS)
    visible: dict[int, set[int]] = {}

    def rule(user):
        return visible.get(user.pk, set())

    register_kind(LESSON, label="课时", order=20, visible=rule)
    yield visible
    search_registry._KINDS.clear()
    search_registry._KINDS.update(saved)


def lesson(obj_id, title, body):
    index_object(
        kind=LESSON, obj_id=obj_id, title=title, body=body, url=f"/courses/lesson-{obj_id}/", context="测试课程"
    )


def current_articles_containing(word: str) -> set[int]:
    """Independent answer: the current articles whose title, chapter/section heading or text contain ``word``."""
    found = set()
    articles = LawArticle.objects.filter(version__is_current=True).select_related("version__law", "chapter", "section")
    for article in articles:
        headings = f"{article.chapter or ''} {article.section or ''}"
        if word in f"{article.version.law.short_name} {article.number_text}\n{headings}\n{article.text}":
            found.add(article.pk)
    return found


def test_bigrams_and_query_terms():
    assert tokens("行政处罚") == {"行政", "政处", "处罚"}
    assert tokens("gb 2312 标准") == {"gb", "2312", "标准"}
    assert query_terms("处罚听证") == ["处罚", "听证"]
    assert query_terms("  行政处罚 ") == ["行政处罚"]
    assert query_terms("ＰＤＦ 格式") == ["pdf", "格式"]


def test_searching_xingzheng_chufa_finds_exactly_the_articles_containing_it(laws, learner):
    expected = current_articles_containing("行政处罚")
    docs, _terms = search_documents("行政处罚", learner)

    found = {doc.object_id for doc in docs}

    assert found == expected
    assert len(found) > 80  # every 行政处罚法 article has it in its title, and more in 行政复议法


def test_searching_tingzheng_finds_the_hearing_articles(laws, learner):
    expected = current_articles_containing("听证")
    hits = search("听证", learner, limit=100)

    hearing = LawArticle.objects.get(version__law__slug="行政处罚法", number=63)
    assert {hit.url for hit in hits} >= {hearing.get_current_url()}
    assert len(hits) == len(expected) >= 10
    assert all(any(marked and text == "听证" for text, marked in hit.snippet) for hit in hits)


def test_words_that_only_appear_apart_are_not_a_phrase_match(learner):
    index_object(kind="law_article", obj_id=1, title="甲", body="行政机关依法处罚", url="/a/")
    index_object(kind="law_article", obj_id=2, title="乙", body="实施行政处罚", url="/b/")
    assert [hit.url for hit in search("行政处罚", learner)] == ["/b/"]


def test_segmented_query_finds_words_apart_and_ranks_the_phrase_first(learner):
    index_object(
        kind="law_article", obj_id=1, title="甲", body="当事人要求听证的，可以提出。对处罚不服的。", url="/apart/"
    )
    index_object(kind="law_article", obj_id=2, title="乙", body="有关处罚听证的规定", url="/phrase/")
    index_object(kind="law_article", obj_id=3, title="丙", body="只有听证", url="/one/")
    assert [hit.url for hit in search("处罚听证", learner)] == ["/phrase/", "/apart/"]


def test_title_matches_rank_before_body_matches(laws, learner, lessons_visible_to):
    lesson(101, "听证程序要点", "本课介绍当事人的权利。")
    lesson(102, "第一课 总则", "讲到听证。")
    lessons_visible_to[learner.pk] = {101, 102}

    hits = search("听证", learner, limit=100)

    assert hits[0].url == "/courses/lesson-101/"
    assert hits[0].kind_label == "课时"
    assert "/courses/lesson-102/" in [hit.url for hit in hits]


def test_learners_see_only_lessons_the_course_rule_allows(learner, lessons_visible_to):
    lesson(201, "听证（本单位课程）", "内容")
    lesson(202, "听证（其他单位课程）", "内容")
    lessons_visible_to[learner.pk] = {201}

    assert [hit.url for hit in search("听证", learner)] == ["/courses/lesson-201/"]


def test_courses_and_lessons_stay_hidden_until_their_rule_is_registered(learner):
    lesson(301, "听证", "内容")
    index_object(kind="course", obj_id=302, title="听证课程", body="内容", url="/courses/c/")
    index_object(kind="unknown_kind", obj_id=303, title="听证", body="内容", url="/x/")
    assert search("听证", learner) == []


def test_anonymous_users_find_nothing(laws):
    from django.contrib.auth.models import AnonymousUser

    assert search("行政处罚", AnonymousUser()) == []


def test_indexing_is_idempotent_and_updates_replace_old_words(learner):
    assert index_object(kind="law_article", obj_id=7, title="标题", body="行政许可", url="/7/") is True
    tokens_before = SearchToken.objects.count()
    assert index_object(kind="law_article", obj_id=7, title="标题", body="行政许可", url="/7/") is False
    assert SearchToken.objects.count() == tokens_before

    index_object(kind="law_article", obj_id=7, title="标题", body="行政强制", url="/7/")

    assert search("行政许可", learner) == []
    assert [hit.url for hit in search("行政强制", learner)] == ["/7/"]
    assert SearchDocument.objects.count() == 1


def test_index_many_and_remove(learner):
    changed = index_many(
        kind="law_article",
        entries=[SearchEntry(obj_id=n, title=f"第{n}条", body="听证会", url=f"/{n}/") for n in range(1, 6)],
    )
    assert changed == 5
    assert remove_object(kind="law_article", obj_id=3) is True
    assert sorted(hit.url for hit in search("听证", learner)) == ["/1/", "/2/", "/4/", "/5/"]
    assert not SearchToken.objects.filter(document__object_id=3).exists()


def test_full_width_and_case_are_normalised(learner):
    index_object(kind="law_article", obj_id=1, title="ＰＤＦ文件", body="Word 文档", url="/1/")
    assert [hit.url for hit in search("pdf", learner)] == ["/1/"]
    assert [hit.url for hit in search("WORD", learner)] == ["/1/"]


def test_search_page_shows_highlighted_results_and_filters_by_kind(client_for, learner, laws, lessons_visible_to):
    lesson(401, "听证程序", "听证的组织")
    lessons_visible_to[learner.pk] = {401}
    client = client_for(learner)

    html = client.get(reverse("search:search"), {"q": "听证"}).content.decode()
    assert "<mark>听证</mark>" in html
    assert "/courses/lesson-401/" in html and "行政处罚法 第六十三条" in html

    only_lessons = client.get(reverse("search:search"), {"q": "听证", "kind": LESSON}).content.decode()
    assert "找到 1 条结果" in only_lessons and "行政处罚法" not in only_lessons


def test_search_page_without_results_or_query_explains_itself(client_for, learner, laws):
    client = client_for(learner)
    assert "没有找到与“量子纠缠”相关的内容" in client.get("/search/", {"q": "量子纠缠"}).content.decode()
    assert "例如“行政处罚”或“听证”" in client.get("/search/").content.decode()


def test_search_page_query_count_does_not_grow_with_results(client_for, learner, laws, django_assert_max_num_queries):
    client = client_for(learner)
    client.get("/search/", {"q": "听证"})
    with django_assert_max_num_queries(30) as few:
        client.get("/search/", {"q": "听证"})
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get("/search/", {"q": "行政处罚"})  # 20 hits on the page instead of about ten


def test_search_page_requires_sign_in(client):
    assert client.get("/search/", {"q": "听证"}).status_code == 302
