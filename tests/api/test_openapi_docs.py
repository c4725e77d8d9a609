"""The API is usable from its documentation: every request body has a description and an
example that the API itself accepts as well-formed, every operation says what it does, every
date says it is a Jakarta date, and the conventions a client would otherwise guess are
written down."""

from __future__ import annotations

from typing import Any

from api.main import create_app
from api.openapi_docs import REQUEST_BODIES
from config.settings import Environment, Settings


def _spec() -> dict[str, Any]:
    return create_app(Settings(environment=Environment.TEST)).openapi()


def _request_schemas(spec: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each operation's JSON request body schema, by 'METHOD path'."""
    found = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                found[f"{method.upper()} {path}"] = body["schema"]
    return found


def _component(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    component: dict[str, Any] = spec["components"]["schemas"][ref.rsplit("/", 1)[-1]]
    return component


def test_every_request_body_has_a_description_and_a_valid_example() -> None:
    spec = _spec()
    models = {m.__name__: m for m in REQUEST_BODIES}
    missing = []
    for operation, schema in _request_schemas(spec).items():
        refs = [schema["$ref"]] if "$ref" in schema else [o["$ref"] for o in schema["oneOf"]]
        for ref in refs:
            component = _component(spec, ref)
            if not component.get("description") or not component.get("examples"):
                missing.append(f"{operation}: {ref}")
                continue
            name = ref.rsplit("/", 1)[-1]
            for example in component["examples"]:
                if name in models:  # a well-formed body, as the API reads it
                    models[name].model_validate(example)
    assert not missing, f"request bodies without a description or example: {missing}"


def test_every_operation_says_what_it_does() -> None:
    undocumented = [
        f"{method.upper()} {path}"
        for path, item in _spec()["paths"].items()
        for method, operation in item.items()
        if not operation.get("description")
    ]
    assert not undocumented, undocumented


def test_every_date_is_documented_as_a_jakarta_date() -> None:
    spec = _spec()
    dates = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in node.get("properties", {}).items():
                options = [prop, *prop.get("anyOf", [])]
                if any(o.get("format") == "date" for o in options if isinstance(o, dict)):
                    dates.append((f"{where}.{name}", prop.get("description", "")))
            for key, value in node.items():
                walk(value, f"{where}.{key}" if key != "properties" else where)

    walk(spec["components"]["schemas"], "")
    assert len(dates) > 10  # arrival, attendance, deferral, planned dates, release, ...
    assert [d for d, text in dates if "Asia/Jakarta" not in text] == []
    arrival = spec["components"]["schemas"]["ArrivalFields"]["properties"]["arrived_on"]
    assert "Asia/Jakarta" in arrival["description"]


def test_the_conventions_a_client_would_guess_are_written_down() -> None:
    text = _spec()["info"]["description"]
    for convention in ("Asia/Jakarta", "exception_granted", "billing_code", "202", "Location",
                       "GET /inmates/{inmate_sdp_no}"):  # fmt: skip
        assert convention in text, convention
