"""Bad input answered 4xx before any route runs: control characters in a path or query, and
validation errors reported without echoing the input.

A path id or a query filter goes straight into SQL parameters: a NUL there is a Postgres
error (a 500) and any other control character can never match a stored id. FastAPI's own
422 echoes each invalid input back, and an input holding an unpaired surrogate cannot be
encoded as JSON (a 500); the answer here names the field and the problem only.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.text import sanitise, text_problem

_FASTAPI_UNPARSED = "There was an error parsing the body"
UNREADABLE_BODY = "the request body could not be read: send JSON (or the form) encoded as UTF-8"


def _query_problem(query_string: bytes) -> str | None:
    try:
        decoded = query_string.decode("ascii")
    except UnicodeDecodeError:
        return "the query string must be URL-encoded ASCII"
    for name, value in parse_qsl(decoded, keep_blank_values=True, errors="replace"):
        for what, text in ((f"query parameter name {name!r}", name), (f"query {name!r}", value)):
            problem = text_problem(text, multiline=False)
            if problem is not None:
                return f"{sanitise(what)}: {problem}"
    return None


class InputGuard:
    """Pure ASGI: refuses (422) a request whose path or query holds characters no stored id
    or filter can hold, before routing."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            problem = text_problem(scope["path"], multiline=False)
            problem = f"the path: {problem}" if problem else _query_problem(scope["query_string"])
            if problem is not None:
                response = JSONResponse(status_code=422, content={"detail": problem})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _issue(error: dict[str, object]) -> dict[str, object]:
    loc = error.get("loc", ())
    return {
        "loc": [part if isinstance(part, int) else sanitise(str(part)) for part in loc]
        if isinstance(loc, tuple | list)
        else [],
        "msg": sanitise(str(error.get("msg", ""))),
        "type": str(error.get("type", "")),
    }


def install_input_guard(app: FastAPI) -> None:
    app.add_middleware(InputGuard)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_: Request, error: RequestValidationError) -> JSONResponse:
        return JSONResponse(
            status_code=422, content={"detail": [_issue(e) for e in error.errors()]}
        )

    @app.exception_handler(StarletteHTTPException)
    async def _unreadable(request: Request, error: StarletteHTTPException) -> Response:
        # FastAPI answers a body it cannot decode at all (not UTF-8, a broken form) with a bare
        # 400 "There was an error parsing the body"; a body that is not valid JSON is already a
        # 422 `json_invalid`. Both are the same mistake: one answer, saying what to send.
        if error.status_code == 400 and error.detail == _FASTAPI_UNPARSED:
            issue = {"loc": ["body"], "msg": UNREADABLE_BODY, "type": "json_invalid"}
            return JSONResponse(status_code=422, content={"detail": [issue]})
        return await http_exception_handler(request, error)
