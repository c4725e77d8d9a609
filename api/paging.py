"""The page parameters of every list: bounded, so no number reaches SQL beyond its type."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

# OFFSET is a bigint in Postgres; no list is anywhere near this long, and a bound the schema
# states is a 422 instead of a driver error (a 500) at 2**63.
MAX_OFFSET = 2**31 - 1

Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
