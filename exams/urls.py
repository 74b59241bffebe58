from django.urls import path

from exams.views import learner, practice, staff

app_name = "exams"

urlpatterns = [
    path("", learner.my_exams, name="my_exams"),
    path("<int:exam_id>/", learner.exam_detail, name="exam_detail"),
    path("<int:exam_id>/start/", learner.start, name="start"),
    path("attempts/<int:attempt_id>/", learner.attempt_page, name="attempt"),
    path("attempts/<int:attempt_id>/state/", learner.attempt_state, name="state"),
    path("attempts/<int:attempt_id>/save/", learner.save, name="save"),
    path("attempts/<int:attempt_id>/submit/", learner.submit, name="submit"),
    path("attempts/<int:attempt_id>/events/", learner.events, name="events"),
    path("attempts/<int:attempt_id>/result/", learner.result, name="result"),
    path("api/ping/", learner.ping, name="ping"),
    path("practice/", practice.practice, name="practice"),
    path("practice/question/", practice.practice_question, name="practice_question"),
    path("practice/answer/", practice.practice_answer, name="practice_answer"),
    path("mistakes/", practice.mistakes, name="mistakes"),
    path("mistakes/<int:question_id>/", practice.mistake_redo, name="mistake_redo"),
    path("<int:exam_id>/mock/", practice.mock_start, name="mock_start"),
    path("mock/<int:paper_id>/", practice.mock_paper, name="mock_paper"),
    path("mock/<int:paper_id>/submit/", practice.mock_submit, name="mock_submit"),
    path("stats/", staff.stats_index, name="stats_index"),
    path("stats/<int:exam_id>/", staff.stats_exam, name="stats_exam"),
    path("grading/", staff.grading_queue, name="grading_queue"),
    path("grading/<int:item_id>/", staff.grade, name="grade"),
]
