"""Passwords are hashed with Argon2id at the exam-day cost; older PBKDF2 hashes are upgraded at the next sign-in."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher, identify_hasher, make_password
from django.urls import reverse

from accounts.hashers import ExamDayArgon2PasswordHasher

# What config/settings/base.py sets (and production inherits); the test settings use MD5 for speed.
from config.settings import base
from tests.factories import UserFactory


def test_the_settings_hash_with_argon2id_at_the_chosen_cost(settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    assert base.PASSWORD_HASHERS[0] == "accounts.hashers.ExamDayArgon2PasswordHasher"
    encoded = make_password("Kashi-2026-Xunlian!")
    assert encoded.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert isinstance(identify_hasher(encoded), ExamDayArgon2PasswordHasher)


def test_a_pbkdf2_password_becomes_argon2id_at_the_next_sign_in(client, org_tree, settings):
    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    person = UserFactory(employee_no="E-OLD", org_unit=org_tree["pref"])
    person.password = PBKDF2PasswordHasher().encode("Old-pass-2024!", PBKDF2PasswordHasher().salt())
    person.save(update_fields=["password"])
    response = client.post(reverse("account_login"), {"login": "E-OLD", "password": "Old-pass-2024!"})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert person.check_password("Old-pass-2024!")


def test_an_argon2_hash_with_other_parameters_is_brought_to_ours(org_tree, settings):
    from django.contrib.auth.hashers import Argon2PasswordHasher

    settings.PASSWORD_HASHERS = base.PASSWORD_HASHERS
    person = UserFactory(org_unit=org_tree["pref"])
    person.password = Argon2PasswordHasher().encode("Some-pass-2025!", Argon2PasswordHasher().salt())  # m=102400
    person.save(update_fields=["password"])
    assert person.check_password("Some-pass-2025!")
    person.refresh_from_db()
    assert "m=19456,t=2,p=1" in person.password
