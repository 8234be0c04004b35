"""A deterministic synthetic cocoa supply chain: a brand pack of master data plus EPCIS 2.0 events.

Farms harvest wet beans (ObjectEvent ADD naming the plot), the cooperative receives them
(ObjectEvent OBSERVE), ferments ten wet lots into one (TransformationEvent), dries five
fermented lots into one and ships it (TransformationEvent, ObjectEvent at the port); the
factory makes liquor from a batch's dried lots and the batch's bars from liquor and sugar.

Every farm feeds exactly one batch. Batch 0 is fed by ``big_batch_farms`` farms (the
"10,000-farm batch" of the figures), the others share the remaining farms evenly. Farms of
one batch lie next to each other on a grid, as a cooperative's members do. Each farm has a
polygon plot and a point plot, two deforestation assessments, a CLMRS visit and a payment.

Events are produced batch by batch as EPCISDocuments of ``per_document`` events, so memory
stays bounded by one batch's lots, whatever the chain's size. The same inputs give the same
bytes. Run it to write a pack and count events::

    .venv/bin/python -m bench.synthetic_chain OUT_DIR [--farms N] [--events N] [--batches N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

if __package__ in (None, ""):  # run as a file: make the repository root importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from server.core.evidence.inputs import BatchInputs, EvidenceRecord, Material, Plot, Site
from server.core.gs1.identifiers import gs1_check_digit, location_id, lot_class
from server.services.batch_inputs import plain_event
from server.services.capture import stored_columns

CONTEXT = "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"
SLUG = "synthetic"
# Steps CBV has no word for are named by a URI of our own, as the demo pack does.
OWN_STEP = "https://ns.originxr.org/bizstep/"
COMPANY = "9520123"
# Item references (indicator digit first) of the materials and the product.
WET, FERMENTED, DRIED, LIQUOR, SUGAR, BAR = (
    "000001",
    "000002",
    "000003",
    "000005",
    "000007",
    "090001",
)
WET_PER_FERMENTED = 10
FERMENTED_PER_DRIED = 5
HARVEST_KG = 40.0
START = datetime(2024, 10, 1, tzinfo=UTC)
PRODUCED_ON = date(2025, 6, 30)
# Farms of a batch fill grid rows of this many farms.
ROW = 100


def gtin(item: str) -> str:
    """Return the GTIN-14 of one of the chain's item references."""
    body = item[0] + COMPANY + item[1:]
    return body + gs1_check_digit(body)


def _lgtin(item: str, lot: str) -> str:
    return f"urn:epc:class:lgtin:{COMPANY}.{item}.{lot}"


def _gln(ref: int) -> str:
    body = f"952012{ref:06d}"
    return body + gs1_check_digit(body)


def _sgln(ref: int) -> str:
    return f"urn:epc:id:sgln:952012.{ref:06d}.0"


# Location references: farms from 1; cooperatives, port and factory after the farms' range.
COOP_BASE = 900_000
PORT_REF, FACTORY_REF = 999_001, 999_002


@dataclass(frozen=True)
class ChainSize:
    """How big the chain is; `harvests` is derived so that the events come near `events`."""

    farms: int = 5_000
    events: int = 50_000
    batches: int = 50
    big_batch_farms: int = 1_000

    def __post_init__(self) -> None:
        if self.farms < 1 or self.batches < 1 or self.events < 1:
            raise ValueError("farms, events and batches must be positive")
        if not 1 <= self.big_batch_farms <= self.farms:
            raise ValueError("big_batch_farms must be between 1 and farms")
        if self.batches > 1 and self.farms - self.big_batch_farms < self.batches - 1:
            raise ValueError("too few farms left for the other batches")
        if self.farms >= COOP_BASE or self.batches > PORT_REF - COOP_BASE - 1:
            raise ValueError("at most 899,999 farms and 99,000 batches")

    @property
    def harvests(self) -> int:
        """Return the chain's harvest count: two events each, plus the processing events."""
        per_harvest = 2 + (1 + 2 / FERMENTED_PER_DRIED) / WET_PER_FERMENTED
        return max(self.farms, round((self.events - 2 * self.batches) / per_harvest))

    def harvests_of(self, farm: int) -> int:
        """Return how many harvests farm number `farm` (0-based) delivers."""
        base, extra = divmod(self.harvests, self.farms)
        return base + (1 if farm < extra else 0)

    def farm_ranges(self) -> list[range]:
        """Return the farm numbers feeding each batch, batch 0 being the big one."""
        if self.batches == 1:
            return [range(self.farms)]
        ranges = [range(self.big_batch_farms)]
        rest, others = self.farms - self.big_batch_farms, self.batches - 1
        start = self.big_batch_farms
        for b in range(others):
            count = rest // others + (1 if b < rest % others else 0)
            ranges.append(range(start, start + count))
            start += count
        return ranges


