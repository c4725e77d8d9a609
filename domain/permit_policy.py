"""Process B's policy choices: configuration with domain.md's defaults.

Snapshotted into each application at submission (like `EnrolmentPolicy`), so a changed
configuration applies to new applications and never changes what a running one replays.
Override by environment, e.g. SINERGI_PERMIT_POLICY__PAYMENT_DAYS=5.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Positions closed to foreigners (Kepmenaker 349/2019 lists personnel and HR posts), compared
# case-insensitively with the title the employer gives.
DEFAULT_CLOSED_POSITIONS = (
    "personnel director",
    "hr director",
    "human resources director",
    "personnel manager",
    "hr manager",
    "human resources manager",
    "industrial relations manager",
    "personnel supervisor",
    "recruitment manager",
    "chief human resources officer",
)

# Employers that do not pay DKPTKA (PP 34/2021): government bodies, foreign missions,
# international bodies, social or religious bodies, education posts.
DEFAULT_EXEMPT_CATEGORIES = (
    "government",
    "foreign_mission",
    "international_body",
    "social_religious",
    "education",
)


class PermitPolicy(BaseModel):
    model_config = ConfigDict(frozen=True)

    closed_positions: tuple[str, ...] = DEFAULT_CLOSED_POSITIONS
    exempt_employer_categories: tuple[str, ...] = DEFAULT_EXEMPT_CATEGORIES
    max_duration_months: int = Field(default=24, ge=1)
    max_duration_months_kek: int = Field(default=60, ge=1)
    # Calendar days the employer has to resubmit after a revision request or a visa hold.
    revision_days: int = Field(default=14, ge=1)
    feasibility_working_days: int = Field(default=2, ge=0)
    dkptka_usd_per_month: int = Field(default=100, ge=0)
    payment_days: int = Field(default=7, ge=1)
    rptka_working_days: int = Field(default=2, ge=0)
    visa_decision_working_days: int = Field(default=5, ge=0)
    # How long an issued C312 visa waits for the TKA's arrival before the application lapses.
    arrival_days: int = Field(default=90, ge=1)
    extension_reminder_working_days: int = Field(default=30, ge=1)
    annual_report_interval_months: int = Field(default=12, ge=1)
    # Calendar days after each anniversary to file that year's report; then the task
    # escalates to the Kemnaker officer.
    annual_report_days: int = Field(default=30, ge=1)
    # SLAs of an extension's round, in working days (then the task escalates).
    extension_verification_working_days: int = Field(default=5, ge=0)
    extension_approval_working_days: int = Field(default=2, ge=0)
    # The active permit continues as new when Temporal suggests it, or past this many
    # history events, whichever comes first.
    continue_as_new_after_events: int = Field(default=5000, ge=50)
