"""The inbox's `decide` body, typed per task kind in the OpenAPI.

`POST /tasks/{task_id}/decide` takes the body of the case's own decision endpoint for the
task's kind. The contract publishes one schema per kind (`Decide<Kind>`: that body plus
`kind`, the task's kind), as a union discriminated on `kind`, so a generated client has a
type for each. `kind` is what the union is told apart by; the server still reads the kind
from the task, so a body without `kind` (every client before this contract) is decided as
before, and a `kind` that is not the task's is a 422.

The models are built from the inbox's registry of deciders (`api/case_kinds.py`): a new
task kind appears in the contract without an edit here.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, create_model
from pydantic.json_schema import models_json_schema

from api import case_kinds
from domain.errors import invalid

KIND_FIELD = "kind"


def _camel(kind: str) -> str:
    return "".join(part.capitalize() for part in kind.split("_"))


def decision_models() -> dict[str, type[BaseModel]]:
    """`Decide<Kind>` for every task kind the inbox decides, by kind."""
    models: dict[str, type[BaseModel]] = {}
    for case_kind in sorted(case_kinds.CASE_KINDS.values(), key=lambda c: c.name):
        for task_kind, decider in sorted(case_kind.deciders.items()):
            fields: dict[str, Any] = {
                name: (info.annotation, info)
                for name, info in decider.payload.model_fields.items()
                if name != "actor"
            }
            fields[KIND_FIELD] = (Literal[task_kind], ...)
            models[task_kind] = create_model(
                f"Decide{_camel(task_kind)}",
                __config__=ConfigDict(
                    title=f"Decide{_camel(task_kind)}",
                    json_schema_extra={
                        "description": f"Decides a `{task_kind}` task ({case_kind.name}): "
                        "the body of the case's own decision endpoint, with the task's kind."
                    },
                ),
                **fields,
            )
    return models


def check_kind(body: dict[str, Any], task_kind: str) -> dict[str, Any]:
    """The body without `kind`, once `kind` (when given) is the task's."""
    given = body.get(KIND_FIELD)
    if given is not None and given != task_kind:
        raise invalid(f"this task is a {task_kind} task; the body says kind {given!r}")
    return {k: v for k, v in body.items() if k != KIND_FIELD}


def add_decide_contract(schema: dict[str, Any], examples: dict[str, dict[str, Any]]) -> None:
    """Publish the per-kind bodies and make them the `decide` body, discriminated on `kind`.
    `examples` gives an example body (without `kind`) per kind, where there is one."""
    models = decision_models()
    _, top = models_json_schema(
        [(m, "validation") for m in models.values()],
        ref_template="#/components/schemas/{model}",
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    for name, definition in top.get("$defs", {}).items():
        components.setdefault(name, definition)
    for kind, model in models.items():
        if kind in examples:
            components[model.__name__]["examples"] = [{KIND_FIELD: kind, **examples[kind]}]
    operation = schema["paths"]["/tasks/{task_id}/decide"]["post"]
    operation["requestBody"] = {
        "required": True,
        "description": "The decision for this task's kind (`kind`, optional for clients "
        "written before it was published: the task's own kind is used).",
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"$ref": f"#/components/schemas/{m.__name__}"} for m in models.values()
                    ],
                    "discriminator": {
                        "propertyName": KIND_FIELD,
                        "mapping": {
                            kind: f"#/components/schemas/{m.__name__}" for kind, m in models.items()
                        },
                    },
                }
            }
        },
    }
