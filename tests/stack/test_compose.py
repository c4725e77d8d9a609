"""The docker-compose deployment registers what the code searches by, and has no default secret.

(Its syntax is checked by scripts/check-compose.sh in `make test`.)
"""

from __future__ import annotations

import re

from config.settings import PROJECT_ROOT
from domain import search

COMPOSE = (PROJECT_ROOT / "docker-compose.yml").read_text()


def test_the_setup_job_registers_every_search_attribute_of_the_code() -> None:
    loop = re.search(r"for name in ([\w ]+); do", COMPOSE)
    assert loop is not None, "temporal-setup no longer loops over the search attributes"
    assert sorted(loop.group(1).split()) == sorted(key.name for key in search.ALL)


def test_secrets_must_be_supplied_and_have_no_default() -> None:
    for variable in (
        "SINERGI_JWT_SECRET",
        "POSTGRES_PASSWORD",
        "SINERGI_SIMPONI_CALLBACK_SECRET",
        "SINERGI_SESSION_SECRET",
    ):
        uses = re.findall(r"\$\{" + variable + r"(:?[?-])?[^}]*\}", COMPOSE)
        assert uses, f"{variable} is not used"
        assert all(marker == ":?" for marker in uses), f"{variable} has a default or none check"


def test_each_ministry_has_its_own_permit_worker_service() -> None:
    for service, module in (
        ("kemnaker-worker", "workers.kemnaker"),
        ("imigrasi-worker", "workers.imigrasi"),
    ):
        found = re.search(rf"\n  {service}:\n(?:    .*\n|\n)*?    command: (.*)\n", COMPOSE)
        assert found is not None, f"no {service} service"
        assert module in found.group(1)
