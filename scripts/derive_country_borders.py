"""Write the country borders the plot check reads, from world-atlas's Natural Earth TopoJSON.

Run from the repository root after ``npm install`` (only then is world-atlas there)::

    .venv/bin/python scripts/derive_country_borders.py

world-atlas 2 (ISC) packages Natural Earth's 1:10m Admin 0 countries (public domain) as
TopoJSON. The output keeps the topology as it is (quantised, delta-encoded, shared arcs:
the most compact form) and each country's ISO 3166-1 numeric id, drops the names, and is
gzipped: `server/core/evidence/data/countries-10m.topo.json.gz`, package data, so that the
Python runtime never needs ``node_modules``.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "node_modules" / "world-atlas" / "countries-10m.json"
TARGET = ROOT / "server" / "core" / "evidence" / "data" / "countries-10m.topo.json.gz"


def main() -> None:
    """Read the world-atlas file, keep what the check needs, write it gzipped."""
    topology = json.loads(SOURCE.read_text(encoding="utf-8"))
    countries = topology["objects"]["countries"]
    countries["geometries"] = [
        {"type": g["type"], "arcs": g["arcs"], "id": g["id"]}
        for g in countries["geometries"]
        if g.get("id") and g.get("type") in ("Polygon", "MultiPolygon")
    ]
    topology["objects"] = {"countries": countries}
    data = json.dumps(topology, separators=(",", ":")).encode()
    TARGET.write_bytes(gzip.compress(data, compresslevel=9, mtime=0))
    print(f"{len(countries['geometries'])} countries, {TARGET.stat().st_size} bytes: {TARGET}")


if __name__ == "__main__":
    main()
