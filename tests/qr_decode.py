"""Read QR codes back with real tools: zbarimg (Debian's zbar-tools) and rsvg-convert
(Debian's librsvg2-bin) to rasterise SVG. Tests that need one skip when it is missing."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

ZBARIMG = shutil.which("zbarimg")
RSVG_CONVERT = shutil.which("rsvg-convert")

needs_zbar = pytest.mark.skipif(
    ZBARIMG is None,
    reason="zbarimg not found: install Debian's zbar-tools (scripts/test does, as root)",
)
needs_rsvg = pytest.mark.skipif(
    RSVG_CONVERT is None,
    reason="rsvg-convert not found: install Debian's librsvg2-bin (scripts/test does, as root)",
)


def decode_png(png: bytes) -> list[str]:
    """Return the text of every QR code zbarimg finds in the PNG image (none: [])."""
    assert ZBARIMG is not None
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "code.png"
        path.write_bytes(png)
        done = subprocess.run(
            [ZBARIMG, "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", str(path)],
            capture_output=True,
            timeout=30,
        )
    if done.returncode == 4:  # zbarimg: no symbol found
        return []
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout.decode().splitlines()


def svg_to_png(svg: bytes, width_px: int = 600) -> bytes:
    """Rasterise an SVG with librsvg at `width_px` wide (its own background)."""
    assert RSVG_CONVERT is not None
    done = subprocess.run(
        [RSVG_CONVERT, "--width", str(width_px), "--keep-aspect-ratio", "--format", "png"],
        input=svg,
        capture_output=True,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr.decode(errors="replace")
    return done.stdout


def decode_svg(svg: bytes, width_px: int = 600) -> list[str]:
    """Return the text of every QR code in the SVG, read after rasterising it."""
    return decode_png(svg_to_png(svg, width_px))
