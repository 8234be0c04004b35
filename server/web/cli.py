"""The `originxr` command: run, worker, migrate, load-brand, urls, create-token, demo-snapshots."""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup

from server.web import create_app
from server.web.supervisor import STOP_SIGNALS, Child, Supervisor
from server.web.verify_cli import verify_command, witness_command


def _app(*_args: Any) -> Flask:
    return create_app()


# Stop signals `originxr run` received before it could act on them (see `main`).
_early_stops: list[int] = []


def _note_stop(signum: int, _frame: Any) -> None:
    _early_stops.append(signum)


@click.group(cls=FlaskGroup, create_app=_app, add_default_commands=False)
@click.pass_context
def main(ctx: click.Context) -> None:
    """originxr: provenance stories behind GS1 Digital Link QR codes."""
    if ctx.invoked_subcommand == "run":
        # The app, made before `run` starts, starts the embedded Redis (a daemon outside our
        # process group). A stop signal in that window would kill us and leave it running:
        # until `run` takes over, stop signals are only noted, and acted on then.
        for sig in STOP_SIGNALS:
            signal.signal(sig, _note_stop)


main.add_command(verify_command)
main.add_command(witness_command)


def _migrate(app: Flask) -> None:
    from server.adapters.blobs import blob_store
    from server.adapters.db import db
    from server.adapters.migrate import upgrade

    upgrade(db.engine_for(app), blobs=blob_store(app))


def _load(app: Flask, path: Path) -> tuple[str, bool]:
    """Import the pack at `path`; if anything changed, enqueue the brand's rebuilds."""
    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.services.brand_pack import load_pack
    from server.services.builds import enqueue_brand_builds

    with app.app_context():
        brand, changed = load_pack(db.session, blob_store(app), path)
        if changed:
            lease = int(app.config["BUILD_LEASE_SECONDS"])
            enqueue_brand_builds(db.session, broker.redis, brand, lease)
        return brand.slug, changed


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database schema up to date."""
    from flask import current_app

    _migrate(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo("database is up to date")


@main.command("load-brand")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def load_brand_command(path: Path) -> None:
    """Import (or update) the brand pack in PATH; importing it again changes nothing."""
    from flask import current_app

    from server.core.errors import BrandPackError

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _migrate(app)
    try:
        slug, changed = _load(app, path)
    except BrandPackError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"brand {slug}: {'updated' if changed else 'unchanged'}")


@main.command("urls")
@click.option("--brand", "brand_slug", default=None, help="Only this brand's batches.")
def urls_command(brand_slug: str | None) -> None:
    """Print every batch's Digital Link URI, one per line."""
    from flask import current_app

    from server.adapters.db import db
    from server.core.gs1.digital_link import batch_path
    from server.services.catalog import all_batches

    base = (current_app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:8000").rstrip("/")
    _migrate(current_app._get_current_object())  # type: ignore[attr-defined]
    for batch in all_batches(db.session, brand_slug):
        click.echo(base + batch_path(batch.product.gtin, batch.lot))


@main.command("create-token")
@click.option("--brand", "brand_slug", required=True, help="Slug of the brand the token acts for.")
@click.option("--name", default="integrator", show_default=True, help="Who the token is for.")
def create_token_command(brand_slug: str, name: str) -> None:
    """Create an API token for the brand and print it (only once: it is stored hashed)."""
    from flask import current_app

    from server.adapters.db import db
    from server.core.errors import NotFound
    from server.services.tokens import create_token

    _migrate(current_app._get_current_object())  # type: ignore[attr-defined]
    try:
        with db.transaction() as session:
            record, token = create_token(session, brand_slug, name)
    except NotFound as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"token {record.id} ({name}) for brand {brand_slug}; shown once, keep it safe:", err=True
    )
    click.echo(token)