def farm_key(farm: int) -> str:
    """Return the site key of farm number `farm`."""
    return f"farm-{farm:06d}"


def batch_lot(batch: int) -> str:
    """Return the lot of batch number `batch`."""
    return f"SB{batch:05d}"


def _farm_corner(farm: int) -> tuple[float, float]:
    return -2.9 + (farm % ROW) * 0.003, 5.6 + (farm // ROW) * 0.002


# -- master data ------------------------------------------------------------------------------


def brand_meta(size: ChainSize) -> dict[str, Any]:
    """Return brand.json: materials, the product, its batches and the check parameters."""
    names = {
        WET: ("Wet cocoa beans", True, 0.4),
        FERMENTED: ("Fermented cocoa beans", True, 0.41),
        DRIED: ("Dried cocoa beans", True, 1.0),
        LIQUOR: ("Cocoa liquor", True, 1.25),
        SUGAR: ("Sugar", False, 1.0),
        BAR: ("Synthetic bar", False, 1.0),
    }
    return {
        "slug": SLUG,
        "name": "Synthetic Chain",
        "default_locale": "en",
        "locales": ["en"],
        "materials": [
            {"gtin": gtin(item), "name": {"en": name}, "tracked": tracked, "yield_basis_factor": f}
            for item, (name, tracked, f) in names.items()
        ],
        "products": [{"gtin": gtin(BAR), "name": {"en": "Synthetic bar"}, "net_weight_g": 100}],
        "batches": [
            {
                "gtin": gtin(BAR),
                "lot": batch_lot(b),
                "produced_on": PRODUCED_ON.isoformat(),
                "quantity_kg": None,
            }
            for b in range(size.batches)
        ],
        "parameters": {
            "expected_yield_kg_per_ha": {"GH": {"value": 450, "source": "bench"}},
            "regional_max_yield_kg_per_ha": {"GH": {"value": 1333, "source": "bench"}},
            "living_income_reference_price": {
                "GH": {
                    "value": 2.68,
                    "currency": "USD",
                    "valid_from": "2025-01-01",
                    "source": "bench",
                }
            },
            "exchange_rates": [{"from": "GHS", "to": "USD", "rate": 0.068, "on": "2025-01-15"}],
        },
    }


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [round(lon, 6), round(lat, 6)]}


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": properties}


def sites_of(size: ChainSize) -> Iterator[dict[str, Any]]:
    """Yield the sites as GeoJSON features: farms, one cooperative per batch, port, factory."""
    for b, farms in enumerate(size.farm_ranges()):
        lon, lat = _farm_corner(farms[0])
        coop = f"coop-{b:05d}"
        yield _feature(
            _point(lon - 0.05, lat),
            {"id": coop, "gln": _gln(COOP_BASE + b), "kind": "cooperative", "name": coop}
            | {"country": "GH"},
        )
        for f in farms:
            lon, lat = _farm_corner(f)
            yield _feature(
                _point(lon, lat),
                {
                    "id": farm_key(f),
                    "gln": _gln(f + 1),
                    "kind": "farm",
                    "name": farm_key(f),
                    "country": "GH",
                    "cooperative": coop,
                },
            )
    yield _feature(
        _point(-1.75, 4.93),
        {"id": "port", "gln": _gln(PORT_REF), "kind": "port", "name": "Port", "country": "GH"},
    )
    yield _feature(
        _point(4.4, 51.22),
        {"id": "factory", "gln": _gln(FACTORY_REF), "kind": "factory", "name": "Factory"}
        | {"country": "BE"},
    )


def plots_of(size: ChainSize) -> Iterator[dict[str, Any]]:
    """Yield two plots per farm: a mapped polygon (about 2 ha) and a point (1.5 ha)."""
    for f in range(size.farms):
        yield from _farm_plots(f)


