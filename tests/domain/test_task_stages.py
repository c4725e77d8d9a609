"""The inbox's stage filter offers each person the stages their role's tasks open at: Process
A's to the UPT's people, the permit's to Kemnaker's and Imigrasi's reviewers and the employer,
each ministry its own steps; a supervisor, whose escalations come from any process, all."""

from __future__ import annotations

from domain import task_stages
from domain.identity import Role
from domain.task_stages import stages_for


def test_a_tpp_member_is_offered_process_a_stages_only() -> None:
    offered = stages_for({Role.TPP_MEMBER})
    assert "placement_review" in offered and "training" in offered
    assert "document_verification" not in offered and "visa_decision" not in offered
    assert "closed" not in offered  # no task opens at a closed case


def test_permit_reviewers_are_offered_their_own_ministrys_permit_stages() -> None:
    verifier = stages_for({Role.KEMNAKER_VERIFIER})
    assert verifier == ("document_verification", "feasibility", "active")
    director = stages_for({Role.KEMNAKER_DIRECTOR})
    assert director == ("rptka_approval", "active")
    imigrasi = stages_for({Role.IMIGRASI_OFFICER})
    assert imigrasi == ("visa_decision", "awaiting_arrival", "active")
    assert "placement_review" not in verifier + director + imigrasi
    assert stages_for({Role.EMPLOYER}) == ("revision", "payment", "visa_hold", "active")


def test_handover_receivers_and_supervisors() -> None:
    assert stages_for({Role.BAPAS_OFFICER}) == ("handover",)
    officer = stages_for({Role.KEMNAKER_OFFICER})
    assert {"training", "handover", "following_up"} <= set(officer)
    assert "document_verification" not in officer
    assert stages_for({Role.SUPERVISOR}) == task_stages.ALL
    assert len(set(task_stages.ALL)) == len(task_stages.ALL)  # each stage once
    # Two roles at once (the API's principal): the union, in the order a case meets them.
    both = stages_for({Role.BAPAS_OFFICER, Role.IMIGRASI_OFFICER})
    assert both == ("handover", "visa_decision", "awaiting_arrival", "active")
    assert stages_for({Role.AUDITOR}) == ()  # no inbox
