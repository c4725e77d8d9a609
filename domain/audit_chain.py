"""The audit trail's hash chains, as pure rules: what a row's hash covers, and how a chain
that does not add up is named (the first broken link: which row, what is wrong with it).

Each case has its own chain ("{case_kind}:{case_id}"), seq 1, 2, 3 ...; each row's hash is
sha256(prev_hash || canonical JSON of its content), the content including chain_id and seq,
so a row can neither be edited nor moved without its hash failing. A global anchor chain
records, now and then, the heads of the chains that moved; a chain that ends before its
anchored head was cut short, one that is gone entirely was deleted.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from pydantic import BaseModel, Field

from domain.identity import Actor

GENESIS = "0" * 64  # the prev_hash of every chain's first row, and of the first anchor

# The case's own order, which every reading of a chain follows (the chain's seq is the order
# rows were appended: after a worker crash a case's rows can be appended out of its order).
# An entry of a case event carries that event's seq (`detail.event_seq`); any other entry (a
# task opened, claimed or closed, a document stored) the seq of the event it follows
# (`detail.follows_event`), and reads after that event, in append order among its kind.
EVENT_SEQ = "event_seq"
FOLLOWS_EVENT = "follows_event"


def reading_key(detail: dict[str, Any], seq: int) -> tuple[int, int, int]:
    """Where an entry stands in its case's order: (event, the event itself first, append)."""
    if EVENT_SEQ in detail:
        return (int(detail[EVENT_SEQ]), 0, seq)
    return (int(detail.get(FOLLOWS_EVENT, 0)), 1, seq)


def chain_id(case_kind: str, case_id: str) -> str:
    return f"{case_kind}:{case_id}"


class AuditEntry(BaseModel):
    """One state change or decision of one case, as the audit trail holds it (no chain yet)."""

    entry_key: str  # deterministic, e.g. the projection's event id: written once
    case_kind: str
    case_id: str
    workflow_id: str
    run_id: str | None  # the workflow run that made the change; None for an API action
    kind: str
    at: datetime
    stage: str
    actor_subject: str | None = None
    actor_role: str | None = None
    decision: str | None = None
    reason: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)  # ids and codes, no personal data

    @property
    def chain_id(self) -> str:
        return chain_id(self.case_kind, self.case_id)


class ProjectedEvent(Protocol):
    """What every process's projected event has in common."""

    @property
    def event_id(self) -> str: ...
    @property
    def workflow_id(self) -> str: ...
    @property
    def seq(self) -> int: ...
    @property
    def kind(self) -> StrEnum: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> Actor | None: ...
    @property
    def reason(self) -> str | None: ...


def event_entry(
    event: ProjectedEvent,
    *,
    case_kind: str,
    case_id: str,
    stage: str,
    run_id: str | None,
    decision: str | None = None,
    detail: dict[str, Any],
) -> AuditEntry:
    """A projected event as the audit trail records it, keyed by its event id. The event's
    own seq goes in `detail.event_seq` (the chain's seq is the order rows were appended)."""
    return AuditEntry(
        entry_key=event.event_id,
        case_kind=case_kind,
        case_id=case_id,
        workflow_id=event.workflow_id,
        run_id=run_id,
        kind=event.kind.value,
        at=event.at,
        stage=stage,
        actor_subject=event.actor.subject if event.actor else None,
        actor_role=event.actor.role.value if event.actor else None,
        decision=decision,
        reason=event.reason,
        detail={EVENT_SEQ: event.seq} | detail,
    )


class ChainedEntry(AuditEntry):
    """A row of a chain: the entry, its place and its hashes."""

    seq: int
    recorded_at: datetime
    prev_hash: str
    hash: str


