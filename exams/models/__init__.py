from .accommodations import *  # noqa: F403
from .attempts import *  # noqa: F403
from .exams import *  # noqa: F403
from .law_flags import QuestionLawFlag  # noqa: F401
from .practice import *  # noqa: F403
from .questions import (  # noqa: F401
    Difficulty,
    DuplicatePolicy,
    PendingQuestionImport,
    Question,
    QuestionCategory,
    QuestionTag,
    QuestionType,
    QuestionVersion,
)
