"""Process B, TKA permits: the calls to Imigrasi's systems (SIMKIM), held by `PermitWorkflow`.

Every call runs on Imigrasi's task queue only (`application.imigrasi_task_queue`), with no
schedule-to-start limit: while Imigrasi's worker is stopped the application waits at the
hand-off and goes on when it returns. Kemnaker's own steps are the flow's (`permit.py`).
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel
from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from domain.permit import (
        NOTIFY_SIMKIM,
        SIMKIM_UNKNOWN_REFERENCE,
        DocumentNumber,
        DocumentRequest,
        KemnakerNotification,
        SimkimReceipt,
    )


with workflow.unsafe.imports_passed_through():
    from workflows.permit_case import SYSTEM_CALL, SYSTEM_RETRY, PermitCase

Result = TypeVar("Result", bound=BaseModel)


class ImigrasiSystems:
    def __init__(self, case: PermitCase) -> None:
        self._case = case

    async def call(self, activity: str, arg: BaseModel, result_type: type[Result]) -> Result:
        """One call to Imigrasi's systems, on Imigrasi's queue only. No schedule-to-start
        limit: while Imigrasi's worker is stopped the call waits for it, nothing is lost."""
        result: Result = await workflow.execute_activity(
            activity,
            arg,
            result_type=result_type,
            task_queue=self._case.application.imigrasi_task_queue,
            start_to_close_timeout=SYSTEM_CALL,
            retry_policy=SYSTEM_RETRY,
        )
        return result

    async def notify_simkim(self) -> SimkimReceipt:
        """Kemnaker's notification to SIMKIM; the key makes a repeat answer the same ref."""
        app = self._case.application
        assert self._case.state.rptka_number is not None
        return await self.call(
            NOTIFY_SIMKIM,
            KemnakerNotification(
                idempotency_key=f"{app.application_id}:notify",
                application_id=app.application_id,
                rptka_number=self._case.state.rptka_number,
                employer_nib=app.employer_nib,
                passport_no=app.passport_no,
                nationality=app.nationality,
                position_title=app.position_title,
                duration_months=app.duration_months,
            ),
            SimkimReceipt,
        )

    async def document(self, activity: str, what: str, **validity: object) -> str:
        checks = self._case.state.checks
        assert checks is not None
        request = DocumentRequest.model_validate(
            {
                "idempotency_key": f"{self._case.state.application_id}:{what}",
                "simkim_ref": checks.simkim_ref,
                **validity,
            }
        )
        try:
            number = await self.call(activity, request, DocumentNumber)
        except ActivityError as error:
            cause = error.cause
            if not (isinstance(cause, ApplicationError) and cause.type == SIMKIM_UNKNOWN_REFERENCE):
                raise
            # SIMKIM lost the notification (weeks can pass between the checks and the visa,
            # ITAS or EPO): without this the whole application would fail. Notify again under
            # the same key, once, and ask for the document with the reference it answers.
            workflow.logger.warning("SIMKIM did not know the reference; notifying again")
            receipt = await self.notify_simkim()
            self._case.state.checks = checks.model_copy(update={"simkim_ref": receipt.simkim_ref})
            request = request.model_copy(update={"simkim_ref": receipt.simkim_ref})
            number = await self.call(activity, request, DocumentNumber)
        return number.number
