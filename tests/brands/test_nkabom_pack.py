"""Check the invariants of the Nkabom demo brand pack (brands/nkabom)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from collections import defaultdict
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pyproj import Geod
from shapely.geometry import Point, Polygon, shape

from server.core.gs1.identifiers import canonical_id, gtin_of, has_valid_check_digit

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "brands" / "nkabom"
CONFORMANCE = REPO.parent / "shared" / "conformance" / "epcis"
GEOD = Geod(ellps="WGS84")
LOCALES = ("en", "de", "fr", "nl")
GREENWASH = re.compile(
    r"sustainab|eco-friendly|environmentally friendly|deforestation[- ]free|climate[- ]neutral|"
    r"nachhaltig|umweltfreundlich|entwaldungsfrei|klimaneutral|durable|écologique|"
    r"zéro déforestation|duurzaam|milieuvriendelijk|ontbossingsvrij|klimaatneutraal",
    re.IGNORECASE,
)
REGION_BOXES = {"Ashanti": (6.4, 7.2, -2.2, -1.2), "Western North": (6.0, 6.6, -2.9, -2.3)}


def load(rel: str) -> Any:
    return json.loads((PACK / rel).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def brand() -> dict[str, Any]:
    return load("brand.json")  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def sites() -> list[dict[str, Any]]:
    return load("sites.geojson")["features"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def plots() -> list[dict[str, Any]]:
    return load("plots.geojson")["features"]  # type: ignore[no-any-return]


@pytest.fixture(scope="module")
def documents() -> dict[str, dict[str, Any]]:
    return {
        p.name: json.loads(p.read_text(encoding="utf-8"))
        for p in sorted(PACK.glob("events/*.jsonld"))
    }


@pytest.fixture(scope="module")
def events(documents: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for doc in documents.values() for e in doc["epcisBody"]["eventList"]]


@pytest.fixture(scope="module")
def evidence() -> list[dict[str, Any]]:
    return load("evidence.json")["records"]  # type: ignore[no-any-return]


def quantities(event: dict[str, Any], key: str) -> list[tuple[str, float]]:
    return [(canonical_id(q["epcClass"]), float(q["quantity"])) for q in event.get(key, [])]


def producers(events: list[dict[str, Any]]) -> dict[str, tuple[dict[str, Any], float]]:
    """Map each lot class to the event creating it and the amount created."""
    out: dict[str, tuple[dict[str, Any], float]] = {}
    for e in events:
        created = quantities(e, "outputQuantityList")
        if e["type"] == "ObjectEvent" and e["action"] == "ADD":
            created = quantities(e, "quantityList")
        for cls, qty in created:
            assert cls not in out, f"lot {cls} is created twice"
            out[cls] = (e, qty)
    return out


def test_gtins_have_valid_check_digits(brand: dict[str, Any]) -> None:
    gtins = [m["gtin"] for m in brand["materials"]] + [p["gtin"] for p in brand["products"]]
    gtins += [b["gtin"] for b in brand["batches"]]
    for gtin in gtins:
        assert len(gtin) == 14 and gtin.startswith("09520123"), gtin
        assert has_valid_check_digit(gtin), gtin
    assert len(brand["products"]) == 2


def test_sites_have_valid_glns_matching_their_sgln(sites: list[dict[str, Any]]) -> None:
    ids = [s["properties"]["id"] for s in sites]
    assert len(ids) == len(set(ids))
    for s in sites:
        p = s["properties"]
        assert (
            len(p["gln"]) == 13
            and p["gln"].startswith("9520123")
            and has_valid_check_digit(p["gln"])
        )
        assert canonical_id(p["sgln"]) == f"https://id.gs1.org/414/{p['gln']}"
    kinds = {s["properties"]["kind"] for s in sites}
    assert kinds == {"farm", "cooperative", "fermentary", "warehouse", "port", "factory"}


def test_farms_are_in_their_region_with_pseudonymous_farmers(sites: list[dict[str, Any]]) -> None:
    farms = [s for s in sites if s["properties"]["kind"] == "farm"]
    assert 35 <= len(farms) <= 45
    for f in farms:
        lon, lat = f["geometry"]["coordinates"]
        south, north, west, east = REGION_BOXES[f["properties"]["region"]]
        assert south <= lat <= north and west <= lon <= east, f["properties"]["id"]
        assert re.fullmatch(r"GH-(AS|WN)-\d{4}", f["properties"]["farmer"])


def _coordinates(geometry: dict[str, Any]) -> list[float]:
    if geometry["type"] == "Point":
        return list(geometry["coordinates"])
    return [c for ring in geometry["coordinates"] for pt in ring for c in pt]


def test_coordinates_have_six_decimals(
    sites: list[dict[str, Any]], plots: list[dict[str, Any]]
) -> None:
    for feature in sites + plots:
        for c in _coordinates(feature["geometry"]):
            assert len(repr(c).split(".")[1]) == 6, (feature["properties"]["id"], c)


def test_plots_over_4_ha_are_valid_ccw_polygons(plots: list[dict[str, Any]]) -> None:
    for p in plots:
        area = p["properties"]["declared_area_ha"]
        assert 0.5 <= area <= 6.0
        if area > 4.0:
            assert p["geometry"]["type"] == "Polygon", p["properties"]["id"]
        if p["geometry"]["type"] == "Polygon":
            ring = p["geometry"]["coordinates"][0]
            assert ring[0] == ring[-1] and len(p["geometry"]["coordinates"]) == 1
            poly = Polygon(ring)
            assert poly.is_valid and poly.exterior.is_ccw, p["properties"]["id"]


def test_declared_area_matches_geodesic_area(plots: list[dict[str, Any]]) -> None:
    for p in plots:
        if p["geometry"]["type"] != "Polygon":
            continue
        lons, lats = zip(*p["geometry"]["coordinates"][0], strict=True)
        area_ha = abs(GEOD.polygon_area_perimeter(lons, lats)[0]) / 10_000
        declared = p["properties"]["declared_area_ha"]
        assert abs(area_ha - declared) / declared <= 0.05, (
            p["properties"]["id"],
            area_ha,
            declared,
        )


def test_plots_do_not_overlap(plots: list[dict[str, Any]]) -> None:
    shapes = [(p["properties"]["farm"], shape(p["geometry"])) for p in plots]
    for (farm_a, a), (farm_b, b) in itertools.combinations(shapes, 2):
        if isinstance(a, Point) and isinstance(b, Point):
            assert not a.equals(b)
        else:
            assert a.intersection(b).area == 0.0 and not a.intersects(b), (farm_a, farm_b)


def test_epcis_documents_are_valid_against_the_official_schema(
    documents: dict[str, dict[str, Any]],
) -> None:
    if not (CONFORMANCE / "EPCIS-JSON-Schema.json").is_file():
        pytest.skip(f"EPCIS conformance material not found at {CONFORMANCE}")
    import jsonschema

    schema = json.loads((CONFORMANCE / "EPCIS-JSON-Schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    for name, doc in documents.items():
        errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(doc)]
        assert not errors, (name, errors[:3])


def test_events_have_unique_ids_and_consistent_time_zones(
    events: list[dict[str, Any]], sites: list[dict[str, Any]]
) -> None:
    ids = [e["eventID"] for e in events]
    assert len(ids) == len(set(ids)) and all(i.startswith("urn:uuid:") for i in ids)
    country = {canonical_id(s["properties"]["sgln"]): s["properties"]["country"] for s in sites}
    zones = {"GH": ZoneInfo("Africa/Accra"), "NL": ZoneInfo("Europe/Amsterdam")}
    for e in events:
        when = datetime.fromisoformat(e["eventTime"])
        assert e["eventTime"].endswith(e["eventTimeZoneOffset"])
        where = canonical_id(e["readPoint"]["id"])
        assert when.utcoffset() == when.astimezone(zones[country[where]]).utcoffset(), e["eventID"]


def test_every_event_location_is_a_known_site(
    events: list[dict[str, Any]], sites: list[dict[str, Any]]
) -> None:
    known = {canonical_id(s["properties"]["sgln"]) for s in sites}
    for e in events:
        places = [e.get("readPoint", {}).get("id"), e.get("bizLocation", {}).get("id")]
        places += [s["source"] for s in e.get("sourceList", [])]
        places += [d["destination"] for d in e.get("destinationList", [])]
        for place in filter(None, places):
            assert canonical_id(place) in known, (e["eventID"], place)


def test_every_event_class_is_a_declared_material(
    events: list[dict[str, Any]], brand: dict[str, Any]
) -> None:
    materials = {m["gtin"] for m in brand["materials"]}
    for e in events:
        for key in ("quantityList", "inputQuantityList", "outputQuantityList"):
            for cls, _qty in quantities(e, key):
                assert gtin_of(cls) in materials, cls


def test_lots_are_not_overdrawn_and_conversions_are_plausible(
    events: list[dict[str, Any]], brand: dict[str, Any]
) -> None:
    made = producers(events)
    drawn: dict[str, float] = defaultdict(float)
    ratios = {
        (r["from"], r["to"]): (r["min"], r["max"]) for r in brand["parameters"]["conversion_ratios"]
    }
    for e in events:
        if e["type"] != "TransformationEvent":
            continue
        inputs, outputs = quantities(e, "inputQuantityList"), quantities(e, "outputQuantityList")
        for cls, qty in inputs:
            drawn[cls] += qty
        for out_cls, out_qty in outputs:
            for in_gtin in {gtin_of(c) for c, _ in inputs}:
                bounds = ratios.get((in_gtin, gtin_of(out_cls)))
                if bounds:
                    total = sum(q for c, q in inputs if gtin_of(c) == in_gtin)
                    assert bounds[0] <= out_qty / total <= bounds[1], (e["eventID"], out_cls)
        if len(outputs) == 1 and gtin_of(outputs[0][0]) in {p["gtin"] for p in brand["products"]}:
            assert abs(sum(q for _, q in inputs) - outputs[0][1]) < 0.5
    for cls, qty in drawn.items():
        if cls in made:
            assert qty <= made[cls][1] + 0.05, cls


def test_batches_match_their_last_factory_event(
    events: list[dict[str, Any]], brand: dict[str, Any]
) -> None:
    made = producers(events)
    assert len(brand["batches"]) == 3
    for b in brand["batches"]:
        event, qty = made[f"https://id.gs1.org/01/{b['gtin']}/10/{b['lot']}"]
        assert qty == b["quantity_kg"]
        assert datetime.fromisoformat(event["eventTime"]).date().isoformat() == b["produced_on"]
        assert b["best_before"] > b["produced_on"]


def _dry_by_farm(
    events: list[dict[str, Any]], brand: dict[str, Any], sites: list[dict[str, Any]]
) -> dict[str, float]:
    factor = {m["gtin"]: m["yield_basis_factor"] for m in brand["materials"]}
    farm_of = {canonical_id(s["properties"]["sgln"]): s["properties"]["id"] for s in sites}
    dry: dict[str, float] = defaultdict(float)
    for e in events:
        if e.get("bizStep") == "https://ns.originxr.org/bizstep/harvesting":
            farm = farm_of[canonical_id(e["bizLocation"]["id"])]
            dry[farm] += sum(q * factor[gtin_of(c)] for c, q in quantities(e, "quantityList"))
    return dry


def test_farm_deliveries_against_plot_estimates(
    events: list[dict[str, Any]],
    brand: dict[str, Any],
    sites: list[dict[str, Any]],
    plots: list[dict[str, Any]],
) -> None:
    expected = brand["parameters"]["expected_yield_kg_per_ha"]["GH"]["value"]
    area: dict[str, float] = defaultdict(float)
    for p in plots:
        area[p["properties"]["farm"]] += p["properties"]["declared_area_ha"]
    shares = {f: kg / (area[f] * expected) for f, kg in _dry_by_farm(events, brand, sites).items()}
    assert 1.75 <= shares.pop("farm-17") <= 1.85
    assert area["farm-17"] == 2.5
    assert all(0.5 <= s <= 0.95 for s in shares.values()), shares


def test_exactly_one_plot_lacks_a_deforestation_assessment(
    plots: list[dict[str, Any]], evidence: list[dict[str, Any]]
) -> None:
    assessed = {r["subject"]["id"] for r in evidence if r["kind"] == "deforestation_assessment"}
    for r in evidence:
        if r["kind"] == "deforestation_assessment":
            assert r["payload"]["cutoff"] == "2020-12-31" and r["payload"]["source"]
    assert {p["properties"]["id"] for p in plots} - assessed == {"plot-21b"}


def _known_share(
    cls: str, made: dict[str, tuple[dict[str, Any], float]], tracked: set[str]
) -> float:
    if cls not in made:
        return 0.0
    event, _qty = made[cls]
    if event["type"] == "ObjectEvent":
        return 1.0 if "originxr:plots" in event.get("ilmd", {}) else 0.0
    inputs = [(c, q) for c, q in quantities(event, "inputQuantityList") if gtin_of(c) in tracked]
    return sum(q * _known_share(c, made, tracked) for c, q in inputs) / sum(q for _, q in inputs)


def test_known_origin_share_is_full_except_for_the_second_batch(
    events: list[dict[str, Any]], brand: dict[str, Any]
) -> None:
    made = producers(events)
    tracked = {m["gtin"] for m in brand["materials"] if m["tracked"]}
    shares = [
        _known_share(f"https://id.gs1.org/01/{b['gtin']}/10/{b['lot']}", made, tracked)
        for b in brand["batches"]
    ]
    assert shares[0] == pytest.approx(1.0) and shares[2] == pytest.approx(1.0)
    assert 0.75 <= shares[1] <= 0.9


def test_evidence_records_point_at_known_subjects_and_documents(
    evidence: list[dict[str, Any]], sites: list[dict[str, Any]], plots: list[dict[str, Any]]
) -> None:
    known = {s["properties"]["id"] for s in sites} | {p["properties"]["id"] for p in plots}
    ids = [r["id"] for r in evidence]
    assert len(ids) == len(set(ids))
    for r in evidence:
        assert r["subject"]["id"] in known, r["id"]
        assert r["document"] is None or (PACK / r["document"]).is_file(), r["id"]
        if r["kind"] == "farmgate_payment":
            assert 48.0 <= r["payload"]["amount"] / r["payload"]["quantity_kg"] <= 52.0, r["id"]
    farms = {s["properties"]["id"] for s in sites if s["properties"]["kind"] == "farm"}
    assert farms == {r["subject"]["id"] for r in evidence if r["kind"] == "clmrs_visit"}
    assert {r["kind"] for r in evidence} == {
        "deforestation_assessment",
        "clmrs_visit",
        "farmgate_payment",
        "audit",
        "certificate",
    }


def test_harvests_fall_in_the_2024_25_main_crop(events: list[dict[str, Any]]) -> None:
    for e in events:
        if e.get("bizStep") == "https://ns.originxr.org/bizstep/harvesting":
            assert (
                date(2024, 9, 11)
                <= datetime.fromisoformat(e["eventTime"]).date()
                <= date(2025, 3, 31)
            )


def test_every_chapter_has_text_in_every_locale(brand: dict[str, Any]) -> None:
    assert tuple(brand["locales"]) == LOCALES
    for locale in LOCALES:
        chapters = load(f"stories/{locale}.json")["chapters"]
        assert brand["tagline"][locale]
        for chapter in brand["chapters"]:
            text = chapters[chapter["key"]]
            assert text["title"].strip() and text["body"].strip(), (locale, chapter["key"])
            assert 2 <= len(re.findall(r"[.!?](\s|$)", text["body"])) <= 4, (locale, chapter["key"])
            assert not GREENWASH.search(text["title"] + " " + text["body"]), (
                locale,
                chapter["key"],
            )


def test_parameters_name_their_sources(brand: dict[str, Any]) -> None:
    params = brand["parameters"]
    for key in (
        "expected_yield_kg_per_ha",
        "regional_max_yield_kg_per_ha",
        "living_income_reference_price",
    ):
        entries = params[key]["GH"]
        for entry in entries if isinstance(entries, list) else [entries]:
            assert entry["source"]
    assert all(r["source"] and r["on"] for r in params["exchange_rates"])


def test_generator_reproduces_the_pack_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-B", str(PACK / "generate.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )

    def data_files(root: Path) -> set[str]:
        return {
            str(p.relative_to(root))
            for p in root.rglob("*")
            if p.is_file()
            and p.suffix != ".py"
            and not any(part.startswith((".", "__")) for part in p.relative_to(root).parts)
        }

    committed = data_files(PACK)
    assert data_files(tmp_path) == committed
    for rel in committed:
        assert (tmp_path / rel).read_bytes() == (PACK / rel).read_bytes(), rel
    assert sum((PACK / rel).stat().st_size for rel in committed) < 1_000_000
