"""With Redis down, sign-in (allauth's rate limits) and answer saves (the paper cache) still work (core/cache.py)."""

from __future__ import annotations

import json
import time

import pytest
import redis
from django.conf import settings as django_settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from exams.models import AttemptAnswer, QuestionType
from exams.services.attempts import start_attempt
from tests.exams import factories_exams as f

pytestmark = pytest.mark.django_db
BASE_RATE_LIMITS = {"login": "120/m/ip", "login_failed": "30/m/ip,5/5m/key"}


@pytest.fixture
def redis_cache(settings, own_redis):
    settings.CACHES = {"default": {"BACKEND": "core.cache.ForgivingRedisCache", "LOCATION": f"{own_redis.url}/1"}}
    settings.ACCOUNT_RATE_LIMITS = BASE_RATE_LIMITS  # the test settings switch them off; here they count
    settings.PRIVATE_MEDIA_ROOT = django_settings.PRIVATE_MEDIA_ROOT
    return own_redis


def _sign_in(learner) -> tuple[Client, int, float]:
    client = Client()
    start = time.monotonic()
    response = client.post(reverse("account_login"), {"login": learner.employee_no, "password": "pass12345"})
    return client, response.status_code, time.monotonic() - start


def _save(client, attempt, response, seq) -> tuple[int, dict, float]:
    start = time.monotonic()
    answer = client.post(
        reverse("exams:save", args=[attempt.pk]),
        data=json.dumps({"answers": [{"item": 1, "seq": seq, "response": response}]}),
        content_type="application/json",
    )
    return answer.status_code, answer.json(), time.monotonic() - start


def test_sign_in_and_answer_saves_go_on_when_redis_stops(redis_cache, learner):
    exam = f.exam([f.question(QuestionType.FILL)])
    attempt = start_attempt(exam_id=exam.pk, user=learner)

    client, status, _ = _sign_in(learner)
    assert status == 302
    status, body, _ = _save(client, attempt, "行政处罚", 1)
    assert status == 200 and body["saved"][0]["accepted"] is True
    assert redis.Redis.from_url(f"{redis_cache.url}/1").dbsize() > 0  # the cache was really used

    redis_cache.stop()

    client, status, signin_seconds = _sign_in(learner)
    assert status == 302
    assert client.get(reverse("exams:attempt", args=[attempt.pk])).status_code == 200
    status, body, save_seconds = _save(client, attempt, "行政许可", 2)
    assert status == 200 and body["saved"][0]["accepted"] is True
    stored = AttemptAnswer.objects.get(item__attempt=attempt, item__position=1)
    assert (stored.response, stored.seq) == ("行政许可", 2)
    assert signin_seconds < 3 and save_seconds < 3


def test_a_dead_redis_reads_as_a_miss_and_writes_are_dropped(settings):
    settings.CACHES = {"default": {"BACKEND": "core.cache.ForgivingRedisCache", "LOCATION": "redis://127.0.0.1:1/0"}}
    assert cache.get("k", "fallback") == "fallback"
    assert cache.set("k", 1) is None
    assert cache.add("k", 1) is True  # allauth's lock and TOTP replay mark must not lock everyone out
    assert cache.get_many(["a", "b"]) == {}
    assert cache.incr("n") == 1
    with pytest.raises(redis.exceptions.ConnectionError):
        cache.ping()  # the health check asks Redis itself
