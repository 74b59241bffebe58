"""``manage.py import_attendance SESSION FILE``: the web page's attendance import for scripts.

Exits non-zero with one line per problem (row and column) on stderr; on error
nothing is imported.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from accounts.models import User
from classroom.importers.attendance import import_attendance
from classroom.models import TrainingSession
from core.xlsx import ImportFailed
from learning.services.ledger import LedgerError


class Command(BaseCommand):
    help = "导入一场面授培训的签到名单（Excel：工号必填，姓名、签到时间可选）；任何一行有错则全部不导入。"

    def add_arguments(self, parser):
        parser.add_argument("session", type=int, help="培训编号（TrainingSession id）")
        parser.add_argument("file", help="签到名单 .xlsx 文件")
        parser.add_argument("--by", metavar="工号", help="记录为登记人的工号（可选）")

    def handle(self, *args, session, file, by=None, **options):
        training = TrainingSession.objects.filter(pk=session).first()
        if training is None:
            raise CommandError(_("找不到编号为 %(id)s 的培训。") % {"id": session})
        actor = None
        if by:
            actor = User.objects.filter(employee_no=by).first()
            if actor is None:
                raise CommandError(_("找不到工号为 %(no)s 的登记人。") % {"no": by})
        try:
            with open(file, "rb") as fileobj:
                result = import_attendance(session=training, fileobj=fileobj, by=actor)
        except OSError as exc:
            raise CommandError(_("无法打开文件 %(file)s：%(err)s") % {"file": file, "err": exc.strerror or exc})
        except ImportFailed as exc:
            for line in exc.problems.lines():
                self.stderr.write(line)
            raise CommandError(_("发现 %(n)s 个问题，未导入任何数据。") % {"n": exc.problems.total})
        except LedgerError as exc:
            raise CommandError(str(exc))
        self.stdout.write(
            self.style.SUCCESS(
                _("导入完成：新登记 %(c)s 人，此前已签到 %(a)s 人。") % {"c": result.created, "a": result.already}
            )
        )
