"""The one settings object. Environment variables override; `.sinergi/` holds local state.

When DATABASE_URL or TEMPORAL_ADDRESS is set the embedded server for it is not started.
Every secret is a `SecretStr` (never printed with the settings; read it with
`.get_secret_value()`). One validation at load (`_refuse_unsafe_secrets`) refuses, outside
development and test, a development secret or missing payload keys, naming each setting to
fix: a process that would run with them does not start.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from temporalio.converter import DataConverter

from config.payload_encryption import DEV_KEY, DEV_KEY_ID, encrypting_converter, parse_key
from documents.settings import DocumentSettings
from domain.enrolment import TASK_QUEUE as ENROLMENT_TASK_QUEUE
from domain.permit import IMIGRASI_TASK_QUEUE, KEMNAKER_TASK_QUEUE
from domain.permit_policy import PermitPolicy
from domain.policy import EnrolmentPolicy, JourneyPolicy

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEV_JWT_SECRET = "sinergi-development-signing-key-change-me"  # refused outside development
DEV_SIMPONI_SECRET = "sinergi-development-simponi-secret"  # refused outside development
PLACEHOLDER = "CHANGE-ME"  # .env.example's values to replace; refused outside development
DEV_SESSION_SECRET = "sinergi-development-session-key-change-me"  # refused outside development


# How much longer than one signal a cohort row's lease must still run for a send to start.
COHORT_LEASE_MARGIN_SECONDS = 2.0


class Environment(StrEnum):
    DEVELOPMENT = "development"
    TEST = "test"
    STAGING = "staging"
    PRODUCTION = "production"


_LIVE = (Environment.STAGING, Environment.PRODUCTION)


class RegistryMode(StrEnum):
    SIMULATOR = "simulator"  # in-process simulator: the embedded default
    HTTP = "http"  # the real service (or our HTTP simulator) at the configured URL


class WorkflowSandbox(StrEnum):
    """How a worker runs workflow code (workers/workflow_runner.py)."""

    ON = "on"  # Temporal's sandbox: each run re-imports its workflow module, restricted
    OFF = "off"  # in the worker's interpreter: cheaper; determinism guarded by tests


class Settings(BaseSettings):
    # Nested values by double underscore, e.g. SINERGI_ENROLMENT_POLICY__REMEDIAL_DAYS=10.
    model_config = SettingsConfigDict(
        env_prefix="SINERGI_", env_nested_delimiter="__", extra="ignore"
    )

    environment: Environment = Environment.DEVELOPMENT
    state_dir: Path = PROJECT_ROOT / ".sinergi"

    # External services. None means: start the embedded one under state_dir.
    # A DSN may carry the database password: a secret.
    database_url: SecretStr | None = Field(default=None, validation_alias="DATABASE_URL")
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = "default"
    enrolment_task_queue: str = ENROLMENT_TASK_QUEUE

    # Embedded stack ports (127.0.0.1 only).
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    api_host: str = "127.0.0.1"
    api_port: int = 8000
    # `sinergi up`: the three workers export the SDK's metrics on this port and the next two.
    worker_metrics_port: int = 9464
    # Outages answer 503 in bounded time (api/outages.py): every Temporal call of the API has
    # this deadline (an update: the request's), and a request still running after
    # request_deadline_seconds is a 503.
    temporal_rpc_timeout_seconds: float = Field(default=15.0, gt=0, le=300)
    request_deadline_seconds: float = Field(default=40.0, gt=0, le=600)

    # Identity: development tokens are HS256 signed with this secret.
    jwt_secret: SecretStr = SecretStr(DEV_JWT_SECRET)
    jwt_issuer: str = "sinergi-dev"
    jwt_audience: str = "sinergi-api"
    # None: development tokens are accepted in development and test only. Production
    # refuses them outright; staging may opt in explicitly (e.g. while it has no IdP).
    dev_tokens_enabled: bool | None = None
    # Every token (development or OIDC) must expire within this many hours of being issued
    # (exp - iat; exp - now without iat): a token with no upper bound is refused.
    token_max_lifetime_hours: float = Field(default=12.0, gt=0, le=24 * 7)

    # Identity: production tokens come from an OIDC issuer, verified with its JWKS.
    # Tokens whose `iss` equals oidc_issuer are verified against oidc_jwks_url's keys.
    oidc_issuer: str | None = None
    oidc_audience: str | None = None
    oidc_jwks_url: str | None = None
    oidc_algorithms: list[str] = ["RS256"]  # asymmetric only: HS*/none are refused
    # Claim names as the identity provider spells them. The roles claim may be a list or a
    # space-separated string; a name with dots ("realm_access.roles") walks nested objects
    # when no top-level claim has that exact name.
    roles_claim: str = "roles"
    # Scope field -> claim name, e.g. SINERGI_SCOPE_CLAIMS='{"upt": "sinergi_upt"}'.
    scope_claims: dict[str, str] = {
        "upt": "upt",
        "lsp": "lsp",
        "bapas": "bapas",
        "ministry": "ministry",
        "employer_nib": "employer_nib",
    }

    # The workspace (web/): people sign in with the OIDC authorization-code flow (PKCE) as
    # this client of oidc_issuer; the ID token is verified like an API token, with the client
    # id as its audience. Unset client id: oidc_audience. Unset redirect URL: the server's
    # own /masuk/callback. Unset discovery URL: the issuer's /.well-known/openid-configuration.
    oidc_client_id: str | None = None
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_url: str | None = None
    oidc_discovery_url: str | None = None
    oidc_scopes: str = "openid profile email"  # name and e-mail for the directory of people
    # The signed session cookie (subject, roles, scope, language, CSRF token; no PII).
    session_secret: SecretStr = SecretStr(DEV_SESSION_SECRET)
    session_hours: float = Field(default=8.0, gt=0, le=24)
    # The cookie's Secure flag. None: set outside development and test (served over TLS).
    session_cookie_secure: bool | None = None
    # "Masuk sebagai": sign in as a seeded persona. None: in development and test only;
    # production refuses it outright.
    personas_enabled: bool | None = None
    # Dates and times on pages: this zone unless the unit has its own (WITA, WIT).
    display_time_zone: str = "Asia/Jakarta"

    # Working-day calendar. Collective leave ("cuti bersama") is decreed by the government
    # each year and changes mid-year; operators set it as a JSON list, e.g.
    # SINERGI_COLLECTIVE_LEAVE_DAYS='["2026-03-20","2026-03-23"]'. National holidays come
    # from the `holidays` package. Running workflows keep the due dates already computed.
    collective_leave_days: list[date] = []
    # Reviewer SLAs in working days are part of the enrolment policy (snapshotted into each
    # case): SINERGI_ENROLMENT_POLICY__SLA_WORKING_DAYS='{"placement_review": 5}'.

    # Registries.
    sdp_mode: RegistryMode = RegistryMode.SIMULATOR
    sdp_url: str = "http://127.0.0.1:8100"
    # The simulator also knows this many synthetic inmates, SYN-000000 onwards (all eligible
    # at LP-CIPINANG, see registries/sdp_seed.py): for cohort trials and the benchmarks.
    sdp_synthetic_inmates: int = Field(default=0, ge=0, le=1_000_000)
    bnsp_mode: RegistryMode = RegistryMode.SIMULATOR
    bnsp_url: str = "http://127.0.0.1:8100"
    registry_timeout_seconds: float = 10.0
    # How long a write waits for the state it creates to be readable (the case waiting on its
    # placement, a release's handovers, an active permit) before answering 202 with where to
    # poll (api/final_answers.py).
    answer_wait_seconds: float = Field(default=10.0, gt=0, le=60)

    enrolment_policy: EnrolmentPolicy = EnrolmentPolicy()
    # e.g. SINERGI_JOURNEY_POLICY__HANDOVER_ACK_DAYS=5; snapshotted into each new journey.
    journey_policy: JourneyPolicy = JourneyPolicy()

    log_json: bool | None = None  # None: JSON unless stdout is a terminal

    # The codec server (api/codec.py): the Temporal Web UI calls it from the browser, so its
    # origin must be allowed (CORS). The dev server's UI is on 127.0.0.1:8233 by default.
    codec_cors_origins: list[str] = ["http://127.0.0.1:8233", "http://localhost:8233"]
    # Development only (refused in staging and production): the dev server's Web UI has no
    # login, so it has no token to pass; with this on, a decode from one of the origins above
    # without a token is made as the operator "temporal-dev-ui" (and recorded as such).
    # In development anyone on the machine can mint an operator token with the public
    # development secret, so this gives nobody more than they had. `sinergi up` turns it on.
    codec_dev_ui_operator: bool = False

    # Metrics (api/metrics.py): GET /metrics answers an operator's token, or this scrape
    # token (Prometheus cannot sign in); unset: operators only.
    metrics_token: SecretStr | None = None
    # A worker exports the Temporal SDK's metrics in Prometheus format on this address
    # (host:port), e.g. 0.0.0.0:9464 in a container; unset: none.
    metrics_bind_address: str | None = None

    # The workers that run workflows (`workers.main`, `workers.kemnaker`) run them without
    # Temporal's sandbox by default: about 15 % less CPU on the workflow side than the
    # workers' sandboxed runner (issue 18, benchmarks/NOTES.md). What the sandbox checked
    # at run time, tests check instead: every recorded history replays under both runners,
    # tests/workflows run in the sandbox, and a static check refuses clock, randomness and
    # state kept between runs in workflow code (tests/workers/test_determinism_check.py).
    # `on` brings the sandbox back.
    workflow_sandbox: WorkflowSandbox = WorkflowSandbox.OFF
    # Workflows the enrolment worker keeps in memory between their workflow tasks (the
    # SDK's sticky cache; its default). One not in it replays its whole history on its next
    # task: fewer means less memory, more means fewer replays when many cases are busy at
    # once (a cohort loading). 0: none, every task replays.
    worker_cached_workflows: int = Field(default=1000, ge=0, le=1_000_000)

    # How often the audit trail's chain heads are anchored: the window in which cutting the
    # tail off a chain goes unnoticed.
    audit_anchor_interval_seconds: int = Field(default=300, ge=10)

    # Process B, TKA permits: each ministry's worker polls its own task queue.
    kemnaker_task_queue: str = KEMNAKER_TASK_QUEUE
    imigrasi_task_queue: str = IMIGRASI_TASK_QUEUE
    permit_policy: PermitPolicy = PermitPolicy()
    simponi_mode: RegistryMode = RegistryMode.SIMULATOR
    simponi_url: str = "http://127.0.0.1:8100"
    simkim_mode: RegistryMode = RegistryMode.SIMULATOR
    simkim_url: str = "http://127.0.0.1:8100"
    # SIMPONI signs its payment confirmations with this shared secret (HMAC-SHA256); a
    # confirmation older than the tolerance is refused as a possible replay. Unset: the
    # development secret in development and test; elsewhere the callback refuses every
    # confirmation (503) until it is set. Only the API reads it.
    simponi_callback_secret: SecretStr | None = None
    simponi_callback_tolerance_seconds: int = Field(default=300, ge=1)

    # Temporal payloads are encrypted (config/payload_encryption.py). Keys by name, each 32
    # bytes of base64: SINERGI_PAYLOAD_KEYS='{"2026-11": "<base64>"}' with
    # SINERGI_PAYLOAD_KEY_ID=2026-11 naming the one new payloads use. Keep an old key listed
    # for as long as histories encrypted with it may be read. Unset: the development key in
    # development and test; elsewhere start-up is refused.
    payload_key_id: str | None = None
    payload_keys: dict[str, SecretStr] = {}

    # After release: the public certificate check (no login). Its address as the public sees
    # it (the QR code on a handover package links to {public_base_url}/cek-sertifikat), and
    # how many look-ups one client address may make: a bucket of `burst`, refilled at
    # `per_minute`.
    public_base_url: str = "http://127.0.0.1:8000"
    public_check_per_minute: float = Field(default=10, gt=0)
    public_check_burst: int = Field(default=5, ge=1)

    # Notifications (workers/delivery.py): e-mail over SMTP and in-app. The embedded stack
    # runs a local mail sink on smtp_port that writes each message under state_dir/mail
    # (mail_sink None: in development only); point these at the ministry's relay elsewhere.
    # (public_base_url above: links in messages lead there too)
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=8025, ge=1, le=65535)
    smtp_starttls: bool = False
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_from: str = "Sinergi <notifikasi@sinergi.go.id>"
    smtp_timeout_seconds: float = Field(default=10.0, gt=0)
    mail_sink: bool | None = None
    # A failed e-mail is retried after base x 2^(attempt-1) seconds (capped); after
    # max_attempts, or at once on a permanent refusal (5xx), it is a dead letter.
    delivery_max_attempts: int = Field(default=5, ge=1)
    delivery_backoff_base_seconds: float = Field(default=30.0, gt=0)
    delivery_backoff_max_seconds: float = Field(default=3600.0, gt=0)
    # How long a worker holds the e-mails it took before another may take them (a worker
    # that died mid-batch): longer than one batch's sending takes.
    delivery_lease_seconds: float = Field(default=120.0, gt=0)
    delivery_batch_size: int = Field(default=20, ge=1, le=500)
    delivery_poll_seconds: float = Field(default=2.0, gt=0)
    # The cohort dispatcher (workers/cohort_dispatch.py, in the enrolment worker's process)
    # hands accepted cohort rows to their journeys: batches of `batch_size` leased for
    # `lease_seconds`, at most `concurrency` signals in flight, each given `signal_timeout`;
    # a failure is retried after base x 2^(attempt-1) seconds (capped), and after
    # `max_attempts` (about 25 minutes of Temporal away, with these) the row is refused
    # later with the reason. A pass runs when the API says rows are queued, and every
    # `sweep_seconds` whatever happens. At most `window` rows are with the journeys and not
    # yet applied by them (0: no bound): the rest wait in Postgres, not as a backlog of
    # workflow tasks that every other case's task would queue behind; while the window is
    # full a pass is tried again every `window_poll_seconds`.
    cohort_dispatch_batch_size: int = Field(default=100, ge=1, le=1000)
    cohort_dispatch_concurrency: int = Field(default=64, ge=1, le=512)
    cohort_dispatch_lease_seconds: float = Field(default=60.0, gt=0)
    cohort_dispatch_signal_timeout_seconds: float = Field(default=10.0, gt=0)
    cohort_dispatch_max_attempts: int = Field(default=12, ge=1)
    cohort_dispatch_backoff_base_seconds: float = Field(default=2.0, gt=0)
    cohort_dispatch_backoff_max_seconds: float = Field(default=300.0, gt=0)
    cohort_dispatch_sweep_seconds: float = Field(default=5.0, gt=0)
    cohort_dispatch_window: int = Field(default=50, ge=0, le=100_000)
    cohort_dispatch_window_poll_seconds: float = Field(default=0.5, gt=0)
    # The daily notices (digests of open tasks, permits expiring) run once a day at this
    # hour, Jakarta time (a Temporal Schedule the worker keeps up to date when it starts);
    # permits are announced this many days before they end.
    digest_hour_wib: int = Field(default=7, ge=0, le=23)
    permit_expiry_notice_days: int = Field(default=14, ge=1)
    # Where a notice goes when nobody active holds the addressed role in its scope.
    notify_fallback_addresses: dict[str, str] = {
        "kemnaker": "notifikasi@kemnaker.go.id",
        "kemenimipas": "notifikasi@kemenimipas.go.id",
        "imigrasi": "notifikasi@imigrasi.go.id",
    }

    @property
    def mail_sink_enabled(self) -> bool:
        if self.mail_sink is not None:
            return self.mail_sink
        return self.environment is Environment.DEVELOPMENT

    @property
    def mail_dir(self) -> Path:
        return self.state_dir / "mail"

    # TKA documents (documents/settings.py): SINERGI_DOCUMENTS__BACKEND, __MAX_BYTES, __KEYS...
    documents: DocumentSettings = DocumentSettings()

    @model_validator(mode="after")
    def _refuse_unsafe_secrets(self) -> Settings:
        """The one check of the secrets, at load: every problem at once, each naming what to
        set. Payload keys must be usable anywhere; outside development and test nothing may
        be a development default and the payload keys must be set."""
        problems: list[str] = []
        if self.payload_keys:
            if self.payload_key_id not in self.payload_keys:
                problems.append(
                    f"SINERGI_PAYLOAD_KEY_ID must name one of SINERGI_PAYLOAD_KEYS "
                    f"({sorted(self.payload_keys)}), got {self.payload_key_id!r}"
                )
            for key_id, key in self.payload_encryption_keys.items():
                try:
                    parse_key(key_id, key)
                except ValueError as error:
                    problems.append(str(error))
        if self.environment in _LIVE:
            live = f"refused for environment {self.environment.value}"
            if self.jwt_secret.get_secret_value() == DEV_JWT_SECRET:
                problems.append(f"SINERGI_JWT_SECRET is the development default ({live})")
            if self.session_secret.get_secret_value() == DEV_SESSION_SECRET:
                problems.append(f"SINERGI_SESSION_SECRET is the development default ({live})")
            simponi = self.simponi_callback_secret
            if simponi is not None and simponi.get_secret_value() == DEV_SIMPONI_SECRET:
                problems.append(
                    f"SINERGI_SIMPONI_CALLBACK_SECRET is the development default; set the "
                    f"secret shared with SIMPONI ({live})"
                )
            if self.codec_dev_ui_operator:
                problems.append(
                    "SINERGI_CODEC_DEV_UI_OPERATOR lets the codec decode without a token for "
                    f"the dev server's Web UI ({live}): sign the UI in and pass its token"
                )
            if not self.payload_keys:
                problems.append(
                    f"SINERGI_PAYLOAD_KEYS and SINERGI_PAYLOAD_KEY_ID must be set: Temporal "
                    f"payloads are encrypted ({live})"
                )
            elif DEV_KEY in self.payload_encryption_keys.values():
                problems.append(f"SINERGI_PAYLOAD_KEYS holds the development key ({live})")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def payload_encryption_keys(self) -> dict[str, str]:
        if not self.payload_keys:
            return {DEV_KEY_ID: DEV_KEY}
        return {key_id: key.get_secret_value() for key_id, key in self.payload_keys.items()}

    @property
    def data_converter(self) -> DataConverter:
        """The converter of every Temporal client and worker: pydantic, encrypted (with the
        development key only in development and test: `_refuse_unsafe_secrets`)."""
        key_id = self.payload_key_id if self.payload_keys else DEV_KEY_ID
        assert key_id is not None  # _refuse_unsafe_secrets
        return encrypting_converter(key_id, self.payload_encryption_keys)

    @property
    def simponi_secret(self) -> str | None:
        """The secret SIMPONI signs with; None outside development and test until set."""
        if self.simponi_callback_secret is not None:
            return self.simponi_callback_secret.get_secret_value()
        if self.environment in (Environment.DEVELOPMENT, Environment.TEST):
            return DEV_SIMPONI_SECRET
        return None

    @model_validator(mode="after")
    def _refuse_example_secrets(self) -> Settings:
        # .env.example marks every value to replace with CHANGE-ME: refuse one left as it is.
        if self.environment in _LIVE:
            for name, value in (
                ("SINERGI_JWT_SECRET", _secret(self.jwt_secret)),
                ("SINERGI_SIMPONI_CALLBACK_SECRET", _secret(self.simponi_callback_secret)),
                ("SINERGI_METRICS_TOKEN", _secret(self.metrics_token)),
                ("SINERGI_SESSION_SECRET", _secret(self.session_secret)),
                ("SINERGI_OIDC_CLIENT_SECRET", _secret(self.oidc_client_secret)),
                (
                    "SINERGI_DOCUMENTS__S3_SECRET_ACCESS_KEY",
                    _secret(self.documents.s3_secret_access_key),
                ),
            ):
                if value and PLACEHOLDER in value:
                    raise ValueError(
                        f"{name} is still the {PLACEHOLDER} placeholder of .env.example: set a "
                        f"long random secret (openssl rand -base64 32)"
                    )
        return self

    @property
    def session_signing_key(self) -> str:
        """The key the workspace signs its session cookie with (the development default is
        refused outside development and test as the settings load: `_refuse_unsafe_secrets`)."""
        return self.session_secret.get_secret_value()

    @property
    def session_cookie_is_secure(self) -> bool:
        if self.session_cookie_secure is not None:
            return self.session_cookie_secure
        return self.environment in _LIVE

    @property
    def personas_accepted(self) -> bool:
        """Whether the "Masuk sebagai" persona sign-in is offered (see personas_enabled)."""
        if self.personas_enabled is not None:
            return self.personas_enabled
        return self.environment in (Environment.DEVELOPMENT, Environment.TEST)

    @property
    def oidc_login_configured(self) -> bool:
        """Whether people can sign in through the OIDC issuer."""
        return self.oidc_issuer is not None and self.web_client_id is not None

    @property
    def web_client_id(self) -> str | None:
        return self.oidc_client_id or self.oidc_audience

    @field_validator("oidc_algorithms")
    @classmethod
    def _asymmetric_algorithms_only(cls, algorithms: list[str]) -> list[str]:
        # A shared-secret or unsigned algorithm would let anyone holding the public JWKS
        # forge tokens (algorithm confusion): refuse it at start-up.
        refused = [a for a in algorithms if a.upper().startswith("HS") or a.lower() == "none"]
        if refused or not algorithms:
            raise ValueError(f"SINERGI_OIDC_ALGORITHMS must be asymmetric, got {algorithms}")
        return algorithms

    @field_validator("scope_claims")
    @classmethod
    def _known_scope_fields(cls, claims: dict[str, str]) -> dict[str, str]:
        known = {"upt", "lsp", "bapas", "ministry", "employer_nib"}
        unknown = sorted(set(claims) - known)
        if unknown:
            raise ValueError(f"SINERGI_SCOPE_CLAIMS names unknown scope fields {unknown}")
        return claims

    @model_validator(mode="after")
    def _check_cohort_lease(self) -> Settings:
        # The dispatcher starts a send only while the row's lease outlasts it by a margin
        # (workers/cohort_dispatch.py): a shorter lease would never send anything.
        room = self.cohort_dispatch_signal_timeout_seconds + COHORT_LEASE_MARGIN_SECONDS
        if self.cohort_dispatch_lease_seconds <= room:
            raise ValueError(
                "SINERGI_COHORT_DISPATCH_LEASE_SECONDS must exceed "
                f"SINERGI_COHORT_DISPATCH_SIGNAL_TIMEOUT_SECONDS by more than "
                f"{COHORT_LEASE_MARGIN_SECONDS:g} s (a row is sent only while its lease "
                "outlasts one signal)"
            )
        return self

    @model_validator(mode="after")
    def _check_identity(self) -> Settings:
        if self.oidc_issuer is not None and (
            self.oidc_audience is None or self.oidc_jwks_url is None
        ):
            raise ValueError(
                "SINERGI_OIDC_ISSUER needs SINERGI_OIDC_AUDIENCE and SINERGI_OIDC_JWKS_URL"
            )
        if self.environment is Environment.PRODUCTION and self.dev_tokens_enabled:
            raise ValueError("SINERGI_DEV_TOKENS_ENABLED cannot be true in production")
        if self.environment is Environment.PRODUCTION and self.personas_enabled:
            raise ValueError("SINERGI_PERSONAS_ENABLED cannot be true in production")
        return self

    @property
    def dev_tokens_accepted(self) -> bool:
        """Whether HS256 development tokens are accepted (see dev_tokens_enabled)."""
        if self.dev_tokens_enabled is not None:
            return self.dev_tokens_enabled
        return self.environment in (Environment.DEVELOPMENT, Environment.TEST)

    @property
    def database_dsn(self) -> str | None:
        """DATABASE_URL as a string, for the one place that connects with it."""
        return self.database_url.get_secret_value() if self.database_url else None

    @property
    def embedded_postgres(self) -> bool:
        return self.database_url is None

    @property
    def embedded_temporal(self) -> bool:
        return self.temporal_address is None

    @property
    def effective_temporal_address(self) -> str:
        return self.temporal_address or f"127.0.0.1:{self.temporal_port}"


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


@lru_cache
def get_settings() -> Settings:
    return Settings()
