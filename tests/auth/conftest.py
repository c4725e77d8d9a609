"""An OIDC issuer for tests: RSA keys, and their JWKS served over real local HTTP."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

from config.settings import Environment, Settings
from tests.live_settings import live_values

ISSUER = "https://sso.sinergi.test/realms/sinergi"
AUDIENCE = "sinergi-api"
KID = "issuer-key-1"
SLOW_SECONDS = 0.5  # how long /slow/jwks.json takes to answer


def new_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Issuer:
    base_url: str
    key: rsa.RSAPrivateKey

    @property
    def jwks_url(self) -> str:
        return f"{self.base_url}/jwks.json"

    def settings(self, environment: Environment = Environment.PRODUCTION, **extra: Any) -> Settings:
        values: dict[str, Any] = {
            **live_values(environment),
            "oidc_issuer": ISSUER,
            "oidc_audience": AUDIENCE,
            "oidc_jwks_url": self.jwks_url,
        }
        values.update(extra)
        return Settings(**values)

    def token(
        self,
        key: rsa.RSAPrivateKey | None = None,
        kid: str = KID,
        ttl: timedelta = timedelta(minutes=5),
        **claims: Any,
    ) -> str:
        """An RS256 token from the issuer; claims override the defaults (None removes)."""
        now = datetime.now(UTC)
        body: dict[str, Any] = {
            "sub": "f3b9c2a0-tpp-1",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + ttl,
            "roles": ["tpp_member"],
            "upt": "LP-CIPINANG",
        }
        body.update(claims)
        body = {name: value for name, value in body.items() if value is not None}
        return jwt.encode(body, key or self.key, algorithm="RS256", headers={"kid": kid})


def _jwks(key: rsa.RSAPrivateKey) -> bytes:
    jwk = RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
    jwk.update(kid=KID, use="sig", alg="RS256")
    return json.dumps({"keys": [jwk]}).encode()


@pytest.fixture(scope="session")
def issuer() -> Iterator[Issuer]:
    key = new_key()
    document = _jwks(key)

    class JwksHandler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path not in ("/jwks.json", "/slow/jwks.json"):
                self.send_error(404)
                return
            if self.path.startswith("/slow/"):
                time.sleep(SLOW_SECONDS)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(document)))
            self.end_headers()
            self.wfile.write(document)

        def log_message(self, format: str, *args: Any) -> None:  # quiet test output
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), JwksHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    yield Issuer(f"http://{host!s}:{port}", key)
    server.shutdown()
    server.server_close()
    thread.join()