def _farm_plots(f: int) -> Iterator[dict[str, Any]]:
    side = 0.0013
    lon, lat = _farm_corner(f)
    ring = [(lon, lat), (lon + side, lat), (lon + side, lat + side), (lon, lat + side)]
    closed = [[round(x + 1e-6, 6), round(y + 1e-6, 6)] for x, y in [*ring, ring[0]]]
    props = {"farm": farm_key(f), "country": "GH"}
    yield _feature(
        {"type": "Polygon", "coordinates": [closed]},
        {"id": f"plot-{f:06d}a", "declared_area_ha": 2.0} | props,
    )
    yield _feature(
        {"type": "Point", "coordinates": [round(lon + 0.002001, 6), round(lat + 0.0005, 6)]},
        {"id": f"plot-{f:06d}b", "declared_area_ha": 1.5} | props,
    )


def evidence(size: ChainSize) -> Iterator[dict[str, Any]]:
    """Yield per farm: a deforestation assessment per plot, a CLMRS visit and a payment."""
    for f in range(size.farms):
        yield from _farm_evidence(size, f)


def _farm_evidence(size: ChainSize, f: int) -> Iterator[dict[str, Any]]:
    farm = farm_key(f)
    for p in ("a", "b"):
        yield {
            "id": f"ev-defor-{f:06d}{p}",
            "kind": "deforestation_assessment",
            "subject": {"type": "plot", "id": f"plot-{f:06d}{p}"},
            "issuer": "desk",
            "issued_on": "2024-08-01",
            "payload": {"status": "no_deforestation", "cutoff": "2020-12-31"},
        }
    yield {
        "id": f"ev-clmrs-{f:06d}",
        "kind": "clmrs_visit",
        "subject": {"type": "site", "id": farm},
        "issuer": "coop",
        "issued_on": "2024-06-01",
        "payload": {
            "site": farm,
            "visit_on": "2024-06-01",
            "children_identified": f % 7 == 0,
            "follow_up_visits": 2,
        },
    }
    yield {
        "id": f"ev-pay-{f:06d}",
        "kind": "farmgate_payment",
        "subject": {"type": "site", "id": farm},
        "issuer": "coop",
        "issued_on": "2025-02-10",
        "payload": {
            "site": farm,
            "paid_on": "2025-02-10",
            "quantity_kg": HARVEST_KG * size.harvests_of(f),
            "amount": 40.0 * HARVEST_KG * size.harvests_of(f),
            "currency": "GHS",
        },
    }


