"""Temporal search attributes: what operators filter cases by. Never PII (no NIK, no names).

The same list registers them on the dev server, the test servers and docker-compose.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

KIND = SearchAttributeKey.for_keyword("SinergiKind")
STAGE = SearchAttributeKey.for_keyword("SinergiStage")
UPT = SearchAttributeKey.for_keyword("SinergiUpt")
PROGRAMME = SearchAttributeKey.for_keyword("SinergiProgramme")
# TKA permits: the employer's NIB, a business registration number (not personal data).
EMPLOYER_NIB = SearchAttributeKey.for_keyword("SinergiEmployerNib")

ALL: tuple[SearchAttributeKey[str], ...] = (KIND, STAGE, UPT, PROGRAMME, EMPLOYER_NIB)
