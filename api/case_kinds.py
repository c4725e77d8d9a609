"""What the inbox needs to know about each kind of case: who audits it, how its tasks are decided.

Each process's API module registers its case kind when it is imported (`api.main` imports
them all). The inbox then decides a task by the route its case kind names for the task's
kind, and an auditor reads a task only when it audits that kind of case.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import asyncpg
from pydantic import BaseModel
from temporalio.client import Client

from domain.identity import HumanInput, Scope

# Sends one decision to the case's workflow and answers with the case's new state.
Decide = Callable[[asyncpg.Pool, Client, str, HumanInput], Awaitable[BaseModel]]


@dataclass(frozen=True)
class TaskDecider:
    """How the inbox settles one kind of task: the Update's argument, and who sends it."""

    payload: type[HumanInput]  # the decision's fields plus the actor
    decide: Decide


@dataclass(frozen=True)
class CaseKind:
    name: str  # the `case_kind` of its tasks (the workflow's SinergiKind)
    audited_by: Callable[[Scope], bool]  # whether an auditor of this scope reads its cases
    deciders: dict[str, TaskDecider] = field(default_factory=dict)  # by task kind


CASE_KINDS: dict[str, CaseKind] = {}


def register(kind: CaseKind) -> None:
    CASE_KINDS[kind.name] = kind


def add_deciders(name: str, deciders: dict[str, TaskDecider]) -> None:
    """More task kinds of an already registered case kind (a process's later steps, in a
    module of their own)."""
    CASE_KINDS[name].deciders.update(deciders)


def decider_for(case_kind: str, task_kind: str) -> TaskDecider | None:
    kind = CASE_KINDS.get(case_kind)
    return kind.deciders.get(task_kind) if kind is not None else None


def audits(case_kind: str, scope: Scope) -> bool:
    kind = CASE_KINDS.get(case_kind)
    return kind is not None and kind.audited_by(scope)
