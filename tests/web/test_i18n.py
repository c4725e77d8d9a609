"""The catalogue: every word a template uses exists in both languages; Indonesian formats."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

from db.audit_search import CaseKind
from db.handovers import HandoverState
from db.tasks import HistoryAction
from documents.models import DocumentKind
from domain import task_stages
from domain.custody import CustodyEventKind, ReleaseKind
from domain.enrolment import AppealOutcome, Outcome, PlacementChoice, Stage, UnitResult
from domain.identity import Role
from domain.journey import HandoverReceiver
from domain.people import Language as PeopleLanguage
from domain.people import Registration
from domain.permit import EmployerCategory, PositionKind
from domain.permit import Stage as PermitStage
from domain.permit_supervision import NOT_RECORDED, SECTORS
from domain.tasks import TaskState
from web.i18n import MESSAGES, Language, format_date, format_number, format_time, translate
from web.inbox_pages import TASK_KINDS
from web.people_pages import SCOPE_FIELDS
from web.report_pages import FUNNEL_STAGES, ROUTES, WORK_STAGES
from web.task_pages import CHOICES

TEMPLATES = Path(__file__).resolve().parents[2] / "web" / "templates"
KEY = re.compile(r"""_\(\s*["']([a-z0-9_.]+)["']""")


def test_every_key_used_by_a_template_is_in_the_catalogue_in_both_languages() -> None:
    used = {k for t in TEMPLATES.rglob("*.html") for k in KEY.findall(t.read_text())}
    assert len(used) > 20  # fails loudly if the pattern stops finding keys
    prefixes = {k for k in used if k.endswith(".")}  # composed: "role." ~ role.value
    composed = {
        "role.": [r.value for r in Role],
        "kind.": list(TASK_KINDS),
        "casekind.": [k.value for k in CaseKind],
        "report.": list(ROUTES),
        "task.state.": [s.value for s in TaskState],
        "task.action.": [a.value for a in HistoryAction],
        "task.form.": ["training_completion", "handover_bapas", "handover_job_placement"],
        "task.placement.": [c.value for c in PlacementChoice],
        "task.hold.": ["resume", "withdraw"],
        "task.appeal.": [o.value for o in AppealOutcome],
        "result.": [r.value for r in UnitResult],
        # cases, permits, and every stage the inbox's stage filter offers
        "stage.": [s.value for s in Stage] + [s.value for s in PermitStage] + list(task_stages.ALL),
        "outcome.": [o.value for o in Outcome],
        "case.step.": ["done", "current", "todo"],
        "custody.": [k.value for k in CustodyEventKind],
        "release.": [k.value for k in ReleaseKind],
        "doc.": [k.value for k in DocumentKind],
        "position.": [k.value for k in PositionKind],
        "category.": [c.value for c in EmployerCategory],
        "task.choice.": sorted({c for kind in CHOICES.values() for c in kind}),
        "handovers.to.": [r.value for r in HandoverReceiver],
        "handovers.state.": [s.value for s in HandoverState],
        # notify: the people and contact pages
        "lang.": [lang.value for lang in PeopleLanguage],
        "people.via.": [r.value for r in Registration],
        "people.scope.": list(SCOPE_FIELDS),
        "sector.": list(SECTORS),  # the application form's sector choice
    }
    assert prefixes <= set(composed), prefixes
    used = (used - prefixes) | {p + v for p in prefixes for v in composed[p]}
    used |= {f"report.funnel.{stage}" for stage in FUNNEL_STAGES}  # the chart's words
    used |= {f"report.work.{stage}" for stage in WORK_STAGES}
    used |= {f"sector.{code}" for code in (*SECTORS, NOT_RECORDED)}
    used |= {"report.expiring.days", "report.expiring.extension", "report.expiring.no_extension",
             "report.overdue.escalated", "report.overdue.not_escalated"}  # fmt: skip
    used |= {f"release.{kind.value}" for kind in ReleaseKind}
    missing = sorted(k for k in used if k not in MESSAGES)
    assert not missing, missing
    empty = sorted(k for k, (id_, en) in MESSAGES.items() if not id_.strip() or not en.strip())
    assert not empty, empty


def test_indonesian_dates_times_and_numbers() -> None:
    assert format_date(date(2026, 12, 2), Language.ID, "Asia/Jakarta") == "2 Desember 2026"
    assert format_date(date(2026, 12, 2), Language.EN, "Asia/Jakarta") == "2 December 2026"
    moment = datetime(2026, 12, 2, 7, 30, tzinfo=UTC)
    assert format_time(moment, Language.ID, "Asia/Jakarta") == "14.30 WIB"
    assert format_time(moment, Language.ID, "Asia/Makassar") == "15.30 WITA"
    assert format_time(moment, Language.ID, "Asia/Jayapura") == "16.30 WIT"
    assert format_time(moment, Language.EN, "Asia/Jakarta") == "14:30 WIB"
    # Late evening in UTC is the next day in Jakarta.
    late = datetime(2026, 12, 2, 20, 0, tzinfo=UTC)
    assert format_date(late, Language.ID, "Asia/Jakarta") == "3 Desember 2026"
    assert format_number(1200, Language.ID) == "1.200"
    assert format_number(1234567, Language.EN) == "1,234,567"


def test_indonesian_is_the_default_and_english_the_switch() -> None:
    assert translate(Language.ID, "inbox.title") == "Tugas Saya"
    assert translate(Language.EN, "inbox.title") == "My tasks"
    assert translate(Language.ID, "inbox.days_left", n=3) == "3 hari kerja lagi"


def test_every_rule_check_is_worded_in_both_languages_passed_and_failed() -> None:
    """The rule checks are worded in Python (web/permit_pages.check_texts), not a template."""
    from domain.permit_policy import PermitPolicy
    from domain.permit_rules import submission_checks

    keys = {
        c.key
        for kind in PositionKind
        for in_kek in (False, True)
        for c in submission_checks(
            position_title="x", position_kind=kind, duration_months=1, in_kek=in_kek,
            pendamping_named=False, passport_no="x", nationality="x", policy=PermitPolicy(),
        )
    }  # fmt: skip
    assert len(keys) == 7, keys
    missing = sorted(f"rule.{k}.{v}" for k in keys for v in ("ok", "fail")
                     if f"rule.{k}.{v}" not in MESSAGES)  # fmt: skip
    assert not missing, missing
