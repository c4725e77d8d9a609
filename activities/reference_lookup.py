"""Reference data the journey asks about: which programmes a UPT offers (on a transfer)."""

from __future__ import annotations

import asyncpg
from temporalio import activity

from db import reference
from domain.journey import PROGRAMMES_OFFERED, ProgrammesOffered, ProgrammesOfferedQuery
from domain.reference import UptKind


class ReferenceLookup:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    @activity.defn(name=PROGRAMMES_OFFERED)
    async def programmes_offered(self, query: ProgrammesOfferedQuery) -> ProgrammesOffered:
        """Which of `programme_codes` the UPT offers, in the order asked.

        A Bapas supervises released clients and holds no inmates: as a transfer destination
        it is as unknown as a code that does not exist (`upt_known` False).
        """
        upt = await reference.get_upt(self._pool, query.upt_code)
        if upt is None or upt.kind is UptKind.BAPAS:
            return ProgrammesOffered(upt_known=False, offered=[])
        here = {o.programme_code for o in await reference.list_offerings(self._pool, upt.code)}
        return ProgrammesOffered(
            upt_known=True, offered=[code for code in query.programme_codes if code in here]
        )