def _invitation_link(user_email: str, brand_slug: str | None, role: str | None) -> str:
    from flask import current_app

    from server.adapters.db import db
    from server.services.accounts import AccountError, ensure_user, grant, invite
    from server.services.catalog import brand_by_slug

    _migrate(current_app._get_current_object())  # type: ignore[attr-defined]
    try:
        with db.transaction() as session:
            user = ensure_user(session, user_email, admin=brand_slug is None)
            if brand_slug is not None and role is not None:
                brand = brand_by_slug(session, brand_slug)
                if brand is None:
                    raise click.ClickException(
                        f"no brand {brand_slug!r}; `originxr urls` lists them"
                    )
                grant(session, user, brand, role)
            token = invite(session, user)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    base = (current_app.config["PUBLIC_BASE_URL"] or "http://127.0.0.1:8000").rstrip("/")
    return f"{base}/studio/invite/{token}"


@main.command("create-admin")
@click.argument("email")
def create_admin_command(email: str) -> None:
    """Make EMAIL a platform admin and print a one-time sign-in link (valid 7 days)."""
    link = _invitation_link(email, None, None)
    click.echo(f"platform admin {email}; one-time sign-in link:", err=True)
    click.echo(link)


@main.command("create-user")
@click.argument("email")
@click.option("--brand", "brand_slug", required=True, help="Slug of the brand.")
@click.option(
    "--role", type=click.Choice(["editor", "viewer"]), required=True, help="Role at the brand."
)
def create_user_command(email: str, brand_slug: str, role: str) -> None:
    """Give EMAIL a role at a brand and print a one-time sign-in link (valid 7 days)."""
    link = _invitation_link(email, brand_slug, role)
    click.echo(f"{role} of {brand_slug}: {email}; one-time sign-in link:", err=True)
    click.echo(link)


@main.command("demo-snapshots")
@click.option("--brand", "brand_slug", default=None, help="Brand slug; default DEFAULT_BRAND.")
def demo_snapshots_command(brand_slug: str | None) -> None:
    """Give the brand's first site of each kind a synthetic snapshot to tile."""
    from flask import current_app

    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.core.errors import InvalidSubmission, NotFound
    from server.services.demo_snapshots import add_demo_snapshots
    from server.services.snapshots import SnapshotLimits

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    _migrate(app)
    slug = brand_slug or app.config["DEFAULT_BRAND"]
    store, limits = blob_store(app), SnapshotLimits.from_config(app.config)
    try:
        results = add_demo_snapshots(db.session, store, broker.redis, slug, limits)
    except (NotFound, InvalidSubmission) as exc:
        raise click.ClickException(str(exc)) from exc
    for r in results:
        state = "enqueued for tiling" if r.created else "already there"
        click.echo(f"{r.site} ({r.kind}): snapshot {r.snapshot} {state}")


def _demo_snapshots(app: Flask, slug: str) -> None:
    """Give a freshly loaded demo brand its synthetic snapshots (tiled by the worker)."""
    from server.adapters.blobs import blob_store
    from server.adapters.broker import broker
    from server.adapters.db import db
    from server.services.demo_snapshots import add_demo_snapshots
    from server.services.snapshots import SnapshotLimits

    store, limits = blob_store(app), SnapshotLimits.from_config(app.config)
    results = add_demo_snapshots(db.session, store, broker.redis, slug, limits)
    click.echo(f"{len(results)} demo snapshots enqueued for tiling (the 3D tour shows them)")


@main.command("rotate-key")
def rotate_key_command() -> None:
    """Retire the signing key (it keeps verifying what it signed) and make a new one."""
    from flask import current_app

    from server.adapters.config import settings
    from server.adapters.keys import rotate_key

    old, new = rotate_key(settings(current_app))
    _log_key_change("rotate", old.kid, str(old.not_after), new_kid=new.kid)
    click.echo(f"key {old.kid} stopped signing at {old.not_after}; key {new.kid} signs from now")
    click.echo("give every machine the new SIGNING_KEY_PATH and SIGNING_KEYRING_PATH files")


@main.command("revoke-key")
@click.argument("kid")
def revoke_key_command(kid: str) -> None:
    """Revoke the earlier key KID: what it signs from now on no longer verifies."""
    from flask import current_app

    from server.adapters.config import settings
    from server.adapters.keys import KeyListError, revoke_key

    try:
        revoked = revoke_key(settings(current_app), kid)
    except KeyListError as exc:
        raise click.ClickException(str(exc)) from exc
    _log_key_change("revoke", revoked.kid, str(revoked.revoked_at))
    click.echo(f"key {revoked.kid} revoked at {revoked.revoked_at}")


