"""Process B, TKA permits: every human decision (and SIMPONI's payment confirmation) as an
Update with its validator.

Each validator runs the matching rule of `domain/permit_rules.py`, so a refused decision
never enters history; each handler records who decided, in which role and why, and answers
with the application's new state once the flow (`permit.py`) has acted on it.
"""

from __future__ import annotations

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from domain import permit_life_rules as life_rules
    from domain import permit_rules as rules
    from domain.clock import local_date
    from domain.errors import conflict
    from domain.permit import (
        ArrivalRecord,
        EventKind,
        FeasibilityDecision,
        PaymentConfirmation,
        PermitState,
        Resubmission,
        RptkaDecision,
        Stage,
        Termination,
        VerificationDecision,
        VisaDecision,
    )
    from domain.permit_life import ExtensionStep


with workflow.unsafe.imports_passed_through():
    from workflows.permit_case import PermitCase
    from workflows.refusals import check
    from workflows.reviewer_tasks import Settlement


class PermitDecisions:
    """The Update handlers of `PermitWorkflow` (Temporal finds handlers on the workflow
    class); they act only on the case the workflow holds (`permit_case.py`)."""

    _case: PermitCase  # set by the workflow's `__init__`

    @workflow.query
    def state(self) -> PermitState:
        return self._case.state

    async def _answer_once_past(self, *stages: Stage) -> PermitState:
        """Answer a decision with the case's new state: once the flow has left `stages`."""
        await workflow.wait_condition(lambda: self._case.state.stage not in stages)
        return self._case.state

    def _once(self, taken: object, what: str) -> None:
        # Two updates may pass validation in one workflow task: the handler checks again.
        if taken is not None:
            raise conflict(f"{what} was already decided")

    @workflow.update
    async def verify_documents(self, decision: VerificationDecision) -> PermitState:
        self.validate_verification(decision)
        self._case.verification = decision
        await self._decided(decision.decision.value, decision)
        return await self._answer_once_past(Stage.DOCUMENT_VERIFICATION)

    @verify_documents.validator
    def validate_verification(self, decision: VerificationDecision) -> None:
        def rule() -> None:
            rules.check_verification(self._case.state, decision)
            self._once(self._case.verification, "the document verification")

        check(rule)

    @workflow.update
    async def resubmit(self, entry: Resubmission) -> PermitState:
        self.validate_resubmission(entry)
        self._case.resubmission = entry
        self._case.settled_by = Settlement("resubmitted", entry.actor, entry.reason)
        # New document versions go to the chain with the event (ids and hashes only).
        await self._case.record(
            EventKind.RESUBMITTED,
            actor=entry.actor,
            reason=entry.reason,
            decision="resubmit",
            documents=list(entry.document_refs),
        )
        return await self._answer_once_past(Stage.REVISION, Stage.VISA_HOLD)

    @resubmit.validator
    def validate_resubmission(self, entry: Resubmission) -> None:
        def rule() -> None:
            rules.check_resubmission(self._case.state, entry, workflow.now())
            if self._case.resubmission is not None:
                raise conflict("the documents were already resubmitted")

        check(rule)

    @workflow.update
    async def assess_feasibility(self, decision: FeasibilityDecision) -> PermitState:
        self.validate_feasibility(decision)
        self._case.feasibility = decision
        await self._decided(decision.decision.value, decision)
        return await self._answer_once_past(Stage.FEASIBILITY)

    @assess_feasibility.validator
    def validate_feasibility(self, decision: FeasibilityDecision) -> None:
        def rule() -> None:
            rules.check_feasibility(self._case.state, decision)
            self._once(self._case.feasibility, "the feasibility assessment")

        check(rule)

    @workflow.update
    async def confirm_payment(self, payment: PaymentConfirmation) -> PermitState:
        """SIMPONI's confirmation, sent by the callback under update id `payment-{id}`, so a
        confirmation delivered twice is applied once."""
        self.validate_payment(payment)
        extension = life_rules.billed_extension(self._case.state)
        if extension is not None:  # the new period's bill of an approved extension
            extension.payment_id = payment.payment_id
            self._case.state.payment_id = payment.payment_id
            await self._case.record(
                EventKind.PAID,
                reason=f"SIMPONI payment {payment.payment_id} of US${payment.amount_usd} "
                f"(extension {extension.number})",
                decision="paid",
            )
            # Answered once the loop has taken it (the payment task closed as paid): SIMKIM's
            # extension of the ITAS follows, and SIMPONI's callback never waits on Imigrasi's
            # worker for it.
            await workflow.wait_condition(
                lambda: (
                    extension.step is not ExtensionStep.PAYMENT
                    or self._case.state.outcome is not None
                )
            )
            return self._case.state
        self._case.payment = payment
        self._case.state.payment_id = payment.payment_id
        await self._case.record(
            EventKind.PAID,
            reason=f"SIMPONI payment {payment.payment_id} of US${payment.amount_usd}",
            decision="paid",
        )
        return await self._answer_once_past(Stage.PAYMENT)

    @confirm_payment.validator
    def validate_payment(self, payment: PaymentConfirmation) -> None:
        def rule() -> None:
            extension = life_rules.billed_extension(self._case.state)
            if extension is not None:
                life_rules.check_extension_payment(extension, payment, workflow.now())
                return
            rules.check_payment(self._case.state, payment, workflow.now())
            if self._case.payment is not None:
                raise conflict(f"bill {payment.billing_code} is already settled")

        check(rule)

    @workflow.update
    async def decide_rptka(self, decision: RptkaDecision) -> PermitState:
        self.validate_rptka(decision)
        self._case.rptka = decision
        await self._decided(decision.decision.value, decision)
        return await self._answer_once_past(Stage.RPTKA_APPROVAL)

    @decide_rptka.validator
    def validate_rptka(self, decision: RptkaDecision) -> None:
        def rule() -> None:
            rules.check_rptka(self._case.state, decision)
            self._once(self._case.rptka, "the RPTKA approval")

        check(rule)

    @workflow.update
    async def decide_visa(self, decision: VisaDecision) -> PermitState:
        self.validate_visa(decision)
        self._case.visa = decision
        await self._decided(decision.decision.value, decision)
        return await self._answer_once_past(Stage.VISA_DECISION)

    @decide_visa.validator
    def validate_visa(self, decision: VisaDecision) -> None:
        def rule() -> None:
            rules.check_visa(self._case.state, decision)
            self._once(self._case.visa, "the visa")

        check(rule)

    @workflow.update
    async def record_arrival(self, entry: ArrivalRecord) -> PermitState:
        self.validate_arrival(entry)
        self._case.arrival = entry
        await self._decided("arrived", entry)
        return await self._answer_once_past(Stage.AWAITING_ARRIVAL)

    @record_arrival.validator
    def validate_arrival(self, entry: ArrivalRecord) -> None:
        def rule() -> None:
            rules.check_arrival(self._case.state, entry, local_date(workflow.now()))
            self._once(self._case.arrival, "the arrival")

        check(rule)

    @workflow.update
    async def terminate(self, entry: Termination) -> PermitState:
        self.validate_termination(entry)
        self._case.termination = entry
        await self._case.record(
            EventKind.TERMINATED, actor=entry.actor, reason=entry.reason, decision="terminate"
        )
        await workflow.wait_condition(lambda: self._case.state.outcome is not None)
        return self._case.state

    @terminate.validator
    def validate_termination(self, entry: Termination) -> None:
        def rule() -> None:
            rules.check_termination(self._case.state, entry)
            self._once(self._case.termination, "the early termination")

        check(rule)

    async def _decided(
        self,
        decision: str,
        entry: VerificationDecision
        | FeasibilityDecision
        | RptkaDecision
        | VisaDecision
        | ArrivalRecord,
    ) -> None:
        self._case.settled_by = Settlement(decision, entry.actor, entry.reason)
        await self._case.record(
            EventKind.DECIDED, actor=entry.actor, reason=entry.reason, decision=decision
        )
