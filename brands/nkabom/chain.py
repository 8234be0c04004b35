"""Build the Nkabom pack's EPCIS 2.0 events: harvest to bar, one group of farms per batch.

Mass flows: wet beans (farm lots) -> fermented (x ~0.975) -> dried (x ~0.407) -> shipped ->
nibs (x ~0.80) -> liquor (x ~0.98) -> part pressed into butter (x 0.47) and cake (x 0.52) ->
liquor + butter + sugar (+ milk powder) -> bars. Batch 2 also takes bought-in cocoa butter
with no upstream events, so its known-origin share stays below 100 %.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from geography import FLAGGED_FARM, PREFIX, Farm, check_digit, gln, sgln

SEED = 20241007
EXPECTED_DRY_KG_PER_HA = 450.0
WET_TO_DRY = 0.40
EVENT_NS = uuid.UUID("6f1d8a52-4c1e-5b8e-9a57-0c2b3e7d9f10")
BIZSTEP = "https://ns.originxr.org/bizstep/"
CONTEXT = [
    "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
    {"originxr": "https://ns.originxr.org/epcis/"},
]
SEASON = "2024/25 main crop"

# material key -> 5-digit item reference
ITEMS = {
    "wet_beans": "00001",
    "fermented_beans": "00002",
    "dried_beans": "00003",
    "nibs": "00004",
    "liquor": "00005",
    "butter": "00006",
    "sugar": "00007",
    "milk_powder": "00008",
    "cake": "00009",
    "dark": "10001",
    "milk": "10002",
}
FERMENTARY, WAREHOUSE, PORT_TAKORADI, PORT_AMSTERDAM, FACTORY = (
    "00111",
    "00121",
    "00131",
    "00132",
    "00141",
)
COOP_REFS = {"coop-1": "00101", "coop-2": "00102"}

# (group letter, product, first harvest Monday, weeks of harvest, first farm, last farm)
GROUPS = (
    ("A", "dark", date(2024, 9, 30), 6, 1, 13),
    ("B", "milk", date(2024, 11, 4), 5, 14, 26),
    ("C", "dark", date(2024, 12, 16), 7, 27, 40),
)
# share of a group's liquor lot that goes into its bar batch (the rest stays in stock)
LIQUOR_USE = {"A": 1.0, "B": 0.62, "C": 1.0}
BOUGHT_IN_BUTTER_GROUP = "B"
BOUGHT_IN_BUTTER_SHARE = 0.30
PRESS_BUTTER, PRESS_CAKE = 0.47, 0.52
RECIPES = {  # share of the bar's mass
    "dark": {"liquor": 0.58, "butter": 0.12, "sugar": 0.30},
    "milk": {"liquor": 0.18, "butter": 0.24, "sugar": 0.35, "milk_powder": 0.23},
}


def gtin14(item: str) -> str:
    """Return the GTIN-14 (leading 0) of a 5-digit item reference under the brand prefix."""
    body = PREFIX + item
    return "0" + body + check_digit(body)


def lgtin(material: str, lot: str) -> str:
    """Return the EPC lgtin class URN of `lot` of `material`."""
    return f"urn:epc:class:lgtin:{PREFIX}.0{ITEMS[material]}.{lot}"


def _q(material: str, lot: str, kg: float) -> dict[str, Any]:
    return {"epcClass": lgtin(material, lot), "quantity": round(kg, 1), "uom": "KGM"}


def _nl_offset(d: date) -> int:
    return 2 if date(2025, 3, 30) <= d < date(2025, 10, 26) else 1


def _stamp(day: date, hour: int, minute: int, nl: bool = False) -> tuple[str, str]:
    hours = _nl_offset(day) if nl else 0
    tz = timezone(timedelta(hours=hours))
    t = datetime(day.year, day.month, day.day, hour, minute, tzinfo=tz)
    offset = f"+{hours:02d}:00"
    return t.isoformat(timespec="milliseconds"), offset


def _workday(day: date) -> date:
    """Move a Saturday or Sunday to the next Monday."""
    return day + timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)


def _month_end(day: date, months: int) -> date:
    """Return the last day of the month `months` after `day`'s month."""
    index = day.year * 12 + day.month - 1 + months + 1
    return date(index // 12, index % 12 + 1, 1) - timedelta(days=1)


@dataclass
class Delivery:
    """One farm's delivery of wet beans: harvested, bought by the cooperative."""

    farm: Farm
    day: date
    wet_kg: int
    lot: str
    po: str = ""


@dataclass
class Chain:
    """Everything the generator writes about the flow of goods."""

    documents: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    deliveries: list[Delivery] = field(default_factory=list)
    batches: list[dict[str, Any]] = field(default_factory=list)
    delivery_share: dict[str, float] = field(default_factory=dict)
    bought_in_lots: list[str] = field(default_factory=list)


def _event(
    kind: str, key: str, day: date, hour: int, minute: int, nl: bool = False, **body: Any
) -> dict[str, Any]:
    when, offset = _stamp(day, hour, minute, nl)
    event: dict[str, Any] = {
        "type": kind,
        "eventTime": when,
        "eventTimeZoneOffset": offset,
        "eventID": f"urn:uuid:{uuid.uuid5(EVENT_NS, f'{SEED}:{key}')}",
    }
    event.update(body)
    return event


def _at(ref: str) -> dict[str, Any]:
    return {"readPoint": {"id": sgln(ref)}, "bizLocation": {"id": sgln(ref)}}


def _deliveries(rng: random.Random, farms: list[Farm], chain: Chain) -> None:
    for letter, _product, start, weeks, first, last in GROUPS:
        for farm in farms[first - 1 : last]:
            share = 0.55 + 0.38 * rng.random() if farm.id != FLAGGED_FARM else 1.80
            chain.delivery_share[farm.id] = share
            wet_total = farm.area_ha * EXPECTED_DRY_KG_PER_HA * share / WET_TO_DRY
            n = max(2, min(4, round(wet_total / 1100)))
            weights = [0.7 + 0.6 * rng.random() for _ in range(n)]
            days = sorted(rng.sample(range(weeks * 7 - 1), n))
            for w, offset in zip(weights, days, strict=True):
                day = start + timedelta(days=offset)
                kg = round(wet_total * w / sum(weights))
                lot = f"W{farm.number:02d}-{day:%y%m%d}"
                chain.deliveries.append(Delivery(farm, day, kg, lot))
    seq = {"coop-1": 0, "coop-2": 0}
    for d in sorted(chain.deliveries, key=lambda d: (d.day, d.farm.number)):
        seq[d.farm.cooperative] += 1
        coop_gln = gln(COOP_REFS[d.farm.cooperative])
        d.po = f"urn:epcglobal:cbv:bt:{coop_gln}:PO{d.day:%y}-{seq[d.farm.cooperative]:04d}"


def _farm_events(rng: random.Random, chain: Chain) -> None:
    harvest, purchase = [], []
    for d in sorted(chain.deliveries, key=lambda d: (d.day, d.farm.number)):
        farm_ref = f"{d.farm.number:05d}"
        coop_ref = COOP_REFS[d.farm.cooperative]
        plots = [str(p["properties"]["id"]) for p in d.farm.plots]
        qty = [_q("wet_beans", d.lot, d.wet_kg)]
        harvest.append(
            _event(
                "ObjectEvent",
                f"harvest:{d.lot}",
                d.day,
                6 + int(rng.random() * 3),
                int(rng.random() * 60),
                action="ADD",
                bizStep=BIZSTEP + "harvesting",
                disposition="active",
                quantityList=qty,
                **_at(farm_ref),
                ilmd={
                    "cbvmda:countryOfOrigin": "GH",
                    "cbvmda:harvestStartDate": (d.day - timedelta(days=3)).isoformat(),
                    "cbvmda:harvestEndDate": d.day.isoformat(),
                    "originxr:season": SEASON,
                    "originxr:farm": d.farm.id,
                    "originxr:plots": plots,
                },
            )
        )
        purchase.append(
            _event(
                "ObjectEvent",
                f"purchase:{d.lot}",
                d.day,
                12 + int(rng.random() * 4),
                int(rng.random() * 60),
                action="OBSERVE",
                bizStep="receiving",
                disposition="in_progress",
                quantityList=qty,
                **_at(coop_ref),
                bizTransactionList=[{"type": "po", "bizTransaction": d.po}],
                sourceList=[{"type": "owning_party", "source": sgln(farm_ref)}],
                destinationList=[{"type": "owning_party", "destination": sgln(coop_ref)}],
            )
        )
    chain.documents["harvest"] = harvest
    chain.documents["purchase"] = purchase


def _batch_chain(rng: random.Random, chain: Chain, group: tuple[Any, ...], sugar_seq: int) -> None:
    letter, product, start, _weeks, first, last = group
    lots = [d for d in chain.deliveries if first <= d.farm.number <= last]
    runs: dict[int, list[Delivery]] = {}
    for d in lots:
        runs.setdefault((d.day - start).days // 7, []).append(d)
    dried: list[tuple[str, float, date]] = []
    ferm_events, dry_events = (
        chain.documents.setdefault("fermentation", []),
        chain.documents.setdefault("drying", []),
    )
    for week in sorted(runs):
        inputs = sorted(runs[week], key=lambda d: (d.day, d.farm.number))
        end = max(d.day for d in inputs) + timedelta(days=6)
        wet = sum(d.wet_kg for d in inputs)
        fermented = round(wet * (0.965 + 0.02 * rng.random()), 1)
        f_lot = f"FM-{end:%y%m%d}-{letter}"
        ferm_events.append(
            _event(
                "TransformationEvent",
                f"ferment:{f_lot}",
                end,
                9,
                int(rng.random() * 60),
                bizStep=BIZSTEP + "fermenting",
                disposition="in_progress",
                **_at(FERMENTARY),
                inputQuantityList=[_q("wet_beans", d.lot, d.wet_kg) for d in inputs],
                outputQuantityList=[_q("fermented_beans", f_lot, fermented)],
                ilmd={
                    "originxr:fermentationDays": 6,
                    "originxr:method": "wooden boxes, turned every 48 h",
                },
            )
        )
        dry_day = end + timedelta(days=7 + int(rng.random() * 4))
        dry_kg = round(fermented * (0.400 + 0.014 * rng.random()), 1)
        d_lot = f"DB-{dry_day:%y%m%d}-{letter}"
        dry_events.append(
            _event(
                "TransformationEvent",
                f"dry:{d_lot}",
                dry_day,
                15,
                int(rng.random() * 60),
                bizStep=BIZSTEP + "drying",
                disposition="active",
                **_at(FERMENTARY),
                inputQuantityList=[_q("fermented_beans", f_lot, fermented)],
                outputQuantityList=[_q("dried_beans", d_lot, dry_kg)],
                ilmd={
                    "originxr:method": "sun drying on raised tables",
                    "originxr:moistureTargetPercent": 7.5,
                },
            )
        )
        dried.append((d_lot, dry_kg, dry_day))
    ship_list = [_q("dried_beans", lot, kg) for lot, kg, _ in dried]
    beans = round(sum(kg for _, kg, _ in dried), 1)
    out = max(day for _, _, day in dried) + timedelta(days=4)
    depart = out + timedelta(days=13 + int(rng.random() * 3))
    arrive = depart + timedelta(days=18 + int(rng.random() * 4))
    bol = f"urn:epcglobal:cbv:bt:{gln(PORT_TAKORADI)}:BOL-TKD-{out:%y%m}-{letter}"
    desadv = f"urn:epcglobal:cbv:bt:{gln(FERMENTARY)}:DA-{out:%y%m%d}-{letter}"
    shipping = chain.documents.setdefault("shipping", [])
    shipping += [
        _event(
            "ObjectEvent",
            f"ship:{letter}",
            out,
            7,
            30,
            action="OBSERVE",
            bizStep="shipping",
            disposition="in_transit",
            quantityList=ship_list,
            readPoint={"id": sgln(FERMENTARY)},
            bizTransactionList=[{"type": "desadv", "bizTransaction": desadv}],
            sourceList=[{"type": "location", "source": sgln(FERMENTARY)}],
            destinationList=[{"type": "location", "destination": sgln(WAREHOUSE)}],
        ),
        _event(
            "ObjectEvent",
            f"wh-in:{letter}",
            out + timedelta(days=1),
            10,
            5,
            action="OBSERVE",
            bizStep="receiving",
            disposition="in_progress",
            quantityList=ship_list,
            **_at(WAREHOUSE),
            bizTransactionList=[{"type": "desadv", "bizTransaction": desadv}],
        ),
        _event(
            "ObjectEvent",
            f"wh-store:{letter}",
            out + timedelta(days=2),
            14,
            40,
            action="OBSERVE",
            bizStep="storing",
            disposition="sellable_not_accessible",
            quantityList=ship_list,
            **_at(WAREHOUSE),
        ),
        _event(
            "ObjectEvent",
            f"depart:{letter}",
            depart,
            18,
            0,
            action="OBSERVE",
            bizStep="departing",
            disposition="in_transit",
            quantityList=ship_list,
            readPoint={"id": sgln(PORT_TAKORADI)},
            bizTransactionList=[{"type": "bol", "bizTransaction": bol}],
            sourceList=[{"type": "location", "source": sgln(PORT_TAKORADI)}],
            destinationList=[{"type": "location", "destination": sgln(FACTORY)}],
        ),
        _event(
            "ObjectEvent",
            f"arrive:{letter}",
            arrive,
            6,
            45,
            nl=True,
            action="OBSERVE",
            bizStep="arriving",
            disposition="in_transit",
            quantityList=ship_list,
            **_at(PORT_AMSTERDAM),
            bizTransactionList=[{"type": "bol", "bizTransaction": bol}],
        ),
        _event(
            "ObjectEvent",
            f"factory-in:{letter}",
            arrive + timedelta(days=2),
            8,
            20,
            nl=True,
            action="OBSERVE",
            bizStep="receiving",
            disposition="in_progress",
            quantityList=ship_list,
            **_at(FACTORY),
            bizTransactionList=[{"type": "bol", "bizTransaction": bol}],
        ),
    ]
    roast = arrive + timedelta(days=11 + int(rng.random() * 4))
    nibs = round(beans * (0.795 + 0.01 * rng.random()), 1)
    liquor = round(nibs * (0.975 + 0.01 * rng.random()), 1)
    recipe = RECIPES[product]
    bought = BOUGHT_IN_BUTTER_SHARE if letter == BOUGHT_IN_BUTTER_GROUP else 0.0
    butter_per_liquor = recipe["butter"] / recipe["liquor"]
    available = liquor * LIQUOR_USE[letter]
    used = round(available * PRESS_BUTTER / (PRESS_BUTTER + (1 - bought) * butter_per_liquor), 1)
    pressed = round(available - used, 1)
    own_butter = round(pressed * PRESS_BUTTER, 1)
    cake = round(pressed * PRESS_CAKE, 1)
    ext_butter = round(own_butter * bought / (1 - bought), 1)
    cocoa = used + own_butter + ext_butter
    bar_estimate = cocoa / (recipe["liquor"] + recipe["butter"])
    sugar = round(bar_estimate * recipe["sugar"], 1)
    milk = round(bar_estimate * recipe.get("milk_powder", 0.0), 1)
    bar = round(cocoa + sugar + milk, 1)
    roast = _workday(roast)
    days = [_workday(roast + timedelta(days=k)) for k in (0, 1, 2, 13)]
    tag = f"{days[0]:%y%m%d}"
    produced = days[3]
    lot = f"NK{produced:%y}-{produced:%m%d}"
    best_before = _month_end(produced, 23 if product == "dark" else 17)
    moulding_inputs = [_q("liquor", f"LQ-{tag}", used), _q("butter", f"CB-{tag}", own_butter)]
    if ext_butter:
        chain.bought_in_lots.append(f"CBX-{produced:%y%m}-031")
        moulding_inputs.append(_q("butter", chain.bought_in_lots[-1], ext_butter))
    moulding_inputs.append(_q("sugar", f"SU-{produced:%y%m}-{sugar_seq:04d}", sugar))
    if milk:
        moulding_inputs.append(_q("milk_powder", f"MP-{produced:%y%m}-{sugar_seq + 41:04d}", milk))
    factory = chain.documents.setdefault("factory", [])
    factory += [
        _event(
            "TransformationEvent",
            f"roast:{letter}",
            days[0],
            6,
            10,
            nl=True,
            bizStep="commissioning",
            disposition="active",
            **_at(FACTORY),
            inputQuantityList=ship_list,
            outputQuantityList=[_q("nibs", f"NB-{tag}", nibs)],
            ilmd={"originxr:process": "roasting and winnowing"},
        ),
        _event(
            "TransformationEvent",
            f"grind:{letter}",
            days[1],
            6,
            30,
            nl=True,
            bizStep="commissioning",
            disposition="active",
            **_at(FACTORY),
            inputQuantityList=[_q("nibs", f"NB-{tag}", nibs)],
            outputQuantityList=[_q("liquor", f"LQ-{tag}", liquor)],
            ilmd={"originxr:process": "grinding"},
        ),
        _event(
            "TransformationEvent",
            f"press:{letter}",
            days[2],
            7,
            0,
            nl=True,
            bizStep="commissioning",
            disposition="active",
            **_at(FACTORY),
            inputQuantityList=[_q("liquor", f"LQ-{tag}", pressed)],
            outputQuantityList=[
                _q("butter", f"CB-{tag}", own_butter),
                _q("cake", f"CK-{tag}", cake),
            ],
            ilmd={"originxr:process": "hydraulic pressing"},
        ),
        _event(
            "TransformationEvent",
            f"mould:{letter}",
            produced,
            5,
            50,
            nl=True,
            bizStep="commissioning",
            disposition="active",
            **_at(FACTORY),
            inputQuantityList=moulding_inputs,
            outputQuantityList=[_q(product, lot, bar)],
            ilmd={
                "cbvmda:bestBeforeDate": best_before.isoformat(),
                "cbvmda:lotNumber": lot,
                "originxr:process": "mixing, refining, conching, tempering and moulding",
            },
        ),
    ]
    chain.batches.append(
        {
            "gtin": gtin14(ITEMS[product]),
            "lot": lot,
            "produced_on": produced.isoformat(),
            "best_before": best_before.isoformat(),
            "quantity_kg": bar,
        }
    )


def build_chain(rng: random.Random, farms: list[Farm]) -> Chain:
    """Build deliveries, events per stage, and the three bar batches."""
    chain = Chain()
    _deliveries(rng, farms, chain)
    _farm_events(rng, chain)
    for i, group in enumerate(GROUPS):
        _batch_chain(rng, chain, group, 118 + 37 * i)
    for events in chain.documents.values():
        events.sort(key=lambda e: datetime.fromisoformat(e["eventTime"]))
    return chain
