"""The password hasher: Argon2id with a cost chosen for exam day.

An exam day starts with up to 1,800 people signing in within a few minutes on a
two-core server. Django's PBKDF2 at 1,000,000 iterations costs ~0.2–0.35 s of
CPU per sign-in (six to ten minutes of both cores for the room before anyone
starts); Django's Argon2 defaults (100 MiB, p=8) ~0.16 s. These parameters are
OWASP's first recommended Argon2id setting (m = 19 MiB, t = 2, p = 1): ~16 ms
of CPU and 19 MiB of memory per sign-in, so the room costs ~30 CPU-seconds and
16 concurrent sign-ins ~300 MiB, while an offline guess still costs the
attacker the same memory-hard work. Changing them re-hashes each password at
its next sign-in (``must_update``), as does any older PBKDF2 hash.
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class ExamDayArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
