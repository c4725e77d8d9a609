"""The inbox's `decide` body is typed per task kind in the OpenAPI (a union discriminated on
`kind`), and the server holds to it: a body of the task's kind is decided, one naming another
kind is refused, and a body without `kind` (clients written before) still works."""

from __future__ import annotations

from typing import Any

from api import case_kinds
from api.main import create_app
from config.settings import Environment, Settings
from domain.identity import Actor, Role, Scope
from registries.sdp_seed import DEMO_ELIGIBLE
from tests.api import flows
from tests.api.conftest import ApiStack


def _decide_body(spec: dict[str, Any]) -> dict[str, Any]:
    body: dict[str, Any] = spec["paths"]["/tasks/{task_id}/decide"]["post"]["requestBody"]
    schema: dict[str, Any] = body["content"]["application/json"]["schema"]
    return schema


def test_each_task_kind_has_its_own_body_with_an_example_the_decider_accepts() -> None:
    spec = create_app(Settings(environment=Environment.TEST)).openapi()
    schema = _decide_body(spec)
    mapping = schema["discriminator"]["mapping"]
    deciders = {k: d for c in case_kinds.CASE_KINDS.values() for k, d in c.deciders.items()}
    assert set(mapping) == set(deciders)  # every kind the inbox decides, and no other
    assert {o["$ref"] for o in schema["oneOf"]} == set(mapping.values())
    someone = Actor(subject="someone", role=Role.TPP_MEMBER, scope=Scope(upt="LP-CIPINANG"))
    for kind, ref in mapping.items():
        component = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        assert component["properties"]["kind"]["const"] == kind
        assert "actor" not in component["properties"]  # the actor comes from the token
        (example,) = component["examples"]
        assert example["kind"] == kind
        fields = {k: v for k, v in example.items() if k != "kind"}
        deciders[kind].payload.model_validate({**fields, "actor": someone})
    placement = spec["components"]["schemas"]["DecidePlacementReview"]
    assert {"decision", "reason", "exception_granted", "defer_until"} <= set(
        placement["properties"]
    )


async def _placement_task(api: ApiStack, enrolment_id: str) -> str:
    inbox = await flows.ok(await api.http.get("/inbox", headers=api.tpp()))
    return str(next(t["task_id"] for t in inbox["items"] if t["case_id"] == enrolment_id))


async def test_the_kind_in_the_body_must_be_the_tasks_and_may_be_left_out(api: ApiStack) -> None:
    enrolment_id = await flows.request(api, DEMO_ELIGIBLE)
    task_id = await _placement_task(api, enrolment_id)
    before = await api.snapshot(enrolment_id)
    wrong = {"kind": "assessment", "decision": "approve", "reason": "looks fine"}
    refused = await api.http.post(f"/tasks/{task_id}/decide", json=wrong, headers=api.tpp())
    assert refused.status_code == 422
    assert "placement_review" in refused.json()["detail"]
    assert await api.snapshot(enrolment_id) == before
    typed = {"kind": "placement_review", "decision": "approve", "reason": "motivated"}
    decided = await flows.ok(
        await api.http.post(f"/tasks/{task_id}/decide", json=typed, headers=api.tpp())
    )
    assert decided["case"]["stage"] == "training"
