"""Who may act: roles, their scopes, and the actor recorded with every decision."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    CASEWORKER = "caseworker"  # petugas pembinaan, one UPT
    TPP_MEMBER = "tpp_member"  # Tim Pengamat Pemasyarakatan, one UPT
    KEMNAKER_INSTRUCTOR = "kemnaker_instructor"
    KEMNAKER_OFFICER = "kemnaker_officer"
    LSP_ASSESSOR = "lsp_assessor"  # one LSP; appeal panel members likewise
    BAPAS_OFFICER = "bapas_officer"
    EMPLOYER = "employer"
    KEMNAKER_VERIFIER = "kemnaker_verifier"
    KEMNAKER_DIRECTOR = "kemnaker_director"
    IMIGRASI_OFFICER = "imigrasi_officer"
    AUDITOR = "auditor"
    # Oversees reviewers of one scope (a UPT, an LSP, a Bapas or a ministry): receives their
    # overdue tasks and may reassign them.
    SUPERVISOR = "supervisor"
    # The corrections database (SDP) as a system client: reports custody events of any UPT.
    SDP_SYSTEM = "sdp_system"
    # Runs the deployment (domain.md): incidents, metrics; no case data otherwise.
    OPERATOR = "operator"


class Ministry(StrEnum):
    KEMNAKER = "kemnaker"
    KEMENIMIPAS = "kemenimipas"
    IMIGRASI = "imigrasi"


class ScopeKind(StrEnum):
    UPT = "upt"
    LSP = "lsp"
    BAPAS = "bapas"
    MINISTRY = "ministry"
    EMPLOYER = "employer"
    ALL = "all"


# The scope each role's authority is bounded by (domain.md, "People and what they may do").
ROLE_SCOPE: dict[Role, ScopeKind] = {
    Role.CASEWORKER: ScopeKind.UPT,
    Role.TPP_MEMBER: ScopeKind.UPT,
    Role.KEMNAKER_INSTRUCTOR: ScopeKind.MINISTRY,
    Role.KEMNAKER_OFFICER: ScopeKind.MINISTRY,
    Role.LSP_ASSESSOR: ScopeKind.LSP,
    Role.BAPAS_OFFICER: ScopeKind.BAPAS,
    Role.EMPLOYER: ScopeKind.EMPLOYER,
    Role.KEMNAKER_VERIFIER: ScopeKind.MINISTRY,
    Role.KEMNAKER_DIRECTOR: ScopeKind.MINISTRY,
    Role.IMIGRASI_OFFICER: ScopeKind.MINISTRY,
    Role.AUDITOR: ScopeKind.MINISTRY,
    Role.SUPERVISOR: ScopeKind.ALL,  # the scope kind of whatever they supervise
    Role.SDP_SYSTEM: ScopeKind.ALL,
    Role.OPERATOR: ScopeKind.ALL,
}


# The ministry whose staff hold each role (None: not a ministry's: LSP assessors certify for
# BNSP, employers apply, supervisors and SDP act within whatever scope they are given).
MINISTRY_OF_ROLE: dict[Role, Ministry | None] = {
    Role.CASEWORKER: Ministry.KEMENIMIPAS,
    Role.TPP_MEMBER: Ministry.KEMENIMIPAS,
    Role.BAPAS_OFFICER: Ministry.KEMENIMIPAS,
    Role.KEMNAKER_INSTRUCTOR: Ministry.KEMNAKER,
    Role.KEMNAKER_OFFICER: Ministry.KEMNAKER,
    Role.KEMNAKER_VERIFIER: Ministry.KEMNAKER,
    Role.KEMNAKER_DIRECTOR: Ministry.KEMNAKER,
    Role.IMIGRASI_OFFICER: Ministry.IMIGRASI,
    Role.LSP_ASSESSOR: None,
    Role.EMPLOYER: None,
    Role.AUDITOR: None,
    Role.SUPERVISOR: None,
    Role.SDP_SYSTEM: None,
    Role.OPERATOR: None,
}


# The ministries that take part in Process A (inmate certification); an auditor scoped to
# another ministry (Imigrasi) audits nothing of it.
PROCESS_A_MINISTRIES = frozenset({Ministry.KEMENIMIPAS, Ministry.KEMNAKER})


def audits_process_a(scope: Scope) -> bool:
    """An auditor of all ministries (no ministry in scope), or of one that takes part."""
    return scope.ministry is None or scope.ministry in PROCESS_A_MINISTRIES


class Scope(BaseModel):
    """Where a person's authority applies. Unused kinds stay None."""

    model_config = ConfigDict(frozen=True)

    upt: str | None = None
    lsp: str | None = None
    bapas: str | None = None
    ministry: Ministry | None = None
    employer_nib: str | None = None


class Principal(BaseModel):
    """An authenticated person, as read from their token."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1, max_length=128)
    roles: frozenset[Role]
    scope: Scope = Scope()

    def has_role(self, role: Role) -> bool:
        return role in self.roles

    def acting_as(self, role: Role) -> Actor:
        return Actor(subject=self.subject, role=role, scope=self.scope)


class Actor(BaseModel):
    """The person behind one human input, carried in every update payload and recorded."""

    model_config = ConfigDict(frozen=True)

    subject: str = Field(min_length=1, max_length=128)
    role: Role
    scope: Scope = Scope()


class HumanInput(BaseModel):
    """The base of every human input a workflow receives: who sent it (from their token)."""

    model_config = ConfigDict(frozen=True)

    actor: Actor
