"""Run every benchmark against PostgreSQL and rewrite docs/benchmarks.md.

Each benchmark is a module in bench/ with a ``run()`` returning
``[(name, value), ...]``; it is run in its own process so that one cannot
disturb another. Ratios are measured against their baseline in the same run.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCHMARKS = [
    ("seed", "组织与人员初始化（seed_demo，5,235 人）"),
    ("compliance", "合规统计页与 Excel 导出"),
    ("heartbeat", "学习心跳接口吞吐"),
    ("exam_load", "1,800 人同场考试压测"),
    ("practice", "练习答题往返与裸 JSON 接口之比"),
    ("certificates", "证书生成"),
    ("jobs", "后台任务：年审名册 PDF（每人耗时）与任务机制开销"),
    ("province", "全省规模（52,350 人）：各角色页面响应时间，与 5,235 人时之比"),
    ("hostile", "恶意与超限输入：每一种输入的应答（状态、耗时、提示）"),
]


#: The figures the province-scale work is held to: (figure, "min"/"max", goal). A ``*`` figure is every
#: figure of that shape (each must hold). ``make bench`` lists each with its value and whether it holds.
GOALS = [
    ("heartbeat_real_cadence_vs_bare_ratio", "min", 0.5),
    ("exam_signin_start_p95_ms", "max", 1000),
    ("exam_signin_start_errors", "max", 0),
    ("exam_start_server_cpu_ms", "max", 10),
    ("compliance_minimums_vs_balance_sql_ratio", "max", 10),
    ("at_risk_52k_vs_5k_ratio", "max", 3),
    ("annual_review_pdf_prefecture_seconds", "max", 30),
    ("seed_demo_52350_staff_seconds", "max", 300),
    ("province_*_52k_vs_5k_ratio", "max", 3),
    ("practice_answer_vs_bare_ratio", "min", 0.5),
]


def _figures(sections) -> dict[str, float]:
    """Every numeric figure of the run by its bare name (without a ``(goal …)`` note)."""
    found = {}
    for _module, _title, lines in sections:
        for line in lines:
            name, _, value = line.partition(": ")
            try:
                found[name.split(" (")[0].split(" [")[0].strip()] = float(value)
            except ValueError:
                continue
    return found


def goal_lines(sections) -> list[str]:
    """One line per goal: the figure, its value, the goal and whether it holds (a missing figure says so)."""
    figures = _figures(sections)
    lines = []
    for pattern, kind, goal in GOALS:
        prefix, star, suffix = pattern.partition("*")
        names = [n for n in figures if n.startswith(prefix) and n.endswith(suffix)] if star else [pattern]
        sign = ">=" if kind == "min" else "<="
        if not names or any(n not in figures for n in names):
            lines.append(f"{pattern} (goal {sign} {goal:g}): not measured in this run")
            continue
        values = {n: figures[n] for n in names}
        worst = min(values, key=values.get) if kind == "min" else max(values, key=values.get)
        held = all((v >= goal) if kind == "min" else (v <= goal) for v in values.values())
        shown = f"{values[worst]:.3f}" + (f" (worst of {len(values)}: {worst})" if star else "")
        lines.append(f"{pattern} (goal {sign} {goal:g}): {shown} — {'met' if held else 'NOT met'}")
    return lines


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1048576:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    pg = subprocess.run(["psql", "--version"], capture_output=True, text=True).stdout.strip() or "PostgreSQL"
    return f"{cpu}, {os.cpu_count()} cores{mem}; Python {platform.python_version()}; {pg}"


def _cpu_busy_share(seconds: float = 1.0) -> float:
    """The share of the machine's CPU time spent busy over ``seconds`` (from /proc/stat; 0 where there is none)."""

    def reading() -> tuple[int, int]:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
        idle = fields[3] + fields[4]  # idle + iowait
        return sum(fields) - idle, sum(fields)

    try:
        busy0, total0 = reading()
        time.sleep(seconds)
        busy1, total1 = reading()
    except (OSError, ValueError, IndexError):
        return 0.0
    return (busy1 - busy0) / max(total1 - total0, 1)


def settle(limit: float = 90.0, quiet: float = 0.1, calm_seconds: int = 3) -> float:
    """Wait until the machine is quiet (under ``quiet`` busy for ``calm_seconds`` seconds running) or ``limit``
    seconds pass, so that what one benchmark left running (a server shutting down, the database writing out)
    is not timed by the next; returns the seconds waited."""
    started = time.monotonic()
    calm = 0
    while calm < calm_seconds and time.monotonic() - started < limit:
        calm = calm + 1 if _cpu_busy_share() < quiet else 0
    return time.monotonic() - started


def main() -> int:
    if not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")):
        print("make bench needs DATABASE_URL=postgres://… (benchmarks run against PostgreSQL)", file=sys.stderr)
        return 2
    only = set(sys.argv[1:])
    sections, failed = [], False
    loads = [f"start {os.getloadavg()[0]:.2f}"]
    waits = []
    for module, title in BENCHMARKS:
        if only and module not in only:
            continue
        path = ROOT / "bench" / f"{module}.py"
        if not path.exists():
            continue
        waited = settle()
        waits.append(f"{module} {waited:.0f} s")
        print(f"# {module} (after {waited:.0f} s for the machine to settle)", flush=True)
        proc = subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True)
        lines = [ln for ln in proc.stdout.splitlines() if ": " in ln and not ln.startswith("#")]
        for ln in lines:
            print(ln, flush=True)
        if proc.returncode != 0:
            failed = True
            print(proc.stderr[-3000:], file=sys.stderr)
            lines.append(f"error: exit status {proc.returncode}")
        sections.append((module, title, lines))
        loads.append(f"after {module} {os.getloadavg()[0]:.2f}")
    write_report(sections, loads, waits)
    return 1 if failed else 0


def write_report(sections, loads: list[str], waits: list[str], out: Path = ROOT / "docs" / "benchmarks.md") -> None:
    previous = out.read_text(encoding="utf-8") if out.exists() else ""
    now = dt.datetime.now(dt.timezone(dt.timedelta(hours=8)))
    parts = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand.",
        "",
        f"- Date: {now:%Y-%m-%d %H:%M} (Asia/Shanghai)",
        f"- Machine: {machine()}",
        f"- Load average (1 min) during the run: {', '.join(loads)}",
        f"- Before each section, the wait for the machine to settle (under 10 % busy for 3 s, at most 90 s): "
        f"{', '.join(waits)}",
        "",
    ]
    if len(sections) > 1:
        parts += ["## Goals", "", "```", *goal_lines(sections), "```", ""]
    ran = {m for m, _, _ in sections}
    if len(sections) > 1:
        ran.add("Goals")  # written afresh: an earlier run's goals are not kept beside them
    for module, title, lines in sections:
        parts += [f"## {module} — {title}", "", "```"]
        parts += lines or ["(no figures)"]
        parts += ["```", ""]
    # Keep sections of benchmarks not run this time (e.g. `bench/run.py seed`).
    if previous:
        keep, current = [], None
        for line in previous.splitlines():
            if line.startswith("## "):
                current = line[3:].split(" ", 1)[0]
            if current and current not in ran:
                keep.append(line)
        if keep:
            parts += ["<!-- kept from an earlier run -->", *keep, ""]
    out.write_text("\n".join(parts), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
