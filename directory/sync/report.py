"""What a directory sync did, or in a dry run would do, as lines for the command's output."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .service import SyncReport

#: Names listed per kind of change; the rest are counted.
LIST_LIMIT = 50


def _listed(title: str, items: list[str], limit: int) -> list[str]:
    if not items:
        return []
    lines = [_("%(title)s（%(n)s）：") % {"title": title, "n": len(items)}]
    lines += [f"  {item}" for item in items[:limit]]
    if len(items) > limit:
        lines.append("  " + _("……另有 %(n)s 项未列出。") % {"n": len(items) - limit})
    return lines


def report_lines(report: SyncReport, *, limit: int = LIST_LIMIT) -> list[str]:
    lines = [
        _("读取目录：单位 %(units)s 个，人员 %(people)s 人。")
        % {"units": report.units_read, "people": report.people_read}
    ]
    lines += _listed(_("新增单位"), [f"{path}（{code}）" for path, code in report.units_created], limit)
    lines += _listed(
        _("单位代码改为目录中的代码"), [f"{path}：{old} → {new}" for path, old, new in report.units_recoded], limit
    )
    lines += _listed(
        _("单位改名或调整上级"), [f"{old} → {new}（{code}）" for code, old, new in report.units_changed], limit
    )
    lines += _listed(_("新增人员"), [f"{no} {name}（{unit}）" for no, name, unit in report.people_created], limit)
    lines += _listed(
        _("更新人员"), [f"{no} {name}：{'、'.join(fields)}" for no, name, fields in report.people_updated], limit
    )
    lines += _listed(_("工号变更"), [f"{name}：{old} → {new}" for name, old, new in report.employee_no_changes], limit)
    lines += _listed(
        _("登录邮箱变更"), [f"{no}：{old or '—'} → {new or '—'}" for no, old, new in report.email_changes], limit
    )
    lines += _listed(_("已不在目录中，停用账号"), [f"{no} {name}" for no, name in report.deactivated], limit)
    lines += _listed(_("重新出现在目录中，恢复启用"), [f"{no} {name}" for no, name in report.reactivated], limit)
    lines += _listed(
        _("平台上有、目录中没有的单位（未删除）"),
        [
            _("%(path)s（%(code)s，启用人员 %(n)s 人）") % {"path": p, "code": c, "n": n}
            for p, c, n in report.units_missing
        ],
        limit,
    )
    if report.sessions_ended:
        lines.append(_("已结束停用人员的登录会话 %(n)s 个。") % {"n": report.sessions_ended})
    if report.never_in_directory:
        lines.append(
            _("平台上另有 %(n)s 名启用人员从未出现在目录中（手工或 Excel 导入的账号），未作改动。")
            % {"n": report.never_in_directory}
        )
    lines.append(report.summary())
    return lines
