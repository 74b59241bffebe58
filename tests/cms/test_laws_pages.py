"""Law-library pages: what a signed-in official reads, stable article URLs, query counts."""

import pytest
from django.urls import reverse

from cms.laws.importer import import_law_directory
from cms.models import LawArticle

from .law_helpers import CIVIL_CODE, PENALTY, REVIEW_2017, REVIEW_2023, copy_laws, write_law

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(tmp_path):
    import_law_directory(copy_laws(tmp_path, PENALTY, REVIEW_2017, REVIEW_2023))


def test_anonymous_visitors_are_sent_to_sign_in(client, library):
    response = client.get(reverse("laws:law_list"))
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_law_list_shows_each_law_with_its_current_version(client_for, learner, library):
    response = client_for(learner).get(reverse("laws:law_list"))
    html = response.content.decode()
    assert "行政处罚法" in html and "行政复议法" in html
    assert "2023 · 现行" in html
    assert "2021年1月22日 版，共 86 条" in html


def test_law_page_has_contents_and_every_article_of_the_current_version(client_for, learner, library):
    response = client_for(learner).get("/laws/行政处罚法/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="#ch-5"' in html and "第五章 行政处罚的决定" in html
    assert "第四节 听证程序" in html
    assert html.count('class="law-article"') == 86
    assert 'href="/laws/%E8%A1%8C%E6%94%BF%E5%A4%84%E7%BD%9A%E6%B3%95/art/63/"' in html


def test_version_switcher_marks_the_current_version_and_old_versions_warn(client_for, learner, library):
    client = client_for(learner)
    current = client.get("/laws/行政复议法/").content.decode()
    assert "2023 · 现行" in current and "已不是现行有效的文本" not in current
    assert current.count('class="law-article"') == 90

    old = client.get("/laws/行政复议法/2017/").content.decode()
    assert "2017 · 历史" in old
    assert "已不是现行有效的文本" in old
    assert old.count('class="law-article"') == 43
    assert "/laws/%E8%A1%8C%E6%94%BF%E5%A4%8D%E8%AE%AE%E6%B3%95/2023/" in old


def test_article_urls_by_version_and_current_show_the_right_text(client_for, learner, library):
    client = client_for(learner)
    pinned = client.get("/laws/行政复议法/2017/art/9/").content.decode()
    current = client.get("/laws/行政复议法/art/9/").content.decode()
    old_text = LawArticle.objects.get(version__label="2017", version__law__slug="行政复议法", number=9).text
    new_text = LawArticle.objects.get(version__label="2023", version__law__slug="行政复议法", number=9).text
    assert old_text != new_text
    assert old_text.split("\n")[0] in pinned and "历史版本中的条文" in pinned
    assert new_text.split("\n")[0] in current and "历史版本中的条文" not in current
    assert "《中华人民共和国行政复议法》（2023）第九条" in current


def test_article_missing_from_another_version_says_so(client_for, learner, tmp_path):
    head = "# 测试法\n\n{date} 通过\n\n<!-- INFO END -->\n\n"
    write_law(tmp_path, "测试法(2019-01-01).md", head.format(date="2019年1月1日") + "第一条 旧甲。\n\n第二条 旧乙。\n")
    write_law(tmp_path, "测试法(2020-01-01).md", head.format(date="2020年1月1日") + "第一条 新甲。\n")
    import_law_directory(tmp_path)
    client = client_for(learner)

    old = client.get("/laws/测试法/2019/art/2/").content.decode()
    assert "旧乙。" in old and "现行版本没有这一条" in old and "2020 · 无此条" in old
    current = client.get("/laws/测试法/art/1/").content.decode()
    assert "新甲。" in current and 'href="/laws/%E6%B5%8B%E8%AF%95%E6%B3%95/2019/art/1/"' in current
    assert 'rel="prev"' not in current and 'rel="next"' not in current


def test_unknown_law_version_or_article_is_404(client_for, learner, library):
    client = client_for(learner)
    assert client.get("/laws/没有的法/").status_code == 404
    assert client.get("/laws/行政处罚法/1999/").status_code == 404
    assert client.get("/laws/行政处罚法/art/87/").status_code == 404
    assert client.get("/laws/行政处罚法/2021/art/87/").status_code == 404


def test_article_url_stays_the_same_after_reimport(client_for, learner, tmp_path):
    directory = copy_laws(tmp_path, PENALTY)
    import_law_directory(directory)
    article = LawArticle.objects.get(number=63)
    url = article.get_absolute_url()
    path = directory / PENALTY
    path.write_text(path.read_text(encoding="utf-8").replace("第六十三条 ", "第六十三条 （修改）"), encoding="utf-8")

    import_law_directory(directory)

    assert LawArticle.objects.get(number=63).pk == article.pk
    assert "（修改）" in client_for(learner).get(url).content.decode()


def test_inserted_articles_have_their_own_urls(client_for, learner, tmp_path):
    write_law(
        tmp_path,
        "测试法(2020-01-01).md",
        "# 测试法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n第一条 甲。\n\n第一条之一 乙。\n\n第二条 丙。\n",
    )
    import_law_directory(tmp_path)
    html = client_for(learner).get("/laws/测试法/art/1-1/").content.decode()
    assert "第一条之一" in html and "乙。" in html
    assert 'rel="prev"' in html and 'rel="next"' in html


SMALL_LAW = "# 小法\n\n2020年1月1日 通过\n\n<!-- INFO END -->\n\n## 第一章 总则\n\n### 第一节 一\n\n第一条 甲。\n\n第二条 乙。\n"


def count_queries(client, url, assert_max) -> int:
    """Queries for one request (after a warm-up request, so sessions and caches are settled)."""
    client.get(url)
    with assert_max(30) as captured:
        assert client.get(url).status_code == 200
    return len(captured.captured_queries)


def test_law_pages_query_count_does_not_grow_with_laws_or_articles(
    client_for, learner, tmp_path, django_assert_max_num_queries
):
    (tmp_path / "small").mkdir()
    write_law(tmp_path / "small", "小法(2020-01-01).md", SMALL_LAW)
    import_law_directory(tmp_path / "small")
    client = client_for(learner)
    small = {
        "list": count_queries(client, "/laws/", django_assert_max_num_queries),
        "law": count_queries(client, "/laws/小法/", django_assert_max_num_queries),
        "article": count_queries(client, "/laws/小法/2020/art/2/", django_assert_max_num_queries),
    }
    # Now 4 more laws, 2 versions of one, 204 articles in 10 chapters and 15 sections in another.
    import_law_directory(copy_laws(tmp_path / "big", CIVIL_CODE, PENALTY, REVIEW_2017, REVIEW_2023))
    big = {
        "list": count_queries(client, "/laws/", django_assert_max_num_queries),
        "law": count_queries(client, "/laws/民法典-总则编/", django_assert_max_num_queries),
        "article": count_queries(client, "/laws/行政复议法/2017/art/9/", django_assert_max_num_queries),
    }
    assert big == small


def test_navigation_offers_laws_and_search_to_signed_in_users(client_for, learner, library):
    html = client_for(learner).get(reverse("laws:law_list")).content.decode()
    assert 'href="/laws/"' in html and "法规库" in html
    assert 'href="/search/"' in html
