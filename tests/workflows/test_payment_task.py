"""The employer's "pay DKPTKA" task: opened with the bill (employer of the NIB, due at the
bill's deadline), closed by SIMPONI's confirmation, cancelled when the bill expires; over
HTTP the employer reads the billing code, the amount as `US$ 1.200` and the deadline."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from domain.identity import Role
from domain.money import usd
from domain.permit import Outcome, Stage
from domain.tasks import TaskState
from tests.api import permit_flows as flows
from tests.api.conftest import (
    ApiStack,
    api,  # noqa: F401 - the API stack fixture
)
from tests.api.flows import ok
from tests.api.permit_flows import OTHER_NIB, employer
from tests.temporal_support import until
from tests.workflows.permit_support import PermitHarness


@pytest.fixture
def harness(permit_harness: PermitHarness) -> PermitHarness:
    """The permit harness under this module's name for it."""
    return permit_harness


def test_amounts_are_written_with_a_dot_for_thousands() -> None:
    assert (usd(100), usd(1200), usd(6000), usd(1234567)) == (
        "US$ 100", "US$ 1.200", "US$ 6.000", "US$ 1.234.567"
    )  # fmt: skip


async def test_the_payment_task_opens_with_the_bill_and_closes_when_paid(
    harness: PermitHarness,
) -> None:
    case = await harness.start(duration_months=12)
    state = await case.to_payment()
    assert state.stage is Stage.PAYMENT and state.billing is not None
    [task] = [o for o in harness.tasks.open_now() if o.kind == "payment"]
    assert task.required_role is Role.EMPLOYER
    assert task.scope.employer_nib == case.application.employer_nib
    assert task.due_at == state.billing.due_at
    await case.pay("PAY-42")
    [closing] = [c for c in harness.tasks.closed if c.task_id == task.task_id]
    assert (closing.state, closing.decision) == (TaskState.DECIDED, "paid")
    assert closing.reason is not None and "PAY-42" in closing.reason


async def test_an_unpaid_bill_cancels_the_task_and_the_application_expires(
    harness: PermitHarness,
) -> None:
    case = await harness.start()
    await case.to_payment()
    [task] = [o for o in harness.tasks.open_now() if o.kind == "payment"]
    await harness.skip(timedelta(days=8))
    final = await case.result()
    assert final.outcome is Outcome.EXPIRED
    [closing] = [c for c in harness.tasks.closed if c.task_id == task.task_id]
    assert closing.state is TaskState.CANCELLED and "unpaid" in (closing.reason or "")


async def test_the_employer_sees_what_to_pay_and_the_callback_closes_its_task(
    api: ApiStack,  # noqa: F811 - the fixture imported above
) -> None:
    application_id = await flows.submit(api)
    live = await flows.to_payment(api, application_id)

    async def inbox() -> list[dict[str, Any]]:
        page = await ok(await api.http.get("/inbox?kind=payment", headers=employer(api)))
        return [t for t in page["items"] if t["case_id"] == application_id]

    [task] = await until(inbox, bool, "the pay DKPTKA task", called="inbox")
    bill = await ok(await api.http.get(f"/permits/{application_id}/payment",
                                       headers=employer(api)))  # fmt: skip
    assert bill["billing_code"] == live["billing"]["billing_code"]
    assert (bill["amount_usd"], bill["amount"]) == (1200, "US$ 1.200")
    assert bill["task_id"] == task["task_id"] and bill["paid"] is False
    theirs = await api.http.get(f"/permits/{application_id}/payment",
                                headers=employer(api, OTHER_NIB))  # fmt: skip
    assert theirs.status_code == 403
    other_inbox = await ok(await api.http.get("/inbox", headers=employer(api, OTHER_NIB)))
    assert not [t for t in other_inbox["items"] if t["case_id"] == application_id]

    (await flows.pay(api, live)).raise_for_status()
    await flows.at_stage(api, application_id, "rptka_approval")
    paid = await ok(await api.http.get(f"/permits/{application_id}/payment",
                                       headers=employer(api)))  # fmt: skip
    assert paid["paid"] is True and paid["task_id"] is None
    row = await api.pool.fetchrow(
        "SELECT state, decision FROM tasks WHERE task_id = $1", task["task_id"]
    )
    assert row is not None and (row["state"], row["decision"]) == ("decided", "paid")
