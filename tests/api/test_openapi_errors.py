"""OpenAPI tells the truth about errors: every operation documents the answers it can give,
with the body the API really sends (ErrorBody), so a generated client and a schema checker
agree with the API."""

from __future__ import annotations

from typing import Any

import pytest

from api.main import create_app
from api.responses import ErrorBody
from config.settings import Environment, Settings
from tests.api.conftest import ApiStack


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    schema: dict[str, Any] = create_app(Settings(environment=Environment.TEST)).openapi()
    return schema


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
    ]


def _refs(response: dict[str, Any]) -> str:
    return str(response["content"]["application/json"]["schema"])


def test_every_operation_documents_its_error_answers(spec: dict[str, Any]) -> None:
    missing = []
    for path, method, operation in _operations(spec):
        expected = {"503"}
        if operation.get("security"):
            expected |= {"401", "403"}
        if "{" in path:
            expected |= {"404"}
        if method == "post":
            expected |= {"409"}
        if operation.get("parameters") or operation.get("requestBody"):
            expected |= {"422"}
        answers = operation["responses"]
        missing += [f"{method.upper()} {path} {s}" for s in sorted(expected - set(answers))]
        for status in expected:
            if status in answers:
                assert "ErrorBody" in _refs(answers[status]), (path, method, status)
        assert "Retry-After" in answers["503"]["headers"]
    assert not missing, missing
    assert "HTTPValidationError" not in spec["components"]["schemas"]


async def test_the_real_error_bodies_match_the_documented_schema(api: ApiStack) -> None:
    answers = [
        await api.http.get("/enrolments"),  # 401
        await api.http.get("/incidents", headers=api.caseworker()),  # 403
        await api.http.get("/enrolments/ENR-NONE", headers=api.auditor()),  # 404
        await api.http.get("/enrolments?offset=-1", headers=api.auditor()),  # 422, a list
        await api.http.post("/enrolments", json={"reason": "x"}, headers=api.caseworker()),
        await api.http.get("/enrolments/A%00B", headers=api.auditor()),  # 422, a sentence
    ]
    assert [a.status_code for a in answers] == [401, 403, 404, 422, 422, 422]
    for answer in answers:
        ErrorBody.model_validate(answer.json())
