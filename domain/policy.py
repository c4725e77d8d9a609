"""Durations and thresholds that are policy choices: configuration with domain.md's defaults.

A workflow receives the policy in its input, so changing configuration affects new cases
only and never changes the decisions a running workflow replays.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class EnrolmentPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    min_attendance_ratio: float = Field(default=0.8, ge=0, le=1)
    training_overrun_grace_days: int = Field(default=14, ge=0)
    remedial_days: int = Field(default=14, ge=0)
    max_reassessments: int = Field(default=2, ge=0)
    appeal_window_days: int = Field(default=14, ge=1)
    appeal_panel_size: int = Field(default=3, ge=3)
    bnsp_sla_days: int = Field(default=30, ge=1)
    bnsp_poll_interval_hours: int = Field(default=24, ge=1)
    # Added to a programme's planned end when deciding whether release comes too early.
    assessment_window_days: int = Field(default=30, ge=0)
    # A sanction lasting (or declared to last) longer than this goes to the TPP: continue or
    # withdraw (domain.md, "Custody events").
    sanction_review_after_days: int = Field(default=30, ge=1)
    # Reviewer task SLAs, in Indonesian working days, per task kind; a kind missing here has
    # no SLA (training completion has its own: the planned end plus the grace period).
    sla_working_days: dict[str, int] = Field(
        default_factory=lambda: {"placement_review": 10, "assessment": 10, "appeal_review": 10}
    )


class PlacementPolicy(BaseModel):
    """After release: Kemnaker job placement's follow-up of a released person (domain.md)."""

    model_config = ConfigDict(frozen=True)

    # Check-ins, in calendar months after job placement acknowledged the handover; the last
    # one ends the follow-up.
    check_in_months: tuple[int, ...] = (1, 3, 6)
    # A check-in is due this many Indonesian working days after it opens, else it escalates
    # to the Kemnaker supervisor.
    check_in_working_days: int = Field(default=10, ge=1)
    # The last check-in waits this many days past its due date before the case closes
    # without it.
    final_check_in_grace_days: int = Field(default=30, ge=1)
    # A job confirmed at a check-in and held this many months closes the follow-up early.
    job_held_months: int = Field(default=3, ge=1)


class JourneyPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Each handover receiver (Bapas, Kemnaker job placement) acknowledges within this many
    # days, else the task escalates to the supervisor of its scope.
    handover_ack_days: int = Field(default=7, ge=1)
    # A journey lives for years: it continues as new when Temporal suggests it, or once its
    # history holds this many events, whichever comes first.
    continue_as_new_after_events: int = Field(default=10_000, ge=50)
    # Kemnaker's task queue: job placement's acknowledgement starts the placement follow-up
    # there (`workflows/placement.py`), on Kemnaker's worker.
    placement_task_queue: str = "sinergi-kemnaker"
    placement: PlacementPolicy = PlacementPolicy()
