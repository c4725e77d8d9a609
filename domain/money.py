"""Amounts as the ministries write them: `US$ 1.200` (a dot for thousands, no decimals)."""

from __future__ import annotations


def usd(amount: int) -> str:
    return "US$ " + f"{amount:,}".replace(",", ".")
