"""`originxr verify` and `originxr witness`: check a batch, or cosign a log, from outside.

Neither needs the server's database or keys: they read what anyone can fetch.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from server.core.verification.sources import BundleSource, Recorder, SourceError, write_bundle
from server.core.verification.verifier import VerificationFailure, verify_batch
from server.services.verify_http import HttpSource, last_head, read_state, remember, write_state
from server.services.witness import witness

DEFAULT_STATE = Path.home() / ".originxr" / "verify-state.json"


@click.command("verify")
@click.argument("uri", required=False)
@click.option(
    "--bundle",
    "bundle_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify this exported bundle offline instead of fetching URI.",
)
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=DEFAULT_STATE,
    show_default=True,
    help="Where the tree head seen last time is kept.",
)
@click.option(
    "--save-bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write what was fetched as a bundle to this file.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_command(
    uri: str | None,
    bundle_path: Path | None,
    state_path: Path,
    save_bundle: Path | None,
    as_json: bool,
) -> None:
    """Check the batch at Digital Link URI end to end; exit 1 naming the first failure."""
    try:
        if bundle_path is not None:
            bundled = BundleSource(bundle_path.read_bytes())
            source: BundleSource | Recorder = bundled
            uri = uri or bundled.uri
        elif uri is None:
            raise click.UsageError("give the batch's Digital Link URI, or --bundle FILE")
        else:
            source = Recorder(HttpSource())
        state = read_state(state_path)
        origin_guess = "/".join(uri.split("/", 3)[:3])
        result = verify_batch(uri, source, last_head(state, origin_guess))
    except (VerificationFailure, SourceError, ValueError) as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "uri": uri, "failure": str(exc)}))
        else:
            click.echo(f"NOT VERIFIED: {exc}", err=True)
        raise click.exceptions.Exit(1) from exc
    if result.tree is not None:
        remember(state, result.origin, result.tree)
        write_state(state_path, state)
    if save_bundle is not None and isinstance(source, Recorder):
        save_bundle.write_bytes(write_bundle(uri, source.answers, source.refused))
    if as_json:
        click.echo(json.dumps(result.as_json()))
        return
    click.echo(f"VERIFIED {uri}")
    for line in result.checked:
        click.echo(f"  ✓ {line}")


@click.command("witness")
@click.argument("url")
@click.option(
    "--state",
    "state_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path.home() / ".originxr" / "witness-state.json",
    show_default=True,
    help="Where the last cosigned tree heads are kept.",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path.home() / ".originxr" / "witness-key.pem",
    show_default=True,
    help="The witness's own Ed25519 key (made on first use).",
)
def witness_command(url: str, state_path: Path, key_path: Path) -> None:
    """Fetch the log's tree head at URL, check it extends the last one, cosign it."""
    try:
        done = witness(url, HttpSource(), state_path, key_path)
    except (VerificationFailure, SourceError, ValueError) as exc:
        click.echo(f"NOT COSIGNED: {exc}", err=True)
        raise click.exceptions.Exit(1) from exc
    click.echo(
        f"cosigned the tree of {done.head.size} leaves (root {done.head.root.hex()[:16]}…, "
        f"extends the {done.previous_size} seen before) with witness key "
        f"{done.cosignature['kid']}"
    )
