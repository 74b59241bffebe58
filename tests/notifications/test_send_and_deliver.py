"""The one send path (``send_event``): channels per person, idempotence, digests, delivery that resumes, cost."""

from __future__ import annotations

import datetime as dt
import smtplib

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from notifications import kinds
from notifications.models import DeliveryStatus, Notification, NotificationPreference
from notifications.services.delivery import deliver_due, deliver_event, send_digests
from notifications.services.events import RECIPIENT_FIELDS, send_event
from notifications.services.notifications import Message, notify_many
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAM = {"exam": "2026年度法律知识考试", "closes": "2026-12-31 23:00", "minutes": 30, "attempts": 2}


@pytest.fixture
def people(org_tree):
    unit = org_tree["shache_dept"]
    return {
        "both": UserFactory(org_unit=unit, full_name="有邮有机", email="both@example.cn", phone="13800000001"),
        "mail": UserFactory(org_unit=unit, full_name="只有邮箱", email="mail@example.cn", phone=""),
        "none": UserFactory(org_unit=unit, full_name="都没有", email=None, phone=""),
    }


def _row(user, kind="exam_closing") -> Notification:
    return Notification.objects.get(user=user, kind=kind)


def test_defaults_use_the_channels_a_person_has(people, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_event("exam_closing", people.values(), context=EXAM, url="/exams/1/", dedupe_key="t:closing")
    assert (sent.created, sent.email, sent.sms) == (3, 2, 1)
    assert _row(people["both"]).title == "考试即将截止：2026年度法律知识考试"
    assert "2026-12-31 23:00" in _row(people["both"]).body
    # e-mail and SMS went out after the commit, each marked sent
    assert sorted(m.to[0] for m in mail.outbox) == ["both@example.cn", "mail@example.cn"]
    assert [m.phone for m in sms_outbox] == ["13800000001"]
    assert "“2026年度法律知识考试”将于 2026-12-31 23:00 截止" in sms_outbox[0].text
    both = _row(people["both"])
    assert (both.email_status, both.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.SENT)
    assert both.emailed_at and both.sms_at
    assert _row(people["mail"]).sms_status == DeliveryStatus.NONE
    none = _row(people["none"])
    assert (none.email_status, none.sms_status) == (DeliveryStatus.NONE, DeliveryStatus.NONE)


def test_a_persons_choice_overrides_the_defaults(people, sms_outbox, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=people["both"], kind="exam_closing", email=False, sms=False)
    # a kind that is in-site only by default, switched on for e-mail
    NotificationPreference.objects.create(user=people["mail"], kind="hours_credited", email=True, sms=False)
    with django_capture_on_commit_callbacks(execute=True):
        send_event("exam_closing", [people["both"]], context=EXAM, dedupe_key="t:c")
        send_event(
            "hours_credited",
            [people["mail"], people["none"]],
            context={"hours": "2", "source": "课程", "kind": "在线课程", "category": "法律知识", "year": 2026},
            dedupe_key="t:h",
        )
    assert mail.outbox == [] and sms_outbox == []
    assert _row(people["both"]).email_status == DeliveryStatus.NONE
    assert _row(people["mail"], "hours_credited").email_status == DeliveryStatus.PENDING  # waits for the digest
    assert _row(people["none"], "hours_credited").email_status == DeliveryStatus.NONE


def test_the_same_event_twice_leaves_one_message_and_one_mail(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = send_event("exam_closing", [people["mail"]], context=EXAM, dedupe_key="t:twice")
        again = send_event("exam_closing", [people["mail"], people["mail"]], context=EXAM, dedupe_key="t:twice")
    assert (first.created, again.created) == (1, 0)
    assert Notification.objects.filter(user=people["mail"]).count() == 1 and len(mail.outbox) == 1
    assert deliver_event(dedupe_key="t:twice").email == 0


def test_people_who_left_get_nothing_and_unknown_kinds_are_refused(people):
    people["mail"].is_active = False
    people["mail"].save()
    assert send_event("exam_closing", people.values(), context=EXAM, dedupe_key="t:x").created == 2
    assert not Notification.objects.filter(user=people["mail"]).exists()
    with pytest.raises(LookupError):
        send_event("no_such_kind", [people["both"]])


def test_each_person_gets_their_own_context(people):
    send_event(
        "pace",
        [(people["both"], {"hours": "5"}), (people["mail"], {"hours": "12"})],
        context={"year": 2026, "pace": "30", "required": "60"},
    )
    assert "已完成 5 学时" in _row(people["both"], "pace").body
    assert "已完成 12 学时" in _row(people["mail"], "pace").body


def test_messages_are_written_in_chinese_whoever_sends_them(people):
    from django.utils import translation

    with translation.override("en"):
        send_event("exam_closing", [people["both"]], context=EXAM)
    assert _row(people["both"]).title.startswith("考试即将截止")


def test_free_form_messages_of_an_unregistered_kind_stay_in_site(people, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        created = notify_many(recipients=[(people["both"], Message("自定义", "正文"))], kind="custom")
    assert created == [people["both"].pk] and mail.outbox == []
    assert _row(people["both"], "custom").email_status == DeliveryStatus.NONE


# --- digests ---------------------------------------------------------------------------------


def _credited(user, n: int) -> None:
    send_event(
        "hours_credited",
        [user],
        context={"hours": str(n), "source": f"课程{n}", "kind": "在线课程", "category": "法律知识", "year": 2026},
    )


def test_digest_kinds_wait_and_go_out_as_one_mail_and_one_sms_per_person(
    people, sms_outbox, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=people["both"], kind="hours_credited", email=True, sms=True)
    with django_capture_on_commit_callbacks(execute=True):
        for n in (1, 2, 3):
            _credited(people["both"], n)
        send_event(  # another digest kind, e-mail on by default
            "cert_issued",
            [people["both"], people["mail"]],
            context={"kind": "课程结业证书", "title": "行政处罚法", "serial": "KS-2026-CO-000001"},
            dedupe_key="t:cert",
        )
    assert mail.outbox == [] and sms_outbox == []  # nothing at once: in-site messages only

    result = send_digests()
    assert (result.email, result.sms) == (2, 1)
    by_person = {m.to[0]: m for m in mail.outbox}
    digest = by_person["both@example.cn"]
    assert digest.subject == "法治学堂：您有 4 条新消息"
    for title in ("已记入 1 学时：课程1", "已记入 3 学时：课程3", "您获得了课程结业证书：行政处罚法"):
        assert title in digest.body
    assert "/learning/messages/settings/" in digest.body
    # the SMS digest holds only what the person wanted by SMS (the certificate is e-mail only by default)
    assert [m.phone for m in sms_outbox] == ["13800000001"] and "您有 3 条新消息" in sms_outbox[0].text
    assert not Notification.objects.filter(email_status=DeliveryStatus.PENDING).exists()
    assert send_digests().email == 0 and len(mail.outbox) == 2  # a second run sends nothing


def test_a_digest_run_skips_non_digest_messages(people):
    send_event("exam_closing", [people["mail"]], context=EXAM, dedupe_key="t:now", deliver=False)
    assert send_digests().email == 0
    assert _row(people["mail"]).email_status == DeliveryStatus.PENDING


# --- delivery that resumes -------------------------------------------------------------------


def test_mails_sent_before_the_server_failed_are_not_sent_again(org_tree, monkeypatch):
    people = [UserFactory(org_unit=org_tree["shache_dept"], email=f"p{i}@example.cn") for i in range(4)]
    send_event("exam_closing", people, context=EXAM, dedupe_key="t:fail", deliver=False)
    real_send = EmailBackend.send_messages
    calls = []

    def fail_on_third(self, messages):
        calls.append(messages)
        if len(calls) == 3:
            raise ConnectionResetError("mail server went away")
        return real_send(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", fail_on_third)
    with pytest.raises(ConnectionResetError):
        deliver_event(dedupe_key="t:fail")
    assert len(mail.outbox) == 2
    assert Notification.objects.filter(email_status=DeliveryStatus.SENT).count() == 2

    monkeypatch.setattr(EmailBackend, "send_messages", real_send)
    assert deliver_event(dedupe_key="t:fail").email == 2
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)  # each exactly once


@pytest.mark.parametrize(("code", "status"), [(550, DeliveryStatus.FAILED), (450, DeliveryStatus.PENDING)])
def test_a_refused_address_fails_for_good_or_waits_for_the_next_run(people, monkeypatch, code, status):
    def refuse(self, messages):
        raise smtplib.SMTPRecipientsRefused({messages[0].to[0]: (code, b"mailbox unavailable")})

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    send_event("exam_closing", [people["mail"]], context=EXAM, dedupe_key="t:refused", deliver=False)
    assert deliver_event(dedupe_key="t:refused").email == 0  # no exception: the others would still go out
    assert _row(people["mail"]).email_status == status


def test_sms_refused_for_good_is_failed_and_a_gateway_outage_resumes(people, sms_outbox, monkeypatch):
    from notifications.sms import LocmemSmsBackend, SmsError

    send_event("exam_closing", [people["both"]], context=EXAM, dedupe_key="t:sms", deliver=False)

    def down(self, phone, text):
        raise SmsError("gateway 503")

    monkeypatch.setattr(LocmemSmsBackend, "send", down)
    with pytest.raises(SmsError):
        deliver_event(dedupe_key="t:sms")
    row = _row(people["both"])
    assert (row.email_status, row.sms_status) == (DeliveryStatus.SENT, DeliveryStatus.PENDING)  # mail still went

    monkeypatch.undo()
    assert deliver_event(dedupe_key="t:sms").sms == 1 and len(sms_outbox) == 1


def test_the_sweep_sends_what_a_lost_task_left_and_gives_up_after_the_window(people, settings):
    send_event("exam_closing", [people["both"]], context=EXAM, dedupe_key="t:lost", deliver=False)
    send_event("exam_closing", [people["mail"]], context=EXAM, dedupe_key="t:old", deliver=False)
    now = timezone.now()
    Notification.objects.filter(dedupe_key="t:lost").update(created_at=now - dt.timedelta(minutes=20))
    Notification.objects.filter(dedupe_key="t:old").update(
        created_at=now - dt.timedelta(hours=settings.NOTIFICATIONS_DELIVERY_WINDOW_HOURS + 1)
    )
    send_event("exam_closing", [people["none"], people["mail"]], context=EXAM, dedupe_key="t:young", deliver=False)
    result = deliver_due()
    assert result.email == 1 and [m.to[0] for m in mail.outbox] == ["both@example.cn"]
    assert Notification.objects.get(dedupe_key="t:old").email_status == DeliveryStatus.FAILED
    assert Notification.objects.get(dedupe_key="t:young", user=people["mail"]).email_status == DeliveryStatus.PENDING


# --- cost ------------------------------------------------------------------------------------


@pytest.fixture
def thousand(org_tree):
    unit = org_tree["shache_dept"]
    User.objects.bulk_create(
        [
            User(
                employee_no=f"BULK{i:05d}",
                full_name=f"批量{i}",
                org_unit=unit,
                email=f"bulk{i}@example.cn",
                phone=f"139{i:08d}",
                password="!",
            )
            for i in range(1000)
        ]
    )
    return list(User.objects.filter(employee_no__startswith="BULK").only(*RECIPIENT_FIELDS).order_by("pk"))


def test_sending_to_a_thousand_people_is_two_reads_and_bulk_inserts(thousand, django_assert_num_queries):
    NotificationPreference.objects.create(user=thousand[0], kind="exam_closing", email=False, sms=False)
    with CaptureQueriesContext(connection) as queries:
        sent = send_event("exam_closing", thousand, context=EXAM, dedupe_key="t:bulk", deliver=False)
    assert (sent.created, sent.email, sent.sms) == (1000, 999, 999)
    statements = [q["sql"].split()[0] for q in queries.captured_queries]
    # who has it already, their choices, then INSERTs of many rows each (one on PostgreSQL; SQLite's
    # limit of 999 parameters a statement splits them into batches of about 80)
    assert statements[:2] == ["SELECT", "SELECT"] and set(statements[2:]) == {"INSERT"}
    assert len(statements) - 2 <= (1 if connection.vendor == "postgresql" else 1000 // 50)
    with django_assert_num_queries(1):  # a second send: only "who has it already"
        assert send_event("exam_closing", thousand, context=EXAM, dedupe_key="t:bulk").created == 0


def test_delivering_a_thousand_mails_costs_statements_per_batch_not_per_person(
    thousand, sms_outbox, django_assert_max_num_queries
):
    send_event("exam_closing", thousand, context=EXAM, dedupe_key="t:bulk", deliver=False)
    # per channel: 10 batches of 100 (a SELECT and an UPDATE each, in a transaction) and the empty last SELECT
    with django_assert_max_num_queries(2 * (10 * 4 + 3)):
        result = deliver_event(dedupe_key="t:bulk")
    assert (result.email, result.sms) == (1000, 1000)
    assert len(mail.outbox) == 1000 and len(sms_outbox) == 1000


def test_every_kind_is_registered_once_with_a_short_code_and_chinese_names():
    codes = [kind.code for kind in kinds.all_kinds()]
    assert len(codes) == len(set(codes)) and all(len(code) <= 32 for code in codes)
    expected = {
        "hours_credited", "hours_changed", "pace", "digest", "exam_open", "exam_closing", "exam_graded",
        "grading_waiting", "session_tomorrow", "attendance", "plan_deadline", "cert_issued", "cert_revoked",
        "review_risk", "review_digest", "review_nudge", "course_review_submitted", "course_review_approved",
        "course_review_changes",
    }  # fmt: skip
    assert expected <= set(codes)
    for kind in kinds.all_kinds():
        assert any("\u4e00" <= ch <= "\u9fff" for ch in str(kind.name) + str(kind.audience)), kind.code
    # SMS by default only where a date can be missed, and HR's reminder to people at risk
    assert {k.code for k in kinds.all_kinds() if k.sms} == {"exam_closing", "session_tomorrow", "review_nudge"}
    with pytest.raises(ValueError, match="registered twice"):
        kinds.register(kinds.EventKind(code="pace", name="x", audience="x", group="hours", title="x"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_runs_at_the_same_time_send_each_mail_once(org_tree):
    """The event's own task and the sweep (or a redelivered task) at once: batches are taken FOR UPDATE SKIP LOCKED."""
    import threading

    from django.db import connections

    people = [UserFactory(org_unit=org_tree["shache_dept"], email=f"c{i}@example.cn", phone="") for i in range(250)]
    send_event("exam_closing", people, context=EXAM, dedupe_key="t:race", deliver=False)
    threads_n = 4
    barrier = threading.Barrier(threads_n)
    sent, errors = [], []

    def worker():
        try:
            barrier.wait()
            sent.append(deliver_event(dedupe_key="t:race").email)
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum(sent) == 250
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people)  # nobody twice
    assert not Notification.objects.filter(email_status=DeliveryStatus.PENDING).exists()


def test_each_distinct_message_is_rendered_once_per_event(thousand, monkeypatch):
    rendered = []
    kind = kinds.EventKind(
        code="t_render_once",
        name="测试",
        audience="测试",
        group="exams",
        render=lambda ctx: rendered.append(dict(ctx)) or (f"{ctx['exam']}：{ctx['n']}", f"第 {ctx['n']} 组"),
    )
    monkeypatch.setitem(kinds._KINDS, kind.code, kind)
    # 1,000 people, three distinct contexts (1 and True are the same key but not the same text)
    pairs = [(user, {"n": (1, 2, True)[i % 3]}) for i, user in enumerate(thousand)]
    sent = send_event(kind.code, pairs, context={"exam": "年度考试"}, dedupe_key="t:render", deliver=False)
    assert sent.created == 1000
    assert sorted(str(r["n"]) for r in rendered) == ["1", "2", "True"]
    titles = dict(Notification.objects.filter(dedupe_key="t:render").values_list("user_id", "title"))
    assert [titles[user.pk] for user in thousand[:3]] == ["年度考试：1", "年度考试：2", "年度考试：True"]
    # A template kind renders as before (the template translated once per event).
    send_event("exam_closing", thousand[:2], context=EXAM, dedupe_key="t:tpl", deliver=False)
    assert set(Notification.objects.filter(dedupe_key="t:tpl").values_list("title", flat=True)) == {
        kinds.get("exam_closing").message(EXAM)[0]
    }


def test_delivery_skips_what_another_run_sent_after_the_list_was_taken(thousand, sms_outbox, monkeypatch):
    from notifications.services import delivery

    send_event("exam_closing", thousand[:250], context=EXAM, dedupe_key="t:race", deliver=False)
    taken = Notification.objects.filter(dedupe_key="t:race").order_by("pk")
    others = list(taken.values_list("pk", flat=True)[150:170])
    real_locked = delivery._locked

    def locked(queryset):  # another run sends 20 of the second batch's mails first
        Notification.objects.filter(pk__in=others, email_status=DeliveryStatus.PENDING).update(
            email_status=DeliveryStatus.SENT
        )
        return real_locked(queryset)

    monkeypatch.setattr(delivery, "_locked", locked)
    result = deliver_event(dedupe_key="t:race")
    assert result.email == 230 and len(mail.outbox) == 230
    already = set(Notification.objects.filter(pk__in=others).values_list("user__email", flat=True))
    assert len(already) == 20 and {m.to[0] for m in mail.outbox}.isdisjoint(already)
    assert not taken.filter(email_status=DeliveryStatus.PENDING).exists()
