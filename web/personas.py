"""The seeded people of "Masuk sebagai" (sign in as), development and test only.

One per role and scope, named as README's token examples, plus a person holding two roles
(to try the role switch). Subjects are short handles, no real names. Refused (404) whenever
`Settings.personas_accepted` is false: production never offers them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.identity import Ministry, Principal, Role, Scope


class Persona(BaseModel):
    model_config = ConfigDict(frozen=True)

    subject: str
    roles: tuple[Role, ...]
    scope: Scope

    @property
    def principal(self) -> Principal:
        return Principal(subject=self.subject, roles=frozenset(self.roles), scope=self.scope)

    @property
    def scope_label(self) -> str:
        return scope_label(self.scope)


def scope_label(scope: Scope) -> str:
    """The scope's codes, e.g. "LP-CIPINANG" or "kemnaker"; "semua" for none."""
    values = [scope.upt, scope.lsp, scope.bapas, scope.ministry, scope.employer_nib]
    return ", ".join(str(v) for v in values if v is not None) or "-"


def _p(subject: str, *roles: Role, **scope: str | Ministry) -> Persona:
    return Persona(subject=subject, roles=roles, scope=Scope.model_validate(scope))


PERSONAS: tuple[Persona, ...] = (
    _p("ani", Role.CASEWORKER, upt="LP-CIPINANG"),
    _p("budi", Role.TPP_MEMBER, upt="LP-CIPINANG"),
    _p("citra", Role.TPP_MEMBER, upt="LP-CIPINANG"),  # a second board member
    _p("eko", Role.CASEWORKER, upt="LP-SALEMBA"),
    _p("indra", Role.KEMNAKER_INSTRUCTOR, ministry=Ministry.KEMNAKER),
    _p("sari", Role.LSP_ASSESSOR, lsp="LSP-PARIWISATA"),
    _p("dewi", Role.KEMNAKER_OFFICER, ministry=Ministry.KEMNAKER),
    _p("bagus", Role.BAPAS_OFFICER, bapas="BP-JAKBAR"),
    _p("sinta", Role.SUPERVISOR, upt="LP-CIPINANG"),
    _p("audi", Role.AUDITOR),
    _p("pt-maju", Role.EMPLOYER, employer_nib="9120001234567"),
    _p("pt-lain", Role.EMPLOYER, employer_nib="9120007654321"),  # another NIB
    _p("vera", Role.KEMNAKER_VERIFIER, ministry=Ministry.KEMNAKER),
    _p("dedi", Role.KEMNAKER_DIRECTOR, ministry=Ministry.KEMNAKER),
    _p("rina", Role.IMIGRASI_OFFICER, ministry=Ministry.IMIGRASI),
    _p("gita", Role.CASEWORKER, Role.TPP_MEMBER, upt="LP-CIPINANG"),  # two roles: the switch
    _p("ops-1", Role.OPERATOR),  # runs the system: incidents, no case data
    _p("adi", Role.ADMINISTRATOR, ministry=Ministry.KEMNAKER),  # Kemnaker's directory of people
)

BY_SUBJECT = {p.subject: p for p in PERSONAS}