def _log_key_change(action: str, kid: str, at: str, **extra: str) -> None:
    """Append the key change to the transparency log, where auditors see it."""
    from flask import current_app

    from server.adapters.db import db
    from server.services.transparency_log import log_key_change

    _migrate(current_app._get_current_object())  # type: ignore[attr-defined]
    leaf = log_key_change(db.session, action, kid, at, **extra)
    click.echo(f"logged as leaf {leaf.index} of the transparency log")


def _refresh_capture_trust(app: Flask, force: bool = False) -> Any:
    """Judge kept capture credentials under the app's trust list (`services.capture_trust`)."""
    from server.adapters.blobs import blob_store
    from server.adapters.db import db
    from server.services.capture_trust import refresh_capture_trust
    from server.services.snapshots import SnapshotLimits

    anchors = SnapshotLimits.from_config(app.config).trust_anchors
    return refresh_capture_trust(db.session, blob_store(app), anchors, force)


@main.command("refresh-capture-trust")
@click.option("--force", is_flag=True, help="Read every still again, even under the same list.")
def refresh_capture_trust_command(force: bool) -> None:
    """Judge kept capture credentials under today's C2PA_TRUST_ANCHORS_PATH; rebuild changes."""
    from flask import current_app

    done = _refresh_capture_trust(current_app._get_current_object(), force)  # type: ignore[attr-defined]
    for snapshot, (was, now) in sorted(done.changed.items()):
        click.echo(f"snapshot {snapshot}: {was} → {now}")
    click.echo(
        f"{done.read} capture credentials judged again, {len(done.changed)} changed; "
        f"rebuilds asked for {len(done.brands)} brands"
    )


@main.command("copy-blobs")
@click.option(
    "--from",
    "source_path",
    default=None,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Local blob folder to copy from; default BLOB_PATH.",
)
def copy_blobs_command(source_path: Path | None) -> None:
    """Upload every blob of a local store that the BLOB_STORE_URL bucket lacks.

    Each upload is read back and its sha256 checked; running it again copies nothing.
    """
    from flask import current_app

    from server.adapters.blobs import open_blob_store
    from server.adapters.blobs.transfer import copy_blobs

    config = current_app.config
    if not config["BLOB_STORE_URL"]:
        raise click.UsageError(
            "BLOB_STORE_URL is not set: set ORIGINXR_BLOB_STORE_URL=s3://bucket/prefix "
            "to name the bucket to copy into"
        )
    folder = str(source_path or config["BLOB_PATH"])
    # The source is the local backend at `folder`, whatever store the app itself uses.
    source = open_blob_store({"BLOB_PATH": folder, "BLOB_STORE_URL": ""})
    target = open_blob_store(config)
    counts = copy_blobs(source, target)
    for sha in counts.corrupt:
        click.echo(f"{sha}: its bytes do not hash to its name; not copied", err=True)
    click.echo(
        f"{counts.copied} copied, {counts.present} already in {config['BLOB_STORE_URL']}, "
        f"{len(counts.corrupt)} refused (from {folder})"
    )
    if counts.corrupt:
        raise click.exceptions.Exit(1)


@main.command("worker")
@click.option("--burst", is_flag=True, help="Exit when the queues are empty.")
def worker_command(burst: bool) -> None:
    """Run an RQ worker on the project's queues, jobs inside the app context."""
    from flask import current_app

    from server.adapters import metrics, queue
    from server.adapters.broker import broker
    from server.adapters.config import settings
    from server.adapters.db import db
    from server.services.capture_trust import needs_refresh, request_trust_refresh
    from server.services.recovery import recover_orphans
    from server.services.scan_recorder import enqueue_aggregation, pending_scans
    from server.services.snapshots import SnapshotLimits

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    recovered = recover_orphans(app)
    if recovered:
        click.echo(f"re-enqueued {recovered} orphaned build(s)")
    configured = settings(app)
    # A worker starts with the configuration of now: a trust list changed since the
    # credentials were judged reaches the signed manifests (and pages) without a command,
    # through one job (the stills are read there, not before this worker takes any job).
    anchors = SnapshotLimits.from_config(app.config).trust_anchors
    stale = needs_refresh(db.session, anchors)
    db.session.close()  # no transaction left open while this process works jobs
    if stale and request_trust_refresh(broker.redis, anchors, configured.build_lease_seconds):
        click.echo("capture credentials judged under another trust list: a refresh job is queued")
    if configured.worker_metrics_port:
        metrics.serve_worker_metrics(configured.worker_metrics_port)
    names = configured.queues
    if "default" in names and pending_scans(broker.redis):
        # scans recorded while no worker ran (their own job may have been lost with Redis)
        enqueue_aggregation(broker.redis)
    queue.run_worker(broker.redis, names, burst=burst)


