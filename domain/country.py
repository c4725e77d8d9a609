"""Nationality: an ISO 3166-1 alpha-2 code (pycountry's list, pinned with the package)."""

from __future__ import annotations

from typing import Annotated

import pycountry
from annotated_types import MaxLen, MinLen
from pydantic import AfterValidator, ValidationInfo

from domain.text import RECORDED

_ALPHA_2 = frozenset(country.alpha_2 for country in pycountry.countries)


def is_alpha_2(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code as written (capitals, no spaces)."""
    return code in _ALPHA_2


def _check(value: str, info: ValidationInfo) -> str:
    if info.context and info.context.get(RECORDED):
        return value  # read back from a history: as it was written
    code = value.strip().upper()
    if code not in _ALPHA_2:
        raise ValueError(
            f"{value!r} is not an ISO 3166-1 alpha-2 country code (e.g. IN, CN, JP, KR)"
        )
    return code


CountryCode = Annotated[str, MinLen(2), MaxLen(3), AfterValidator(_check)]
