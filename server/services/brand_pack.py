"""Import a brand pack folder (brands/<slug>/) into the database, idempotently.

A pack is brand.json, sites.geojson, plots.geojson, events/*.jsonld, evidence.json,
stories/<locale>.json and documents/. Importing the same pack twice changes nothing;
importing a changed pack replaces the brand's supply-chain data in one transaction,
bumps the brand's data revision (so its builds go stale) and, if the story text
changed, publishes it as a new story version.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import ijson
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from server.adapters.blobs import BlobStore, store_blob
from server.adapters.broker import broker
from server.adapters.db import refresh_statistics
from server.adapters.event_store import delete_brand_events
from server.adapters.models import (
    Batch,
    Brand,
    EvidenceRecord,
    Plot,
    Product,
    Site,
    StoryVersion,
)
from server.core.epcis.validation import validate_document
from server.core.errors import BrandPackError
from server.core.gs1.identifiers import IdentifierError, gtin14, location_id
from server.services import page_revisions
from server.services.capture import stage_capture

SUPPLY_FILES = ("sites.geojson", "plots.geojson", "evidence.json")
# brand.settings keys the studio writes (QR code options, the brand's own domain).
STUDIO_SETTINGS = ("qr", "public_base_url")
# Sites, plots and records are read one by one (ijson) and flushed and let go of in chunks
# of this many, so a 100,000-farm pack's import holds one chunk of rows, not the pack.
CHUNK = 2_000

# The tables a pack import fills in bulk, analysed afterwards on PostgreSQL.
SUPPLY_TABLES = ("sites", "plots", "epcis_events", "event_identifiers", "evidence_records")


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise BrandPackError(f"{path}: file is missing") from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BrandPackError(f"{path}: not valid UTF-8 JSON ({exc})") from exc


def _items(path: Path, prefix: str) -> Iterator[Any]:
    """Yield the items of the array at `prefix` of the JSON file at `path`, one at a time.

    Numbers come as json.loads gives them (int or float, not Decimal).
    """
    try:
        with path.open("rb") as stream:
            yield from ijson.items(stream, prefix, use_float=True)
    except FileNotFoundError as exc:
        raise BrandPackError(f"{path}: file is missing") from exc
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise BrandPackError(f"{path}: not valid UTF-8 JSON ({exc})") from exc


def _require_list(path: Path, key: str) -> None:
    """Raise unless the JSON file at `path` is an object whose `key` holds a list."""
    wrong = BrandPackError(f'{path}: must be a JSON object with a "{key}" list')
    try:
        with path.open("rb") as stream:
            for position, (prefix, event, _) in enumerate(ijson.parse(stream)):
                if position == 0 and event != "start_map":
                    raise wrong
                if prefix == key:
                    if event == "start_array":
                        return
                    raise wrong
    except FileNotFoundError as exc:
        raise BrandPackError(f"{path}: file is missing") from exc
    except (ijson.JSONError, UnicodeDecodeError) as exc:
        raise BrandPackError(f"{path}: not valid UTF-8 JSON ({exc})") from exc
    raise wrong


def _digest(paths: list[Path]) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.name.encode() + b"\0")
        with path.open("rb") as stream:  # in blocks: a big pack's files are not held whole
            while block := stream.read(1 << 20):
                sha.update(block)
        sha.update(b"\0")
    return sha.hexdigest()


class _Chunked:
    """Add rows to the session, flushing and letting go of them every `CHUNK` rows."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.pending: list[Any] = []

    def add(self, row: Any) -> None:
        self.session.add(row)
        self.pending.append(row)
        if len(self.pending) >= CHUNK:
            self.flush()

    def flush(self) -> None:
        self.session.flush()
        for row in self.pending:
            self.session.expunge(row)
        self.pending.clear()


def _date(value: Any, where: str) -> date | None:
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError as exc:
        raise BrandPackError(f"{where}: {value!r} is not an ISO date") from exc


