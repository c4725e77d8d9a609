"""Where each role lands after signing in, and the links of the header's menu.

A page module that adds a section registers it here (`NAV.append(...)`, `HOME[role] = ...`)
when it is imported; `web/__init__.py` imports every page module.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.identity import Role

INBOX = "/tugas"


@dataclass(frozen=True)
class NavItem:
    label_key: str  # a key of web/i18n.MESSAGES
    path: str
    roles: frozenset[Role]  # shown to a person acting in one of these roles


# Everyone with work awaited by a workflow has an inbox (api/inbox.TASK_HOLDERS).
TASK_HOLDERS = frozenset(r for r in Role if r not in (Role.AUDITOR, Role.SDP_SYSTEM))

NAV: list[NavItem] = [NavItem("nav.inbox", INBOX, TASK_HOLDERS)]

# The landing page of each role; a role not listed lands on the inbox.
HOME: dict[Role, str] = {}


def home_for(role: Role) -> str:
    return HOME.get(role, INBOX)


def nav_for(role: Role) -> list[NavItem]:
    return [item for item in NAV if role in item.roles]
