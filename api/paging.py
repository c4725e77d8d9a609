"""The page parameters of every list: bounded, so no number reaches SQL beyond its type."""

from __future__ import annotations

import base64
from typing import Annotated, Any, TypeVar

from fastapi import Query
from pydantic import BaseModel

from domain.errors import invalid

Key = TypeVar("Key", bound=BaseModel)

# OFFSET is a bigint in Postgres; no list is anywhere near this long, and a bound the schema
# states is a 422 instead of a driver error (a 500) at 2**63.
MAX_OFFSET = 2**31 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]


# ---------------------------------------------------------------- cursors (keyset paging)

_CURSOR = "k1."  # the format's version: a cursor of another shape is refused, not misread


def encode_cursor(key: BaseModel) -> str:
    """A list's place as an opaque token: the key's JSON, base64url. It names a place in the
    list, never a permission: the query that reads from it applies the caller's scope."""
    raw = base64.urlsafe_b64encode(key.model_dump_json().encode()).rstrip(b"=")
    return _CURSOR + raw.decode()


def decode_cursor(token: str, model: type[Key], parameter: str) -> Key:
    """The key `token` holds, or a 422 saying what to do (a 500 for a cursor is a bug)."""
    problem = invalid(
        f"`{parameter}` is not a cursor this API gave: pass the `{parameter}` of a page's "
        f"link unchanged, or leave `{parameter}` out to start from the first page"
    )
    if not token.startswith(_CURSOR):
        raise problem
    body = token[len(_CURSOR) :]
    try:
        return model.model_validate_json(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except ValueError:  # not base64, not JSON, not the key's shape (ValidationError too)
        raise problem from None


def cursor(description: str) -> Any:
    """A cursor query parameter: bounded, so a pasted page of text is a 422 from the schema."""
    return Query(max_length=512, description=f"{description} (opaque: pass it unchanged)")
