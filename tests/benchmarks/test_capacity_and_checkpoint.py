"""The benchmarks' own arithmetic: the scale load's checkpoint resumes where it stopped, the
growth line is fitted right, and the capacity model's totals are the sums of its rows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from benchmarks import capacity, scale


def test_a_checkpoint_saved_is_the_one_a_later_run_resumes_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scale, "CHECKPOINT", tmp_path / "scale-checkpoint.json")
    fresh = scale.Checkpoint.load(first=50_000)
    assert (fresh.first, fresh.next_row, fresh.samples) == (50_000, 0, [])
    fresh.next_row, fresh.load_seconds = 3_000, 612.5
    fresh.samples.append({"open": 3_000, "worker_mib": 250})
    fresh.save()
    # A later run, even asked to start elsewhere, goes on with the inmates after the last sent.
    resumed = scale.Checkpoint.load(first=99_999)
    assert resumed == fresh
    assert not (tmp_path / "scale-checkpoint.tmp").exists()


def test_the_growth_line_goes_through_points_on_a_line_and_needs_three() -> None:
    points = [{"open": n, "disk": 10 + 0.5 * n} for n in (0, 1_000, 2_000, 5_000)]
    assert scale._fit(points, "disk") == pytest.approx((10.0, 0.5))
    assert scale._fit(points[:2], "disk") is None
    assert scale._fit([*points, {"open": 6_000, "disk": None}], "disk") == pytest.approx(
        (10.0, 0.5)
    )


def test_the_models_yearly_totals_are_the_sums_of_its_workflows() -> None:
    inputs = replace(capacity.Inputs(), retention_days=365, followup_checkin_events=0)
    kinds = capacity._kinds(inputs)
    assert [k.name for k in kinds] == ["enrolment", "journey", "placement follow-up", "TKA permit"]
    events = sum(k.per_year * k.events for k in kinds)
    expected = (
        inputs.enrolments_per_year * inputs.enrolment_events
        + inputs.releases_per_year * (inputs.journey_events + inputs.followup_events)
        + inputs.permits_per_year * inputs.permit_events
    )
    assert events == pytest.approx(expected)
    page = capacity.model(inputs)
    assert f"**{capacity._n(events / 1e6)} M**" in page
    # Every input is on the page with where it comes from.
    for name, source in capacity.SOURCES.items():
        assert f"| `{name}` |" in page and source in page


def test_cpu_per_row_counts_only_steps_within_one_run() -> None:
    samples = [
        {"open": 0, "worker_cpu_s": 5.0},  # before any run was tagged
        {"open": 1_000, "worker_cpu_s": 105.0, "run": 1},  # startup included: not counted
        {"open": 2_000, "worker_cpu_s": 185.0, "run": 1},
        {"open": 3_000, "worker_cpu_s": 30.0, "run": 2},  # a new process: counters restarted
        {"open": 4_000, "worker_cpu_s": 130.0, "run": 2},
    ]
    assert scale.cpu_per_row(samples, "worker_cpu_s") == pytest.approx((80 + 100) / 2_000)
    assert scale.cpu_per_row(samples[:2], "worker_cpu_s") is None