def _write_collection(path: Path, features: Iterator[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as out:
        out.write('{"type": "FeatureCollection", "features": [\n')
        for i, feature in enumerate(features):
            out.write(("," if i else "") + json.dumps(feature, separators=(",", ":")) + "\n")
        out.write("]}\n")


def write_pack(folder: Path, size: ChainSize) -> Path:
    """Write the chain's brand pack (master data, products, batches; no events) to `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "events").mkdir(exist_ok=True)
    (folder / "brand.json").write_text(json.dumps(brand_meta(size), indent=1))
    _write_collection(folder / "sites.geojson", sites_of(size))
    _write_collection(folder / "plots.geojson", plots_of(size))
    with (folder / "evidence.json").open("w", encoding="utf-8") as out:
        out.write('{"records": [\n')
        for i, record in enumerate(evidence(size)):
            out.write(("," if i else "") + json.dumps(record, separators=(",", ":")) + "\n")
        out.write("]}\n")
    return folder


# -- events -----------------------------------------------------------------------------------


def _time(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%S.000Z")


class _Events:
    """Numbers events and shapes them as EPCIS 2.0 JSON."""

    def __init__(self) -> None:
        self.count = 0

    def _base(self, kind: str, when: datetime, step: str, location: str) -> dict[str, Any]:
        self.count += 1
        return {
            "type": kind,
            "eventTime": _time(when),
            "eventTimeZoneOffset": "+00:00",
            "eventID": f"urn:uuid:{uuid.UUID(int=(0x5EED << 96) | self.count)}",
            "bizStep": step,
            "readPoint": {"id": location},
            "bizLocation": {"id": location},
        }

    def observe(
        self, when: datetime, step: str, location: str, lot: str, kg: float, action: str
    ) -> dict[str, Any]:
        event = self._base("ObjectEvent", when, step, location)
        event["action"] = action
        event["quantityList"] = [{"epcClass": lot, "quantity": kg, "uom": "KGM"}]
        return event

    def transform(
        self,
        when: datetime,
        step: str,
        location: str,
        inputs: list[tuple[str, float]],
        outputs: list[tuple[str, float]],
    ) -> dict[str, Any]:
        event = self._base("TransformationEvent", when, step, location)
        event["inputQuantityList"] = [
            {"epcClass": c, "quantity": round(kg, 3), "uom": "KGM"} for c, kg in inputs
        ]
        event["outputQuantityList"] = [
            {"epcClass": c, "quantity": round(kg, 3), "uom": "KGM"} for c, kg in outputs
        ]
        return event


def _batch_events(
    size: ChainSize, b: int, farms: range, shape: _Events
) -> Iterator[dict[str, Any]]:
    coop = _sgln(COOP_BASE + b)
    wet: list[tuple[datetime, str]] = []
    for f in farms:
        farm = _sgln(f + 1)
        for h in range(size.harvests_of(f)):
            lot = _lgtin(WET, f"W{f:06d}-{h:02d}")
            when = START + timedelta(days=(h * 9 + f % 7) % 150, hours=f % 24)
            harvest = shape.observe(when, OWN_STEP + "harvesting", farm, lot, HARVEST_KG, "ADD")
            harvest["ilmd"] = {"originxr:plots": [f"plot-{f:06d}a"]}
            yield harvest
            yield shape.observe(
                when + timedelta(hours=5), "receiving", coop, lot, HARVEST_KG, "OBSERVE"
            )
            wet.append((when, lot))
    wet.sort()
    fermented: list[tuple[datetime, str, float]] = []
    for j in range(0, len(wet), WET_PER_FERMENTED):
        group = wet[j : j + WET_PER_FERMENTED]
        when = group[-1][0] + timedelta(days=1)
        lot, kg = _lgtin(FERMENTED, f"F{b:05d}-{j // WET_PER_FERMENTED:05d}"), 36.0 * len(group)
        yield shape.transform(
            when, "https://ns.originxr.org/bizstep/fermenting", coop,
            [(c, HARVEST_KG) for _, c in group], [(lot, kg)],
        )  # fmt: skip
        fermented.append((when, lot, kg))
    dried: list[tuple[str, float]] = []
    for j in range(0, len(fermented), FERMENTED_PER_DRIED):
        group = fermented[j : j + FERMENTED_PER_DRIED]
        when = group[-1][0] + timedelta(days=7)
        lot = _lgtin(DRIED, f"D{b:05d}-{j // FERMENTED_PER_DRIED:04d}")
        kg = round(sum(m for _, _, m in group) * 0.4, 3)
        yield shape.transform(
            when, "https://ns.originxr.org/bizstep/drying", coop,
            [(c, m) for _, c, m in group], [(lot, kg)],
        )  # fmt: skip
        yield shape.observe(
            when + timedelta(days=3), "departing", _sgln(PORT_REF), lot, kg, "OBSERVE"
        )
        dried.append((lot, kg))
    total = sum(kg for _, kg in dried)
    factory, end = _sgln(FACTORY_REF), START + timedelta(days=200)
    liquor, bar = _lgtin(LIQUOR, f"L{b:05d}"), _lgtin(BAR, batch_lot(b))
    yield shape.transform(end, OWN_STEP + "transforming", factory, dried, [(liquor, total * 0.8)])
    yield shape.transform(
        end + timedelta(days=1), OWN_STEP + "transforming", factory,
        [(liquor, total * 0.8), (_lgtin(SUGAR, "S1"), total * 0.5)], [(bar, total * 1.3)],
    )  # fmt: skip


def events(size: ChainSize) -> Iterator[dict[str, Any]]:
    """Yield every event of the chain, batch by batch."""
    shape = _Events()
    for b, farms in enumerate(size.farm_ranges()):
        yield from _batch_events(size, b, farms, shape)


def document(event_list: list[dict[str, Any]]) -> dict[str, Any]:
    """Return an EPCISDocument holding `event_list`."""
    return {
        "@context": [CONTEXT, {"originxr": "https://ns.originxr.org/epcis/"}],
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": "2025-07-01T00:00:00Z",
        "epcisBody": {"eventList": event_list},
    }


def documents(size: ChainSize, per_document: int = 1000) -> Iterator[dict[str, Any]]:
    """Yield the chain's events as EPCISDocuments of up to `per_document` events each."""
    chunk: list[dict[str, Any]] = []
    for event in events(size):
        chunk.append(event)
        if len(chunk) == per_document:
            yield document(chunk)
            chunk = []
    if chunk:
        yield document(chunk)


# -- in memory --------------------------------------------------------------------------------


def _record_hash(record: dict[str, Any]) -> str:
    """Return the hash the brand pack loader gives a record without a document."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":")).encode()
    return hashlib.sha256(canonical).hexdigest()


def batch_inputs(size: ChainSize, batch: int = 0) -> BatchInputs:
    """Return batch `batch`'s evidence inputs built in memory, without a database.

    The same data the database path gives (`server.services.batch_inputs.load_batch_inputs` after a
    capture of `documents`): the batch's events read by the capture's own parser, its
    farms, cooperative, port and factory, their plots and records. For timing the trace and
    the checks alone (bench/bench_evidence.py).
    """
    farms = size.farm_ranges()[batch]
    meta = brand_meta(size)
    events = tuple(
        plain_event(SimpleNamespace(**stored_columns(raw)))
        for raw in _batch_events(size, batch, farms, _Events())
    )
    wanted = {farm_key(f) for f in farms} | {f"coop-{batch:05d}", "port", "factory"}
    sites = []
    for feature in sites_of(size):
        props = feature["properties"]
        if props["id"] in wanted:
            lon, lat = feature["geometry"]["coordinates"]
            sites.append(
                Site(
                    props["id"],
                    props["kind"],
                    props["name"],
                    location_id(props["gln"]),
                    props.get("country"),
                    lat,
                    lon,
                    parent=props.get("cooperative"),
                )
            )
    plots = tuple(
        Plot(
            p["properties"]["id"],
            p["properties"]["farm"],
            p["geometry"],
            p["properties"]["declared_area_ha"],
            p["properties"]["country"],
        )
        for f in farms
        for p in _farm_plots(f)
    )
    records = tuple(
        EvidenceRecord(
            r["id"],
            r["kind"],
            r["subject"]["type"],
            r["subject"]["id"],
            r["issuer"],
            date.fromisoformat(r["issued_on"]),
            None,
            r["payload"],
            _record_hash(r),
        )
        for f in farms
        for r in _farm_evidence(size, f)
    )
    return BatchInputs(
        lot_class(gtin(BAR), batch_lot(batch)),
        None,
        PRODUCED_ON,
        tuple(sorted(events, key=lambda e: e.time)),  # stable: capture order breaks ties
        tuple(sites),
        plots,
        tuple(
            Material(m["gtin"], m["name"]["en"], m["tracked"], m["yield_basis_factor"])
            for m in meta["materials"]
        ),
        records,
        meta["parameters"],
    )


def main(argv: list[str] | None = None) -> int:
    """Write the pack and an events file of the chain; print its counts."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    add_size_arguments(parser)
    args = parser.parse_args(argv)
    size = size_from(args)
    write_pack(args.folder, size)
    count = 0
    with (args.folder / "events.ndjson").open("w", encoding="utf-8") as out:
        for doc in documents(size):
            count += len(doc["epcisBody"]["eventList"])
            out.write(json.dumps(doc, separators=(",", ":")) + "\n")
    print(f"{size.farms} farms, {size.batches} batches, {size.harvests} harvests, {count} events")
    return 0


def add_size_arguments(parser: argparse.ArgumentParser, prefix: str = "") -> None:
    """Add --farms, --events, --batches and --big-batch-farms to `parser`."""
    default = ChainSize()
    parser.add_argument(f"--{prefix}farms", type=int, default=default.farms)
    parser.add_argument(f"--{prefix}events", type=int, default=default.events)
    parser.add_argument(f"--{prefix}batches", type=int, default=default.batches)
    parser.add_argument(
        f"--{prefix}big-batch-farms",
        type=int,
        default=None,
        help="farms feeding batch 0 (default: 10,000 or a fifth of the farms, the lesser)",
    )


def size_from(args: argparse.Namespace, prefix: str = "") -> ChainSize:
    """Return the chain size the arguments added by `add_size_arguments` ask for."""
    key = prefix.replace("-", "_")
    farms = getattr(args, f"{key}farms")
    big = getattr(args, f"{key}big_batch_farms") or min(10_000, max(1, farms // 5))
    return ChainSize(farms, getattr(args, f"{key}events"), getattr(args, f"{key}batches"), big)


if __name__ == "__main__":
    sys.exit(main())
