"""``make bench`` states each goal of the province-scale work with its figure and whether it holds."""

from __future__ import annotations

from bench.run import goal_lines


def _section(*lines: str):
    return [("module", "title", list(lines))]


def test_a_goal_is_met_not_met_or_not_measured():
    lines = goal_lines(
        _section(
            "heartbeat_real_cadence_vs_bare_ratio: 0.692",
            "exam_start_server_cpu_ms (goal <= 10): 12.5",
            "at_risk_52k_vs_5k_ratio (goal <= 3, the worst of the HR officers): 2.5",
        )
    )
    by_name = {line.split(" (goal")[0]: line for line in lines}
    assert by_name["heartbeat_real_cadence_vs_bare_ratio"].endswith("0.692 — met")
    assert by_name["exam_start_server_cpu_ms"].endswith("12.500 — NOT met")
    assert by_name["at_risk_52k_vs_5k_ratio"].endswith("2.500 — met")
    assert by_name["exam_signin_start_p95_ms"].endswith("not measured in this run")


def test_a_pattern_goal_holds_only_when_every_figure_does_and_names_the_worst():
    lines = goal_lines(
        _section(
            "province_hr_county_home_52k_vs_5k_ratio: 0.7",
            "province_admin_compliance_with_minima_52k_vs_5k_ratio: 3.2",
            "province_requests_timed: 115",
        )
    )
    line = next(line for line in lines if line.startswith("province_*_52k_vs_5k_ratio"))
    assert "3.200 (worst of 2: province_admin_compliance_with_minima_52k_vs_5k_ratio)" in line
    assert line.endswith("NOT met")


def test_a_full_run_replaces_the_goals_and_a_partial_run_keeps_what_it_did_not_run(tmp_path):
    from bench.run import write_report

    out = tmp_path / "benchmarks.md"
    write_report([("seed", "种子", ["seed_a: 1"]), ("province", "全省", ["province_b: 2"])], ["start 1"], [], out)
    write_report([("seed", "种子", ["seed_a: 3"]), ("province", "全省", ["province_b: 4"])], ["start 1"], [], out)
    text = out.read_text(encoding="utf-8")
    assert text.count("## Goals") == 1 and "kept from an earlier run" not in text
    write_report([("seed", "种子", ["seed_a: 5"])], ["start 1"], [], out)
    text = out.read_text(encoding="utf-8")
    assert "seed_a: 5" in text and "seed_a: 3" not in text
    assert "province_b: 4" in text and text.count("## Goals") == 1  # the full run's goals and province, kept
