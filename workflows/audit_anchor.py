"""Anchoring the audit trail: a Temporal Schedule starts this workflow every few minutes;
its one activity records the heads of the chains that moved as the next anchor.

The interval is the window in which cutting the tail off a chain (or deleting a whole new
chain) goes unnoticed: rows appended since the last anchor are known to no anchor yet.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from domain.audit_chain import ANCHOR_AUDIT_HEADS, AnchorOutcome, AnchorRequest


@workflow.defn(name="AuditAnchor")
class AuditAnchorWorkflow:
    @workflow.run
    async def run(self, request: AnchorRequest) -> AnchorOutcome:
        outcome: AnchorOutcome = await workflow.execute_activity(
            ANCHOR_AUDIT_HEADS,
            request,
            result_type=AnchorOutcome,
            start_to_close_timeout=timedelta(minutes=2),
            retry_policy=RetryPolicy(maximum_interval=timedelta(seconds=30)),
        )
        return outcome
