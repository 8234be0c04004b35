"""Time what the story editor and the batch page do with chapter text.

Run from the repository root::

    .venv/bin/python -m bench.bench_story_text [--repeat 200]

Prints the median milliseconds to render the demo brand's five chapters in one locale
(Markdown → sanitised HTML, as each batch page does), to strip them to plain text (as each
scene build does), and to run the claim check over all four locales. It asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.figures import median_ms
from server.core.evidence.claim_check import check_claims
from server.core.markdown_text import markdown_to_html, markdown_to_text

PACK = Path(__file__).resolve().parents[1] / "brands" / "nkabom"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    brand = json.loads((PACK / "brand.json").read_text())
    chapters = {
        loc: json.loads((PACK / "stories" / f"{loc}.json").read_text())["chapters"]
        for loc in brand["locales"]
    }
    german = [c["body"] for c in chapters["de"].values()]
    statuses = {b["lot"]: {"deforestation": "ok", "child_labour": "ok"} for b in brand["batches"]}
    figures = {
        "markdown → HTML, 5 chapters (ms)": median_ms(
            lambda: [markdown_to_html(t) for t in german], args.repeat
        ),
        "markdown → text, 5 chapters (ms)": median_ms(
            lambda: [markdown_to_text(t) for t in german], args.repeat
        ),
        "claim check, 4 locales × 5 chapters (ms)": median_ms(
            lambda: check_claims(chapters, brand["chapters"], statuses), args.repeat
        ),
    }
    for name, value in figures.items():
        print(f"{name:45s} {value:8.3f}")


if __name__ == "__main__":
    main()