def _free_port(host: str, port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex((host, port)) != 0


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--workers", "web_workers", default=2, show_default=True, type=int)
def run_command(host: str, port: int, web_workers: int) -> None:
    """Start web (gunicorn), one RQ worker and, if REDIS_URL is unset, an embedded Redis.

    Worker and web are restarted when they die; SIGTERM, SIGINT or SIGHUP stop them and the
    embedded Redis, and the command exits 0.
    """
    from flask import current_app

    from server.adapters.broker import stop_embedded

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    embedded = app.extensions["originxr.broker"]["embedded"]
    # Until the supervisor takes over, SIGTERM and SIGHUP interrupt the setup as Ctrl-C does,
    # so that the `finally` below still stops the embedded Redis (started with the app).
    for sig in STOP_SIGNALS:
        signal.signal(sig, signal.default_int_handler)
    try:
        if _early_stops:
            raise KeyboardInterrupt  # a stop signal came while the app was being made
        children = _prepare_run(app, host, port, web_workers)
        Supervisor(children, log=_run_log).run()
    except KeyboardInterrupt:
        _run_log("stopped before the server started")
    finally:
        # Ignored from here: a second Ctrl-C must not leave the Redis half stopped (its stop
        # is bounded by a timeout).
        for sig in STOP_SIGNALS:
            signal.signal(sig, signal.SIG_IGN)
        if embedded is not None:
            stop_embedded(embedded)
            _run_log("embedded Redis stopped")


def _run_log(message: str) -> None:
    click.echo(f"originxr run: {message}", err=True)


def _prepare_run(app: Flask, host: str, port: int, web_workers: int) -> list[Child]:
    """Migrate, load the demo brand on an empty database, print the banner; return children."""
    from server.adapters.db import db
    from server.core.gs1.digital_link import batch_path
    from server.core.terminal_qr import print_qr
    from server.services.catalog import all_batches

    if not _free_port(host, port):
        raise click.ClickException(f"port {port} on {host} is taken; choose another with --port")
    _migrate(app)
    if not all_batches(db.session):
        pack = Path(app.config["BRANDS_PATH"]) / app.config["DEFAULT_BRAND"]
        slug, _ = _load(app, pack)
        click.echo(f"loaded demo brand {slug}")
        _demo_snapshots(app, slug)
    env = dict(
        os.environ,
        REDIS_URL=app.config["REDIS_URL"],
        ORIGINXR_INSTANCE_PATH=app.config["INSTANCE_PATH"],
    )
    if not app.config.get("PUBLIC_BASE_URL"):
        env["ORIGINXR_PUBLIC_BASE_URL"] = f"http://{host}:{port}"
    bin_dir = Path(sys.executable).parent
    gunicorn = [
        str(bin_dir / "gunicorn"),
        "--worker-class",
        "gthread",
        "--threads",
        "8",
        "--workers",
        str(web_workers),
        # Below the supervisor's 20 s stop timeout, so that gunicorn ends its own requests.
        "--graceful-timeout",
        "15",
        "--bind",
        f"{host}:{port}",
        "--access-logfile",
        "-",
        "server.web:create_app()",
    ]
    batches = all_batches(db.session)
    base = env.get("ORIGINXR_PUBLIC_BASE_URL") or app.config["PUBLIC_BASE_URL"]
    click.echo(f"\noriginxr is running at http://{host}:{port}/")
    if batches:
        uri = base.rstrip("/") + batch_path(batches[0].product.gtin, batches[0].lot)
        click.echo(f"demo batch: {uri}\n")
        print_qr(uri)
    return [
        Child("worker", [str(bin_dir / "originxr"), "worker"], env),
        Child("web", gunicorn, env),
    ]
