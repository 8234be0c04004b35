"""Measure QR code generation: sizing, symbol, SVG and PNG per code, sizes, per EC level.

Run: ``.venv/bin/python bench/bench_qr.py [--repeat 50] [--save F] [--baseline F]``.
Pure computation (no database): a batch URI on a brand domain, quiet zone 4. It prints
figures and, with ``--baseline``, earlier figures side by side. It asserts nothing about time.
"""

from __future__ import annotations

import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import median_ms, run_repeat_bench

URI = "https://nkabom.example/01/09520123100025/10/NK25-0227"


def measure(repeat: int) -> dict[str, float]:
    """Return milliseconds per code and bytes per file for each error-correction level."""
    from server.core import qr_codes

    figures: dict[str, float] = {}
    for ec in ("L", "M", "Q", "H"):
        options = qr_codes.QrOptions(ec, 4)
        symbol = qr_codes.make_symbol(URI, options)
        figures[f"{ec}: modules"] = float(symbol.modules)
        figures[f"{ec}: min printed size (mm)"] = symbol.min_size_mm
        figures[f"{ec}: size figures only (ms)"] = median_ms(
            lambda o=options: qr_codes.sizing(URI, o), repeat
        )
        figures[f"{ec}: symbol (ms)"] = median_ms(
            lambda o=options: qr_codes.make_symbol(URI, o), repeat
        )
        figures[f"{ec}: SVG (ms)"] = median_ms(lambda s=symbol: qr_codes.render_svg(s), repeat)
        figures[f"{ec}: PNG 10 px/module (ms)"] = median_ms(
            lambda s=symbol: qr_codes.render_png(s), repeat
        )
        figures[f"{ec}: SVG (bytes)"] = float(len(qr_codes.render_svg(symbol)))
        figures[f"{ec}: PNG (bytes)"] = float(len(qr_codes.render_png(symbol)))
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    return run_repeat_bench(measure, __doc__ or "", argv)


if __name__ == "__main__":
    sys.exit(main())