def load_pack(session: Session, store: BlobStore, folder: Path) -> tuple[Brand, bool]:
    """Import the pack in `folder`; return the brand and whether anything changed."""
    folder = Path(folder)
    if not (folder / "brand.json").is_file():
        raise BrandPackError(f"{folder}: no brand.json, so not a brand pack")
    meta = _read_json(folder / "brand.json")
    for key in ("slug", "name", "products", "batches"):
        if key not in meta:
            raise BrandPackError(f"{folder / 'brand.json'}: `{key}` is required")
    event_files = sorted((folder / "events").glob("*.jsonld")) + sorted(
        (folder / "events").glob("*.json")
    )
    story_files = sorted((folder / "stories").glob("*.json"))
    supply_hash = _digest(
        [folder / "brand.json", *(folder / f for f in SUPPLY_FILES), *event_files]
    )
    stories = {p.stem: _read_json(p).get("chapters", {}) for p in story_files}
    brand = session.scalars(select(Brand).where(Brand.slug == meta["slug"])).first()
    changed = supply_replaced = False
    if brand is None:
        brand = Brand(slug=meta["slug"], name=meta["name"], data_revision=0)
        session.add(brand)
        session.flush()
    if brand.pack_hash != supply_hash:
        _replace_supply(session, store, brand, meta, folder, event_files)
        brand.pack_hash = supply_hash
        brand.data_revision += 1
        changed = supply_replaced = True
    if _store_story(session, brand, stories):
        changed = True
    session.commit()
    if supply_replaced:
        refresh_statistics(session, SUPPLY_TABLES)
    if changed:  # name, locales, theme or products may differ: every page of the brand
        page_revisions.brand_changed(broker.redis, brand.id)
    return brand, changed


def _replace_supply(
    session: Session,
    store: BlobStore,
    brand: Brand,
    meta: dict[str, Any],
    folder: Path,
    event_files: list[Path],
) -> None:
    brand.name = meta["name"]
    brand.default_locale = meta.get("default_locale", "en")
    brand.locales = list(meta.get("locales", [brand.default_locale]))
    before = brand.settings or {}
    settings: dict[str, Any] = {
        k: meta.get(k)
        for k in (
            "tagline",
            "theme",
            "materials",
            "parameters",
            "chapters",
            "public_base_url",
            "disclosure",
        )
        if k in meta
    }
    # What the studio set and the pack does not say survives a re-import: QR options, the
    # brand's domain, the disclosure policy (never loosened behind the brand's back) and the
    # uploaded logo and font.
    for key in (*STUDIO_SETTINGS, "disclosure"):
        if key not in settings and key in before:
            settings[key] = before[key]
    old_theme = before.get("theme")
    new_theme = settings.get("theme")
    if isinstance(old_theme, dict) and isinstance(new_theme, dict):
        kept = {k: old_theme[k] for k in ("logo", "font") if k in old_theme}
        settings["theme"] = {**kept, **new_theme}
    brand.settings = settings
    _upsert_products(session, brand, meta, folder)
    delete_brand_events(session, brand.id)
    for model in (Site, Plot, EvidenceRecord):
        session.execute(delete(model).where(model.brand_id == brand.id))
    _add_sites(session, brand, folder / "sites.geojson")
    _add_plots(session, brand, folder / "plots.geojson")
    # An event in two of the pack's files is stored once: the second capture finds it known.
    for path in event_files:
        _add_events(session, brand, store, path)
    _add_evidence(session, brand, store, folder)


def _upsert_products(session: Session, brand: Brand, meta: dict[str, Any], folder: Path) -> None:
    where = folder / "brand.json"
    products: dict[str, Product] = {}
    for item in meta["products"]:
        try:
            gtin = gtin14(str(item["gtin"]))
        except (KeyError, IdentifierError) as exc:
            raise BrandPackError(f"{where}: product {item.get('name')}: {exc}") from exc
        product = session.scalars(select(Product).where(Product.gtin == gtin)).first()
        if product is None:
            product = Product(gtin=gtin, brand_id=brand.id)
            session.add(product)
        elif product.brand_id != brand.id:
            raise BrandPackError(f"{where}: GTIN {gtin} already belongs to another brand")
        product.name = dict(item.get("name", {}))
        product.net_weight_g = item.get("net_weight_g")
        products[gtin] = product
    session.flush()
    for item in meta["batches"]:
        gtin = gtin14(str(item.get("gtin", "")))
        if gtin not in products:
            raise BrandPackError(f"{where}: batch {item.get('lot')} names unknown GTIN {gtin}")
        lot = str(item.get("lot") or "")
        if not lot or len(lot) > 20:
            raise BrandPackError(f"{where}: batch lot {lot!r} must be 1–20 characters")
        product = products[gtin]
        batch = session.scalars(
            select(Batch).where(Batch.product_id == product.id, Batch.lot == lot)
        ).first()
        if batch is None:
            batch = Batch(product_id=product.id, lot=lot)
            session.add(batch)
        batch.produced_on = _date(item.get("produced_on"), f"{where}: batch {lot}")
        batch.best_before = _date(item.get("best_before"), f"{where}: batch {lot}")
        batch.quantity_kg = item.get("quantity_kg")


def _features(where: Path) -> Iterator[dict[str, Any]]:
    """Yield the features of the GeoJSON FeatureCollection at `where`, one at a time."""
    kind = next(_items(where, "type"), None) if where.is_file() else None
    if kind != "FeatureCollection":
        next(_items(where, "item"), None)  # a missing or unreadable file says so first
        raise BrandPackError(f"{where}: must be a GeoJSON FeatureCollection")
    for feature in _items(where, "features.item"):
        yield feature if isinstance(feature, dict) else {}


