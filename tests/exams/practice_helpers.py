"""A law with chapters and articles, and an open practice bank citing them (practice and 错题本 tests)."""

from __future__ import annotations

import datetime as dt

from cms.models import Law, LawArticle, LawChapter, LawVersion
from exams.models import QuestionType

from . import factories_exams as f


def law_with_articles(short_name: str = "行政处罚法", slug: str = "xzcf", chapters: int = 2) -> list[LawArticle]:
    law = Law.objects.create(slug=slug, title=f"中华人民共和国{short_name}", short_name=short_name)
    version = LawVersion.objects.create(
        law=law, label="2021", title=law.title, effective_date=dt.date(2021, 7, 15), is_current=True
    )
    articles = []
    for c in range(1, chapters + 1):
        chapter = LawChapter.objects.create(
            version=version, position=c, number=c, number_text=f"第{'一二三四'[c - 1]}章", title=f"章{c}"
        )
        for n in range(2):
            number = 10 * c + n
            articles.append(
                LawArticle.objects.create(
                    version=version, chapter=chapter, number=number, number_text=f"第{number}条", text=f"条文{number}"
                )
            )
    return articles


def open_bank(n: int = 5, *, articles=(), open_=True, name: str = "行政处罚法", parent=None):
    """``n`` single-choice questions (correct ``B``) in a category open for practice, citing ``articles`` in turn."""
    cat = f.category(name, parent)
    cat.open_for_practice = open_
    cat.save()
    questions = []
    for i in range(n):
        q = f.question(QuestionType.SINGLE, cat=cat, name=f"{name}-{i}")
        if articles:
            q.law_articles.add(articles[i % len(articles)])
        questions.append(q)
    return questions