def timestamp(value: datetime) -> str:
    """A time as the audit trail writes it in hashes and keys. Postgres keeps microseconds
    in UTC: the same text whichever zone the value came in."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def canonical_content(entry: AuditEntry, seq: int, recorded_at: datetime) -> str:
    """The text a row's hash covers: every column but the hashes, sorted keys, no spaces."""
    content = {
        "chain_id": entry.chain_id,
        "seq": seq,
        "entry_key": entry.entry_key,
        "case_kind": entry.case_kind,
        "case_id": entry.case_id,
        "workflow_id": entry.workflow_id,
        "run_id": entry.run_id,
        "kind": entry.kind,
        "at": timestamp(entry.at),
        "stage": entry.stage,
        "actor_subject": entry.actor_subject,
        "actor_role": entry.actor_role,
        "decision": entry.decision,
        "reason": entry.reason,
        "detail": entry.detail,
        "recorded_at": timestamp(recorded_at),
    }
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def link_hash(prev_hash: str, content: str) -> str:
    return hashlib.sha256((prev_hash + content).encode()).hexdigest()


def entry_hash(entry: AuditEntry, seq: int, recorded_at: datetime, prev_hash: str) -> str:
    return link_hash(prev_hash, canonical_content(entry, seq, recorded_at))


def recomputed_hash(row: ChainedEntry) -> str:
    return entry_hash(row, row.seq, row.recorded_at, row.prev_hash)


# ---------------------------------------------------------------- anchors


class AnchoredHead(BaseModel):
    chain_id: str
    seq: int
    hash: str


def heads_digest(heads: Iterable[AnchoredHead]) -> str:
    """One hash over an anchor's heads, in chain order."""
    digest = hashlib.sha256()
    for head in sorted(heads, key=lambda h: h.chain_id):
        digest.update(f"{head.chain_id}\t{head.seq}\t{head.hash}\n".encode())
    return digest.hexdigest()


def anchor_hash(anchor_no: int, at: datetime, head_count: int, digest: str, prev_hash: str) -> str:
    content = json.dumps(
        {"anchor_no": anchor_no, "at": timestamp(at), "head_count": head_count, "heads": digest},
        sort_keys=True,
        separators=(",", ":"),
    )
    return link_hash(prev_hash, content)


# ---------------------------------------------------------------- what can be wrong


class Problem(StrEnum):
    CONTENT_EDITED = "content_edited"  # the row's hash does not cover its content
    ROW_MISSING = "row_missing"  # a row between two others is gone
    ROW_INSERTED = "row_inserted"  # a row no earlier row links to
    OUT_OF_ORDER = "out_of_order"  # the row links to a row that comes after it
    TRUNCATED = "truncated"  # the chain ends before a head it had
    CHAIN_MISSING = "chain_missing"  # an anchored chain has no rows at all
    REWRITTEN = "rewritten"  # the anchored row is there, with another hash
    ANCHOR_BROKEN = "anchor_broken"  # the anchor chain itself does not add up


class Break(BaseModel):
    """The first broken link found: where, what, and the hash expected against the one found."""

    chain_id: str  # "anchors" for the anchor chain
    seq: int | None  # the row (the anchor number for the anchor chain)
    problem: Problem
    message: str
    expected: str | None = None
    found: str | None = None


def _link_break(rows: Sequence[ChainedEntry], i: int, expected_prev: str) -> Break:
    """Row i does not link to the row before it: name what happened."""
    row = rows[i]
    earlier = {GENESIS: 0} | {r.hash: k + 1 for k, r in enumerate(rows[:i])}
    if row.prev_hash in earlier:
        # It links to a row further back: the rows after that one were put in.
        first = rows[earlier[row.prev_hash]]
        return Break(
            chain_id=row.chain_id,
            seq=first.seq,
            problem=Problem.ROW_INSERTED,
            message=(
                f"row {first.seq} was inserted: row {row.seq} links to "
                f"{'the chain start' if row.prev_hash == GENESIS else 'an earlier row'}, "
                f"not to row {rows[i - 1].seq}"
            ),
            expected=row.prev_hash,
            found=expected_prev,
        )
    later = {r.hash: r.seq for r in rows[i + 1 :]}
    if row.prev_hash in later:
        return Break(
            chain_id=row.chain_id,
            seq=row.seq,
            problem=Problem.OUT_OF_ORDER,
            message=f"row {row.seq} is out of order: it follows row {later[row.prev_hash]}",
            expected=expected_prev,
            found=row.prev_hash,
        )
    return Break(
        chain_id=row.chain_id,
        seq=row.seq,
        problem=Problem.ROW_MISSING,
        message=f"a row before row {row.seq} is missing (the rows after it were renumbered)",
        expected=expected_prev,
        found=row.prev_hash,
    )


