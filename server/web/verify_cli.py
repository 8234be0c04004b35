"""`originxr verify` and `originxr witness`: check a batch, or cosign a log, from outside.

Neither needs the server's database or keys: they read what anyone can fetch.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from server.core.signing import KeyEntry
from server.core.transparency.cosignatures import witness_key
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
@click.option(
    "--witness-key",
    "witness_keys",
    multiple=True,
    help="A witness you trust: its raw Ed25519 public key (base64url, as `originxr witness` "
    "prints it). Repeat for several.",
)
@click.option(
    "--min-witnesses",
    type=click.IntRange(min=0),
    default=None,
    help="How many of the --witness-key witnesses must have cosigned the tree head "
    "[default: 1 when --witness-key is given].",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def verify_command(
    uri: str | None,
    bundle_path: Path | None,
    state_path: Path,
    save_bundle: Path | None,
    witness_keys: tuple[str, ...],
    min_witnesses: int | None,
    as_json: bool,
) -> None:
    """Check the batch at Digital Link URI end to end; exit 1 naming the first failure."""
    try:
        witnesses = _witnesses(witness_keys)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--witness-key") from exc
    required = min_witnesses if min_witnesses is not None else (1 if witnesses else 0)
    if required > len(witnesses):
        raise click.BadParameter(
            f"{required} witnesses required, but only {len(witnesses)} named with --witness-key",
            param_hint="--min-witnesses",
        )
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
        result = verify_batch(uri, source, last_head(state, origin_guess), witnesses, required)
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


def _witnesses(keys: tuple[str, ...]) -> list[KeyEntry]:
    """Return the witness keys named on the command line, each once."""
    found: dict[str, KeyEntry] = {}
    for key in keys:
        entry = witness_key(key)
        found.setdefault(entry.kid, entry)
    return list(found.values())


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
@click.option(
    "--no-post", is_flag=True, help="Keep the cosignature here only; do not post it to the log."
)
def witness_command(url: str, state_path: Path, key_path: Path, no_post: bool) -> None:
    """Fetch the log's tree head at URL, check it extends the last one, cosign it, post it.

    Exit 1 when the head is not cosigned (it does not extend the last one seen, or its
    signature fails); 2 when it is cosigned but the log did not keep the cosignature.
    """
    http = HttpSource()
    try:
        done = witness(url, http, state_path, key_path, None if no_post else http.post_json)
    except (VerificationFailure, SourceError, ValueError) as exc:
        click.echo(f"NOT COSIGNED: {exc}", err=True)
        raise click.exceptions.Exit(1) from exc
    click.echo(
        f"cosigned the tree of {done.head.size} leaves (root {done.head.root.hex()[:16]}…, "
        f"extends the {done.previous_size} seen before) with witness key "
        f"{done.cosignature['kid']} (public key {done.witness.public_key})"
    )
    if done.posted is None:
        return
    status, detail = done.posted
    if done.kept_by_log:
        click.echo(f"the log keeps the cosignature and serves it with the tree head ({status})")
        return
    click.echo(f"NOT KEPT by the log (HTTP {status}): {detail}", err=True)
    raise click.exceptions.Exit(2)
