"""The exams app's Wagtail admin: the question bank (questions, categories, import/export), exam
authoring (考试管理) and the staff guides' menu item.

Nothing here registers itself: ``exams/wagtail_hooks.py`` registers it all. The rules these pages
apply (what may be published, what may be deleted) are the exams app's services and selectors
(``exams.services.publishing``, ``exams.selectors.deletion``); the pages call them and show their
messages.
"""
