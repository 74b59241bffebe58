"""Demo courses built on the imported law texts (called by ``seed_demo`` after ``import_laws``).

《行政处罚法》精讲 has one lesson per chapter of the 2021 text, each citing a few
of the chapter's articles and ending with a check question written for that
chapter. A few shorter courses on other imported laws use generated questions
("which chapter holds this article?"). Everything is published; running the
function again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.html import escape
from wagtail.rich_text import RichText

from accounts.models import StaffCategory
from cms.models import CourseLawArticle, CoursePage, Law, LawArticle, LawChapter, LawVersion, LessonPage
from cms.setup import ensure_course_index

LESSON_SECONDS = 600
SHORT_LESSON_SECONDS = 300


@dataclass(frozen=True)
class ChapterLesson:
    """Hand-written content for one chapter of 行政处罚法 (keyed by the chapter's title)."""

    cite: tuple[int, ...]
    question: str
    options: tuple[str, ...]
    answer: int
    explanation: str
    answer_article: int


PENALTY_CHAPTERS = {
    "总则": ChapterLesson(
        (1, 2, 5),
        "根据《行政处罚法》，行政处罚遵循什么原则？",
        ("公正、公开", "从重、从快", "属地管理", "上级审批"),
        1,
        "第五条：行政处罚遵循公正、公开的原则。",
        5,
    ),
    "行政处罚的种类和设定": ChapterLesson(
        (9, 10, 16),
        "限制人身自由的行政处罚，只能由什么设定？",
        ("法律", "行政法规", "地方性法规", "部门规章"),
        1,
        "第十条：限制人身自由的行政处罚，只能由法律设定。",
        10,
    ),
    "行政处罚的实施机关": ChapterLesson(
        (17, 18, 20),
        "行政机关委托符合条件的组织实施行政处罚，应当采用什么方式？",
        ("书面委托", "口头委托", "电话通知", "无需委托"),
        1,
        "第二十条：行政机关可以在其法定权限内书面委托符合条件的组织实施行政处罚。",
        20,
    ),
    "行政处罚的管辖和适用": ChapterLesson(
        (22, 33, 36),
        "一般违法行为在多长时间内未被发现的，不再给予行政处罚？",
        ("六个月", "一年", "二年", "五年"),
        3,
        "第三十六条：违法行为在二年内未被发现的，不再给予行政处罚；涉及公民生命健康安全、金融安全且有危害后果的，延长至五年。",
        36,
    ),
    "行政处罚的决定": ChapterLesson(
        (42, 51, 63, 64),
        "当事人要求听证的，应当在行政机关告知后几日内提出？",
        ("三日", "五日", "七日", "十五日"),
        2,
        "第六十四条：当事人要求听证的，应当在行政机关告知后五日内提出。",
        64,
    ),
    "行政处罚的执行": ChapterLesson(
        (66, 67, 73),
        "当事人应当自收到行政处罚决定书之日起多少日内缴纳罚款？",
        ("五日", "七日", "十五日", "三十日"),
        3,
        "第六十七条：当事人应当自收到行政处罚决定书之日起十五日内，到指定的银行或者通过电子支付系统缴纳罚款。",
        67,
    ),
    "法律责任": ChapterLesson(
        (76, 79),
        "行政机关实施行政处罚没有法定依据的，对直接负责的主管人员和其他直接责任人员应当如何处理？",
        ("依法给予处分", "一律不予追究", "仅作书面检讨", "由当事人决定"),
        1,
        "第七十六条：由上级行政机关或者有关机关责令改正，对直接负责的主管人员和其他直接责任人员依法给予处分。",
        76,
    ),
    "附则": ChapterLesson(
        (84, 85, 86),
        "修订后的《行政处罚法》自何时起施行？",
        ("2021年1月22日", "2021年7月15日", "1996年10月1日", "2022年1月1日"),
        2,
        "第八十六条：本法自2021年7月15日起施行。",
        86,
    ),
}


@dataclass(frozen=True)
class DemoCourse:
    slug: str
    law_slug: str
    version_label: str | None  # None: the current version
    title: str
    summary: str
    hours: Decimal
    lesson_seconds: int
    max_lessons: int | None = None
    categories: tuple[str, ...] = ()


DEMO_COURSES = (
    DemoCourse(
        "xzcf-jingjiang",
        "行政处罚法",
        "2021",
        "《行政处罚法》精讲",
        "逐章学习 2021 年修订的《中华人民共和国行政处罚法》：处罚的种类和设定、实施机关、管辖和适用、"
        "决定程序（含简易程序、普通程序和听证程序）、执行与法律责任。每课时配有原文引用和随堂检测。",
        Decimal("2.0"),
        LESSON_SECONDS,
    ),
    DemoCourse(
        "xzxk-yaodian",
        "行政许可法",
        None,
        "《行政许可法》要点",
        "行政许可的设定、实施机关与实施程序要点，帮助执法人员依法办理许可事项。",
        Decimal("1.0"),
        SHORT_LESSON_SECONDS,
        max_lessons=4,
    ),
    DemoCourse(
        "xzqz-yaodian",
        "行政强制法",
        None,
        "《行政强制法》要点",
        "行政强制措施与行政强制执行的种类、设定和实施程序。",
        Decimal("1.0"),
        SHORT_LESSON_SECONDS,
        max_lessons=4,
    ),
    DemoCourse(
        "zdjc-jiedu",
        "重大行政决策程序暂行条例",
        None,
        "《重大行政决策程序暂行条例》解读",
        "面向领导干部：重大行政决策的启动、公众参与、专家论证、风险评估、合法性审查和集体讨论决定。",
        Decimal("1.0"),
        SHORT_LESSON_SECONDS,
        max_lessons=3,
        categories=(StaffCategory.LEADER,),
    ),
)


def _version(spec: DemoCourse) -> LawVersion | None:
    versions = LawVersion.objects.filter(law__slug=spec.law_slug)
    if spec.version_label:
        return versions.filter(label=spec.version_label).first()
    return versions.filter(is_current=True).first()


def _compact(text: str) -> str:
    return "".join(text.split())


def _generated_question(law: Law, chapter: LawChapter, chapters: list[LawChapter], article: LawArticle) -> dict:
    """ "Which chapter holds this article?" with this chapter and up to three neighbours as options."""
    index = chapters.index(chapter)
    others = [c for c in chapters if c.pk != chapter.pk]
    others.sort(key=lambda c: abs(chapters.index(c) - index))
    choices = sorted([chapter, *others[:3]], key=lambda c: c.position)
    return {
        "question": f"《{law.short_name}》{article.number_text}位于哪一章？",
        "options": [str(c) for c in choices],
        "answer": choices.index(chapter) + 1,
        "explanation": f"{article.number_text}属于{chapter}。",
    }


def _intro(law: Law, chapter: LawChapter, articles: list[LawArticle]) -> RichText:
    sections = [str(s) for s in chapter.sections.order_by("position")]
    parts = [
        f"本课时学习《{escape(law.title)}》{escape(str(chapter))}，"
        f"共 {len(articles)} 条（{escape(articles[0].number_text)}至{escape(articles[-1].number_text)}）。"
    ]
    if sections:
        parts.append(f"本章分为{escape('、'.join(sections))}。")
    parts.append("请先通读下面引用的重点条文，再结合本单位执法实际思考适用情形，最后完成随堂检测。")
    return RichText("<p>" + "".join(parts) + "</p>")


def _lesson_body(
    law: Law, chapter: LawChapter, chapters: list[LawChapter], articles: list[LawArticle]
) -> tuple[list, list]:
    by_number = {a.number: a for a in articles}
    picked = PENALTY_CHAPTERS.get(_compact(chapter.title)) if law.slug == "行政处罚法" else None
    if picked and picked.answer_article in by_number and all(n in by_number for n in picked.cite):
        cited = [by_number[n] for n in picked.cite]
        question = {
            "question": picked.question,
            "options": list(picked.options),
            "answer": picked.answer,
            "explanation": picked.explanation,
        }
    else:
        cited = articles[:3]
        question = _generated_question(law, chapter, chapters, cited[0]) if len(chapters) > 1 else None
    body = [("heading", "本章要点"), ("paragraph", _intro(law, chapter, articles))]
    body += [("law_citation", {"article": article, "note": ""}) for article in cited]
    if question:
        body.append(("check", question))
    return body, cited


def _publish(page) -> None:
    page.save_revision().publish()


def _build_course(index, spec: DemoCourse, version: LawVersion) -> CoursePage:
    law = version.law
    chapters = list(version.chapters.order_by("position"))
    if spec.max_lessons:
        chapters = chapters[: spec.max_lessons]
    course = CoursePage(
        title=spec.title,
        slug=spec.slug,
        summary=spec.summary,
        category="legal",
        credit_hours=spec.hours,
        audience_categories=list(spec.categories),
    )
    index.add_child(instance=course)
    all_chapters = list(version.chapters.order_by("position"))
    covered: list[LawArticle] = []
    for chapter in chapters:
        articles = list(chapter.articles.order_by("number", "sub_number"))
        if not articles:
            continue
        body, cited = _lesson_body(law, chapter, all_chapters, articles)
        covered += cited
        lesson = LessonPage(
            title=str(chapter), slug=f"ch{chapter.position}", body=body, min_study_seconds=spec.lesson_seconds
        )
        course.add_child(instance=lesson)
        _publish(lesson)
    course = CoursePage.objects.get(pk=course.pk)
    unique = list({a.pk: a for a in covered}.values())
    course.law_article_links = [CourseLawArticle(article=a, sort_order=i) for i, a in enumerate(unique)]
    _publish(course)
    return course


@transaction.atomic
def seed_demo_course() -> list[CoursePage]:
    """Create the demo courses whose laws are imported and that do not exist yet; return all of them."""
    index = ensure_course_index()
    if index is None:
        return []
    result = []
    for spec in DEMO_COURSES:
        existing = CoursePage.objects.child_of(index).filter(slug=spec.slug).first()
        if existing is not None:
            result.append(existing)
            continue
        version = _version(spec)
        if version is not None and version.chapters.exists():
            result.append(_build_course(index, spec, version))
    return result
