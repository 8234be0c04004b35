"""Run a bench's child process on this tree or on an earlier commit's export, side by side.

A bench compares the code now with a previous implementation in the same run: it exports
that commit with ``git archive`` (no worktree, no checkout) and runs the same child script
on each tree, with the tree first on PYTHONPATH; the child prints its figures as JSON on
its last line.
"""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def export(rev: str, folder: Path, *paths: str) -> Path:
    """Write `rev`'s files under `paths` (every tracked file without) into `folder`."""
    data = subprocess.run(
        ["git", "archive", "--format=tar", rev, *paths], cwd=ROOT, check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def child_figures(command: list[str], tree: Path, **env: str) -> dict[str, Any]:
    """Run `command` on the code in `tree`; return the figures it printed last.

    `env` adds to the child's environment.
    """
    out = subprocess.run(
        command,
        env=dict(os.environ, PYTHONPATH=str(tree), **env),
        cwd=tree,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    figures: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return figures
