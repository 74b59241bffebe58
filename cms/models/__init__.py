"""Models of the cms app, one module per topic; each module is re-exported here."""

from .course_review import CourseSubmission, CourseSubmissionItem
from .courses import CourseIndexPage, CourseLawArticle, CoursePage, LessonPage  # noqa: F401
from .home import HomePage
from .law_flags import (
    AmendmentFlag,
    ArticleChangeKind,
    FlagStatus,
    LawAmendmentFlag,
    LawArticleChange,
    LawVersionComparison,
)
from .laws import Law, LawArticle, LawChapter, LawSection, LawVersion
from .search import SearchDocument, SearchToken

__all__ = [
    "AmendmentFlag",
    "ArticleChangeKind",
    "CourseSubmission",
    "CourseSubmissionItem",
    "FlagStatus",
    "HomePage",
    "Law",
    "LawAmendmentFlag",
    "LawArticle",
    "LawArticleChange",
    "LawChapter",
    "LawSection",
    "LawVersion",
    "LawVersionComparison",
    "SearchDocument",
    "SearchToken",
]