def _add_sites(session: Session, brand: Brand, where: Path) -> None:
    rows = _Chunked(session)
    for i, feature in enumerate(_features(where)):
        props = feature.get("properties") or {}
        coords = (feature.get("geometry") or {}).get("coordinates") or [None, None]
        if "id" not in props or "kind" not in props:
            raise BrandPackError(f"{where}: feature {i} needs properties `id` and `kind`")
        gln = props.get("gln")
        try:
            loc = location_id(gln) if gln else None
        except IdentifierError as exc:
            raise BrandPackError(f"{where}: site {props['id']}: {exc}") from exc
        rows.add(
            Site(
                brand_id=brand.id,
                key=props["id"],
                gln=gln,
                location_id=loc,
                kind=props["kind"],
                name=props.get("name", props["id"]),
                country=props.get("country"),
                region=props.get("region"),
                parent_key=props.get("cooperative"),
                lon=coords[0],
                lat=coords[1],
                properties={k: v for k, v in props.items() if k not in ("id", "gln", "kind")},
            )
        )
    rows.flush()


def _add_plots(session: Session, brand: Brand, where: Path) -> None:
    rows = _Chunked(session)
    for i, feature in enumerate(_features(where)):
        props = feature.get("properties") or {}
        if "id" not in props or "farm" not in props:
            raise BrandPackError(f"{where}: feature {i} needs properties `id` and `farm`")
        rows.add(
            Plot(
                brand_id=brand.id,
                key=props["id"],
                site_key=props["farm"],
                geometry=feature.get("geometry") or {},
                declared_area_ha=props.get("declared_area_ha"),
                country=props.get("country"),
            )
        )
    rows.flush()


def _add_events(session: Session, brand: Brand, store: BlobStore, path: Path) -> None:
    """Capture the EPCIS document at `path` exactly as `POST /epcis/capture` would."""
    data = path.read_bytes()
    document = _read_json(path)
    issues = validate_document(document)
    if issues:
        listed = "; ".join(f"{i.path}: {i.message}" for i in issues[:5])
        raise BrandPackError(f"{path}: {len(issues)} problem(s) in the EPCIS document: {listed}")
    source = store_blob(session, store, data, "application/ld+json")
    events = document["epcisBody"]["eventList"]
    paths = [f"$.epcisBody.eventList[{i}]" for i in range(len(events))]
    stage_capture(
        session,
        brand.id,
        list(zip(paths, events, strict=True)),
        (source, len(data), "application/ld+json"),
        document.get("@context"),
    )


def _add_evidence(session: Session, brand: Brand, store: BlobStore, folder: Path) -> None:
    where = folder / "evidence.json"
    rows = _Chunked(session)
    _require_list(where, "records")
    for item in _items(where, "records.item"):
        subject = item.get("subject") or {}
        if not {"id", "kind"} <= item.keys() or not {"type", "id"} <= subject.keys():
            raise BrandPackError(f"{where}: record {item.get('id')} needs id, kind and subject")
        document_sha = None
        if item.get("document"):
            doc_path = (folder / item["document"]).resolve()
            if folder.resolve() not in doc_path.parents or not doc_path.is_file():
                raise BrandPackError(f"{where}: record {item['id']}: no file {item['document']}")
            media = "application/json" if doc_path.suffix == ".json" else "application/pdf"
            document_sha = store_blob(session, store, doc_path.read_bytes(), media)
        canonical = json.dumps(item, sort_keys=True, separators=(",", ":")).encode()
        rows.add(
            EvidenceRecord(
                brand_id=brand.id,
                key=item["id"],
                kind=item["kind"],
                subject_type=subject["type"],
                subject_key=subject["id"],
                issuer=item.get("issuer"),
                issued_on=_date(item.get("issued_on"), f"{where}: {item['id']}"),
                valid_until=_date(item.get("valid_until"), f"{where}: {item['id']}"),
                payload=item.get("payload") or {},
                document_sha256=document_sha,
                record_sha256=hashlib.sha256(canonical).hexdigest(),
            )
        )
    rows.flush()


def _store_story(session: Session, brand: Brand, stories: dict[str, Any]) -> bool:
    latest = session.scalars(
        select(StoryVersion)
        .where(StoryVersion.brand_id == brand.id)
        .order_by(StoryVersion.version.desc())
        .limit(1)
    ).first()
    from server.services.builds import published_story

    current = published_story(session, brand.id)
    if current is not None and current.chapters == stories:
        return False
    session.add(
        StoryVersion(
            brand_id=brand.id,
            version=(latest.version + 1) if latest else 1,
            chapters=stories,
            published=True,
        )
    )
    return True
