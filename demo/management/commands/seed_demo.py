import datetime as dt
import random
import time
from decimal import Decimal
from pathlib import Path

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from allauth.mfa.utils import encrypt
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import ROLE_GROUP_NAMES, OrgUnit, Role, StaffCategory, User
from cms.laws.importer import import_law_directory
from cms.setup import ensure_workflow_and_permissions
from core import timeutil
from demo.activity import seed_plan, seed_sessions
from demo.courses import seed_demo_course
from demo.exams import seed_demo_exam
from demo.guards import refuse_in_production
from demo.ledger import seed_ledger_history
from demo.media import seed_demo_attachments
from demo.notifications import seed_demo_messages
from demo.people import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    DEMO_RECOVERY_SEED,
    DEMO_TOTP_SECRETS,
    seed_org,
    seed_staff,
)
from demo.review import seed_review_demo
from exams.models import Exam
from learning.models import SourceKind
from learning.services.ledger import post_credit
from learning.services.yearclose import close_year

ROLE_BY_KEY = {"trainer": Role.TRAINER, "reviewer": Role.REVIEWER, "hr": Role.HR, "admin": Role.ADMIN}


# A province: about 52,350 enforcement staff (ten prefectures like the demo one).
MAX_STAFF = 60_000


class Command(BaseCommand):
    help = "生成演示数据（确定性、可重复运行）：组织机构、人员、各角色演示账号、课程与学时记录。"

    def add_arguments(self, parser):
        parser.add_argument("--staff", type=int, default=300, help="人员数量（默认 300，最多 60000，一个省的规模）")
        parser.add_argument("--quiet", action="store_true", help="不打印演示账号")

    def handle(self, *args, staff, quiet, **options):
        refuse_in_production("seed_demo")
        if not 0 <= staff <= MAX_STAFF:
            raise CommandError(f"--staff 必须在 0 到 {MAX_STAFF} 之间")
        started = time.perf_counter()
        workplaces = seed_org()
        created = seed_staff(staff, workplaces)
        accounts = self._demo_accounts()
        for step in self._content_steps():
            step()
        elapsed = time.perf_counter() - started
        self.stdout.write(
            f"演示数据就绪：单位 {OrgUnit.objects.count()} 个，人员 {User.objects.count()} 名（本次新增 {created}），用时 {elapsed:.1f} 秒。"
        )
        if not quiet:
            self._print_logins(accounts)

    def _content_steps(self):
        """Content and activity seeded on top of the organisation (``bench/province.py`` times the first three)."""
        return [self._laws_and_courses, self._exam, self._activity, self._ledger_history, self._review, self._messages]

    def _exam(self):
        exam = seed_demo_exam(year=timeutil.current_year(), created_by=User.objects.get(employee_no="demo_trainer"))
        self.stdout.write(f"考试：{exam.title}")

    def _laws_and_courses(self):
        laws_dir = Path(settings.LAWS_DIR or settings.BASE_DIR / "demo" / "data" / "laws")
        summary = import_law_directory(laws_dir)
        if summary.refused:  # the demo courses cite these laws: a refused file is not a demo
            raise CommandError("\n".join(str(error) for error in summary.refused))
        ensure_workflow_and_permissions()
        self._courses = seed_demo_course()
        seed_demo_attachments()
        self.stdout.write(
            f"法规：{summary.laws_created} 部新增，{summary.articles_created} 条条文新增；课程 {len(self._courses)} 门。"
        )

    def _activity(self):
        trainer = User.objects.get(employee_no="demo_trainer")
        hr = User.objects.get(employee_no="demo_hr_pref")
        created = seed_sessions(organiser=trainer)
        annual = Exam.objects.filter(is_annual_law_exam=True, year=timeutil.current_year(), is_published=True)
        seed_plan(actor=hr, courses=self._courses[:2], exams=list(annual[:1]))
        self.stdout.write(f"面授培训：新增 {created} 场。")

    def _ledger_history(self):
        year = timeutil.current_year()
        # The demo learner keeps an empty year so that their path to 60 has something to show.
        people = list(User.objects.exclude(employee_no="demo_learner").order_by("pk"))
        written = seed_ledger_history(people, year - 1, rng=random.Random(year - 1))
        written += seed_ledger_history(people, year, rng=random.Random(year))
        self._learner_history(year)
        self.stdout.write(f"学时记录：新增 {written} 条。")

    def _learner_history(self, year):
        """The demo learner is behind pace: a few credits, well short of the requirement."""
        learner = User.objects.get(employee_no="demo_learner")
        credits = [
            ("《行政许可法》实务解读", SourceKind.COURSE, "legal", "6", 3),
            ("执法文书规范制作", SourceKind.COURSE, "professional", "4", 4),
            ("地区行政执法人员集中轮训班", SourceKind.SESSION, "professional", "8", 5),
            ("法治讲堂·逢九必讲", SourceKind.SESSION, "legal", "2", 6),
            ("常务会议前学法", SourceKind.MEETING, "legal", "1", 9),
        ]
        for n, (title, kind, category, hours, month) in enumerate(credits, start=1):
            post_credit(
                user=learner,
                hours=Decimal(hours),
                category=category,
                source_kind=kind,
                source_key=f"demo:{year}:learner:{n}",
                source_ref=title,
                earned_on=dt.date(year, month, 12),
            )

    def _review(self):
        """Last year is closed and reviewed (frozen reports, a review roster); this year has its rule."""
        year = timeutil.current_year()
        close_year(year=year - 1)
        last = seed_review_demo(year - 1)
        seed_review_demo(year)
        self.stdout.write(f"{year - 1} 年度已关账，执法证年审 {last['reviewed']} 张。")

    def _messages(self):
        """Today's scheduled reminders, run once as beat would (real events: who is due gets the message)."""
        sent = seed_demo_messages(now=timezone.now())
        self.stdout.write("消息：" + "，".join(f"{label} {n} 条" for label, n in sent.items()))

    @transaction.atomic
    def _demo_accounts(self):
        units = {u.code: u for u in OrgUnit.objects.filter(code__in={a.unit_code for a in DEMO_ACCOUNTS})}
        result = []
        for account in DEMO_ACCOUNTS:
            user, _ = User.objects.get_or_create(
                employee_no=account.employee_no,
                defaults={
                    "full_name": account.full_name,
                    "org_unit": units[account.unit_code],
                    "staff_category": StaffCategory.ENFORCEMENT,
                    "position": "科员" if account.role is None else "",
                },
            )
            if not user.check_password(DEMO_PASSWORD):
                user.set_password(DEMO_PASSWORD)
                user.save(update_fields=["password"])
            role = ROLE_BY_KEY.get(account.role)
            if role:
                user.groups.add(Group.objects.get_or_create(name=ROLE_GROUP_NAMES[role])[0])
                if role == Role.ADMIN and not (user.is_superuser and user.is_staff):
                    user.is_superuser = user.is_staff = True
                    user.save(update_fields=["is_superuser", "is_staff"])
                if role in (Role.TRAINER, Role.REVIEWER) and not user.is_staff:
                    user.is_staff = True
                    user.save(update_fields=["is_staff"])
                if role == Role.HR:
                    user.scope_units.add(units[account.unit_code])
            codes = self._mfa(user) if account.employee_no in DEMO_TOTP_SECRETS else []
            result.append((account, codes))
        return result

    def _mfa(self, user):
        secret = DEMO_TOTP_SECRETS[user.employee_no]
        if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
            TOTP.activate(user, secret)
        rc = Authenticator.objects.filter(user=user, type=Authenticator.Type.RECOVERY_CODES).first()
        if rc is None:
            seed = f"{DEMO_RECOVERY_SEED}{user.employee_no.encode().hex()}"[:80]
            rc = Authenticator.objects.create(
                user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": encrypt(seed), "used_mask": 0}
            )
        return RecoveryCodes(rc).get_unused_codes()[:3]

    def _print_logins(self, accounts):
        w = self.stdout.write
        w("")
        w("=" * 72)
        w(f"演示账号（密码均为 {DEMO_PASSWORD}）— 用工号登录：")
        for account, codes in accounts:
            w(f"  {account.employee_no:<14} {account.full_name:<10} {account.description}")
            if codes:
                secret = DEMO_TOTP_SECRETS[account.employee_no]
                w(
                    f"      两步验证 TOTP 密钥：{secret}   （或运行 python manage.py demo_totp {account.employee_no} 获取当前验证码）"
                )
                w(f"      恢复码（各可用一次）：{'  '.join(codes)}")
        w("=" * 72)
