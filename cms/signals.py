"""Signals the cms app sends; the apps above it connect receivers in their ``AppConfig.ready()``.

``law_articles_amended(sender=Law, law=, version=, changes=)``
    Sent inside the import transaction of a law file once ``version`` is the law's
    current version and its comparison with an older version was (re)computed.
    ``changes`` are the ``LawArticleChange`` rows whose article was changed, moved
    or repealed (``old_article``/``new_article`` loaded with their versions).
    Content the cms owns (course and lesson pages) is already flagged; a receiver
    flags what its app owns that cites ``change.old_article`` (exams: questions)
    through ``cms.laws.flags.raise_flags`` and returns ``(kind, count)``, e.g.
    ``("questions", 3)``: the import's summary counts them.
"""

from django.dispatch import Signal

law_articles_amended = Signal()
