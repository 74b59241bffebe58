"""Models of the cms app, one module per topic; each module is re-exported here."""

from .courses import CourseIndexPage, CourseLawArticle, CoursePage, LessonPage  # noqa: F401
from .home import HomePage
from .laws import Law, LawArticle, LawChapter, LawSection, LawVersion
from .search import SearchDocument, SearchToken

__all__ = [
    "HomePage",
    "Law",
    "LawArticle",
    "LawChapter",
    "LawSection",
    "LawVersion",
    "SearchDocument",
    "SearchToken",
]
