"""``manage.py activation_letters``: print activation letters on the server, as HR's page does.

Run by the server's operators, so not limited to an org scope; audited as a
system action (no actor, "服务器命令"). The codes and the file are made in one
transaction and the file is moved into place only when complete: a failure
leaves every old code working and no file behind.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.drilldown import in_subtree_q
from accounts.models import OrgUnit, User
from accounts.services.activation import code_expiry
from directory.letters import LAYOUTS, PAGE, LettersError, chinese_date, write_letters
from directory.selectors.letters import LetterRequest, select_recipients


def _listed(numbers: list[str], limit: int = 20) -> str:
    return "、".join(numbers[:limit]) + (f" 等 {len(numbers)} 个" if len(numbers) > limit else "")


class Command(BaseCommand):
    help = (
        "打印开通通知书（PDF）：为单位（含下级单位）或指定工号的人员生成新的一次性激活码。"
        "注意：这些人员原有的激活码立即作废。"
    )

    def add_arguments(self, parser):
        parser.add_argument("--unit", metavar="CODE", help="单位代码：打印该单位及其下级单位中尚未激活的人员")
        parser.add_argument(
            "--employee-no",
            dest="employee_nos",
            metavar="N",
            nargs="+",
            action="extend",
            default=[],
            help="工号（可写多个）：为这些人员打印，已激活的也打印（用于忘记密码）；与 --unit 同用时须在该单位内",
        )
        parser.add_argument("--output", required=True, metavar="FILE.pdf", help="输出的 PDF 文件")
        parser.add_argument("--layout", choices=sorted(LAYOUTS), default=PAGE, help="page：每页 1 份；slips：每页 3 份")
        parser.add_argument(
            "--all", dest="include_activated", action="store_true", help="按单位打印时，也为已能登录的人员打印"
        )

    def handle(self, *args, unit, employee_nos, output, layout, include_activated, **options):
        if not unit and not employee_nos:
            raise CommandError("请用 --unit 指定单位代码，或用 --employee-no 指定工号。")
        target = Path(output)
        if target.suffix.lower() != ".pdf":
            raise CommandError(f"输出文件须以 .pdf 结尾：{output}")
        if not target.parent.resolve().is_dir():
            raise CommandError(f"输出目录不存在：{target.parent}")
        org_unit = None
        if unit:
            org_unit = OrgUnit.objects.filter(code=unit).first()
            if org_unit is None:
                raise CommandError(f"单位代码“{unit}”不存在。")
        numbers = list(dict.fromkeys(employee_nos))
        if numbers:
            self._check_numbers(numbers, org_unit)
        request = LetterRequest(
            unit=org_unit,
            employee_nos=tuple(numbers),
            only_pending=not numbers and not include_activated,
            layout=layout,
        )
        selection = select_recipients(None, request)
        if not selection.people:
            if org_unit is not None and not numbers:
                raise CommandError(
                    f"单位“{org_unit.full_path}”及其下级单位中没有需要激活的人员（已激活 {selection.activated} 人，"
                    f"停用 {selection.inactive} 人）；要为已激活的人员打印，请加 --all。"
                )
            raise CommandError("没有可以打印开通通知书的人员。")
        self._write(target, selection.user_ids, layout)
        self.stdout.write(
            f"已为 {selection.people} 人生成开通通知书：{target}。"
            f"他们原有的激活码已作废，新激活码有效期至 {chinese_date(code_expiry())}。"
        )
        if selection.activated:
            self.stdout.write(f"另有 {selection.activated} 人已能登录，未打印（加 --all 可为他们打印）。")

    def _check_numbers(self, numbers: list[str], org_unit: OrgUnit | None) -> None:
        people = User.objects.filter(employee_no__in=numbers)
        found = dict(people.values_list("employee_no", "is_active"))
        unknown = [n for n in numbers if n not in found]
        if unknown:
            raise CommandError(f"工号不存在：{_listed(unknown)}。")
        inactive = [n for n in numbers if not found[n]]
        if inactive:
            raise CommandError(f"以下人员的账号已停用，不能打印开通通知书：{_listed(inactive)}。")
        if org_unit is not None:
            inside = set(people.filter(in_subtree_q(org_unit)).values_list("employee_no", flat=True))
            outside = [n for n in numbers if n not in inside]
            if outside:
                raise CommandError(f"以下工号不在单位“{org_unit.full_path}”及其下级单位中：{_listed(outside)}。")

    def _write(self, target: Path, user_ids: list[int], layout: str) -> None:
        handle, temporary = tempfile.mkstemp(prefix=".letters-", suffix=".pdf", dir=target.parent.resolve())
        try:
            with os.fdopen(handle, "wb") as out:
                write_letters(out, user_ids=user_ids, actor=None, layout=layout, via="command")
            os.replace(temporary, target)
        except LettersError as exc:
            raise CommandError(f"无法生成开通通知书，激活码未改变：{exc}") from None
        finally:
            Path(temporary).unlink(missing_ok=True)