def verify_chain(
    chain: str,
    rows: Sequence[ChainedEntry],
    anchored: AnchoredHead | None,
    head: AnchoredHead | None = None,
) -> Break | None:
    """The first broken link of one chain (rows in seq order), or None if it holds.

    Checked in this order, row by row: the seq follows on, the row links to the one before,
    the row's hash covers its content; then the chain against its latest anchored head, and
    against its head row (`head`, read in the same snapshot as the rows). The anchor is the
    evidence; the head row only catches a tamperer who forgot it.
    """
    expected_prev, expected_seq = GENESIS, 1
    for i, row in enumerate(rows):
        if row.seq != expected_seq:
            missing = f"{expected_seq}" + (f"-{row.seq - 1}" if row.seq - 1 > expected_seq else "")
            return Break(
                chain_id=chain,
                seq=expected_seq,
                problem=Problem.ROW_MISSING,
                message=f"row {missing} is missing: the chain goes from {expected_seq - 1} "
                f"to {row.seq}",
            )
        if row.prev_hash != expected_prev:
            return _link_break(rows, i, expected_prev)
        actual = recomputed_hash(row)
        if actual != row.hash or row.chain_id != chain:
            return Break(
                chain_id=chain,
                seq=row.seq,
                problem=Problem.CONTENT_EDITED,
                message=f"row {row.seq} was edited: its hash does not match its content",
                expected=actual,
                found=row.hash,
            )
        expected_prev, expected_seq = row.hash, expected_seq + 1
    broken = _against_anchor(chain, rows, anchored) if anchored is not None else None
    return broken or (_against_head(chain, rows, head) if head is not None else None)


def _against_anchor(
    chain: str, rows: Sequence[ChainedEntry], anchored: AnchoredHead
) -> Break | None:
    if not rows:
        return Break(
            chain_id=chain,
            seq=anchored.seq,
            problem=Problem.CHAIN_MISSING,
            message=f"the chain is gone: it was anchored at row {anchored.seq}",
            expected=anchored.hash,
        )
    last = rows[-1]
    if last.seq < anchored.seq:
        return Break(
            chain_id=chain,
            seq=last.seq + 1,
            problem=Problem.TRUNCATED,
            message=f"the chain was cut after row {last.seq}: it was anchored at row "
            f"{anchored.seq}",
            expected=anchored.hash,
        )
    at_anchor = rows[anchored.seq - 1]
    if at_anchor.hash != anchored.hash:
        return Break(
            chain_id=chain,
            seq=anchored.seq,
            problem=Problem.REWRITTEN,
            message=f"row {anchored.seq} is not the row that was anchored: the chain was "
            "rewritten up to it",
            expected=anchored.hash,
            found=at_anchor.hash,
        )
    return None


def _against_head(chain: str, rows: Sequence[ChainedEntry], head: AnchoredHead) -> Break | None:
    last = rows[-1].seq if rows else 0
    if last < head.seq:
        return Break(
            chain_id=chain,
            seq=last + 1,
            problem=Problem.TRUNCATED,
            message=f"the chain ends at row {last} but its head is at row {head.seq}",
            expected=head.hash,
        )
    if last > head.seq:
        return Break(
            chain_id=chain,
            seq=head.seq + 1,
            problem=Problem.ROW_INSERTED,
            message=f"rows {head.seq + 1}-{last} lie beyond the chain's head (row {head.seq})",
            found=rows[-1].hash,
        )
    if rows[-1].hash != head.hash:
        return Break(
            chain_id=chain,
            seq=last,
            problem=Problem.REWRITTEN,
            message=f"row {last} is not the chain's head row",
            expected=head.hash,
            found=rows[-1].hash,
        )
    return None


# ---------------------------------------------------------------- periodic anchoring

ANCHOR_AUDIT_HEADS = "anchor_audit_heads"  # the activity
ANCHOR_SCHEDULE_ID = "sinergi-audit-anchor"


class AnchorRequest(BaseModel):
    """What the anchoring workflow asks for (nothing yet; a model so fields can be added)."""


class AnchorOutcome(BaseModel):
    anchor_no: int | None  # None: no head moved since the last anchor
    head_count: int
