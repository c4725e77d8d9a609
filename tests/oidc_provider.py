"""A real local OpenID Connect provider (the `oidc-provider-mock` package) for tests and
production-like runs.

It speaks the real protocol: discovery, the authorization endpoint (a form where the person
"is" the subject typed or clicked), the token endpoint (authorization code -> RS256 ID token
signed with its own key), JWKS. Any client id and secret are accepted. The ID token carries
every claim set for the user (roles, upt, lsp, ...) and `aud` = the client id.
Known limit of the package (0.3.4): it ignores the PKCE code_challenge (Sinergi sends it
and the verifier anyway).

In a test (fixture `oidc_issuer` in tests/conftest.py):

    oidc_issuer.set_user("budi", roles=["tpp_member"], upt="LP-CIPINANG")
    settings = Settings(**oidc_issuer.settings_for(client_id="sinergi-web"), ...)
    # the browser then signs in at the provider's form as "budi"

As a process (production-like runs):

    python -m tests.oidc_provider --port 9400 \\
        --user 'budi={"roles": ["tpp_member"], "upt": "LP-CIPINANG"}'
    # prints the issuer URL, then serves until SIGTERM/Ctrl-C

API: `running_provider(port=0)` (context manager) -> `OidcProvider` with `issuer`,
`jwks_url`, `set_user(sub, **claims)`, `settings_for(client_id)`, and `sign_in(url, sub)` to
complete an authorization request without a browser.
"""

from __future__ import annotations

import argparse
import json
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import oidc_provider_mock

HOST = "localhost"  # the issuer is http://localhost:<port>: use that name everywhere


@dataclass(frozen=True)
class OidcProvider:
    issuer: str

    @property
    def jwks_url(self) -> str:
        return f"{self.issuer}/jwks"

    def set_user(self, sub: str, **claims: Any) -> None:
        """The claims the ID token of `sub` will carry (replaces earlier ones)."""
        response = httpx.put(f"{self.issuer}/users/{quote(sub, safe='')}", json=claims)
        response.raise_for_status()

    def settings_for(self, client_id: str = "sinergi-web") -> dict[str, Any]:
        """Settings fields that make Sinergi trust this issuer (API tokens and page login)."""
        return {
            "oidc_issuer": self.issuer,
            "oidc_audience": client_id,
            "oidc_jwks_url": self.jwks_url,
            "oidc_client_id": client_id,
            "oidc_client_secret": "any-secret-the-mock-accepts",
        }

    def sign_in(self, authorization_url: str, sub: str) -> str:
        """Complete an authorization request as `sub`: the redirect back to the client."""
        response = httpx.post(authorization_url, data={"sub": sub})
        if response.status_code != 302:
            raise RuntimeError(f"the provider refused the sign-in: {response.status_code}")
        return response.headers["location"]


@contextmanager
def running_provider(port: int = 0) -> Iterator[OidcProvider]:
    """The provider on a background thread at http://localhost:<port> (0: a free port)."""
    with oidc_provider_mock.run_server_in_thread(port=port) as server:
        yield OidcProvider(issuer=f"http://{HOST}:{server.server_port}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=9400)
    parser.add_argument(
        "--user", action="append", default=[], help='SUB=JSON claims, e.g. budi={"roles": [...]}'
    )
    args = parser.parse_args()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with running_provider(args.port) as provider:
        for spec in args.user:
            sub, _, claims = spec.partition("=")
            provider.set_user(sub, **json.loads(claims or "{}"))
        print(provider.issuer, flush=True)
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
