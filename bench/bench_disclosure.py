"""Time the disclosure redaction of a large evidence report, and the theme file checks.

Run from the repository root::

    .venv/bin/python -m bench.bench_disclosure [--farms 500] [--repeat 5]
        [--save FILE] [--baseline FILE]

It prints the seconds of building the evidence report of the synthetic batch of
`bench.bench_evidence` (for scale), then the median seconds of redacting that report under
the default and a strict policy, of snapping 100,000 points to 1 km cells, and of
sanitising an SVG logo of 2,000 paths. It asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import load_baseline, median_seconds, print_table, save
from bench.synthetic_chain import ChainSize, batch_inputs
from server.core.disclosure.policy import DEFAULT_POLICY, DisclosurePolicy, snap
from server.core.disclosure.redaction import SiteInfo, redact_report
from server.core.evidence.report import build_report
from server.core.theme_files import sanitise_svg

STRICT = DisclosurePolicy("grid_10km", ("factory",), (), False)


def _svg(paths: int) -> bytes:
    rng = random.Random(7)
    body = "".join(
        f'<path d="M{rng.random() * 100:.2f} {rng.random() * 100:.2f} l5 5 l-5 5z" '
        f'fill="#5b3a29" onclick="x()"/>'
        for _ in range(paths)
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 100 100">{body}</svg>'.encode()


def measure(farms: int, repeat: int) -> dict[str, float]:
    """Return median seconds per stage, and the sizes they worked on."""
    # batch 0 of the synthetic chain, as bench_evidence and bench_scale build it
    inputs = batch_inputs(ChainSize(farms, farms * 43, batches=1, big_batch_farms=farms))
    report = build_report(inputs)
    # Names unlike keys, as real farm names are, so the name scrub has work to do.
    sites = [
        SiteInfo(s.id, s.kind, f"{s.kind.title()} {s.id.upper()}, Nyinahin") for s in inputs.sites
    ]
    figures = {
        # For scale: what the evidence build spends before redaction.
        "build_report": median_seconds(lambda: build_report(inputs), 1),
        "report_bytes": float(len(json.dumps(report))),
        "sites": float(len(sites)),
        "redact.default": median_seconds(
            lambda: redact_report(report, DEFAULT_POLICY, sites, "0" * 64), repeat
        ),
        "redact.strict": median_seconds(
            lambda: redact_report(report, STRICT, sites, "0" * 64), repeat
        ),
    }
    rng = random.Random(1)
    points = [(rng.uniform(-60, 60), rng.uniform(-180, 180)) for _ in range(100_000)]
    figures["snap.100k_points"] = median_seconds(
        lambda: [snap(lat, lon, "grid_1km") for lat, lon in points], repeat
    )
    logo = _svg(2000)
    figures["svg_bytes"] = float(len(logo))
    figures["sanitise_svg.2000_paths"] = median_seconds(lambda: sanitise_svg(logo), repeat)
    return figures


def main(argv: list[str] | None = None) -> int:
    """Measure, print, and optionally save or compare figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--farms", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--save", type=Path, help="write the figures to this JSON file")
    parser.add_argument("--baseline", type=Path, help="JSON figures from an earlier --save")
    args = parser.parse_args(argv)
    figures = measure(args.farms, args.repeat)
    units = {
        name: "" if name in ("report_bytes", "sites", "svg_bytes") else "s" for name in figures
    }
    print_table(figures, load_baseline(args.baseline), units)
    save(args.save, figures, farms=args.farms, repeat=args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
