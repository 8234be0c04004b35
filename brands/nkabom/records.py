"""Build the Nkabom pack's evidence records and the small documents some of them cite.

Deforestation reviews cover every plot but one (registered after the review ran); CLMRS visits
cover every farm; each delivery has a farmgate payment at the producer price of its day.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from chain import WET_TO_DRY, Chain
from geography import CLUSTERS, UNASSESSED_PLOT, Farm

# Ghana COCOBOD producer price, 2024/25 main crop, GHS per tonne of dry beans.
PRICE_SCHEDULE = (
    (date(2024, 9, 11), 48_000.0),
    (date(2024, 10, 2), 49_600.0),
    (date(2024, 12, 3), 51_660.0),
)
COOP_NAMES = {
    "coop-1": "Nyinahin Cocoa Farmers' Cooperative",
    "coop-2": "Sefwi Wiawso Cocoa Farmers' Cooperative",
}
DEFOR_SOURCE = (
    "Satellite imagery review against JRC Global Forest Cover 2020 (GFC2020 V2) baseline; "
    "Sentinel-2 L2A composites 2021-2024"
)
DEFOR_METHOD = (
    "Plot polygon (or a 4 ha circle around a point plot) overlaid on the JRC GFC2020 forest map; "
    "tree-cover change 2021-2024 checked visually in Sentinel-2 composites and against GLAD and "
    "RADD forest-loss alerts"
)
OLD_CLMRS_FARM = "farm-05"
CHILD_CASES = {  # farm -> (children identified, follow-up visits, remediation, last visit)
    "farm-09": (1, 3, "completed", date(2024, 6, 12)),
    "farm-31": (2, 2, "in_progress", date(2024, 11, 19)),
}


def price_on(day: date) -> float:
    """Return the producer price in GHS per tonne in force on `day`."""
    price = PRICE_SCHEDULE[0][1]
    for start, value in PRICE_SCHEDULE:
        if day >= start:
            price = value
    return price


def _record(
    rid: str,
    kind: str,
    subject: tuple[str, str],
    issuer: str,
    issued: date,
    valid_until: date | None,
    payload: dict[str, Any],
    document: str | None = None,
) -> dict[str, Any]:
    return {
        "id": rid,
        "kind": kind,
        "subject": {"type": subject[0], "id": subject[1]},
        "issuer": issuer,
        "issued_on": issued.isoformat(),
        "valid_until": valid_until.isoformat() if valid_until else None,
        "payload": payload,
        "document": document,
    }


def build_evidence(
    rng: random.Random, farms: list[Farm], chain: Chain
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Return the evidence records and the documents (path -> JSON body) they cite."""
    records: list[dict[str, Any]] = []
    documents: dict[str, Any] = {}
    review_day = {"coop-1": date(2024, 8, 20), "coop-2": date(2024, 9, 3)}
    for coop, day in review_day.items():
        path = f"documents/deforestation-review-{coop}-2024.json"
        plots = [
            str(p["properties"]["id"])
            for f in farms
            if f.cooperative == coop
            for p in f.plots
            if p["properties"]["id"] != UNASSESSED_PLOT
        ]
        documents[path] = {
            "title": f"Plot review against the 2020 forest baseline, members of {COOP_NAMES[coop]}",
            "prepared_by": "Nkabom Chocolate traceability desk",
            "assessed_on": day.isoformat(),
            "cutoff": "2020-12-31",
            "source": DEFOR_SOURCE,
            "method": DEFOR_METHOD,
            "plots_reviewed": plots,
            "plots_with_forest_loss_after_cutoff": [],
            "notes": "Plots registered after the review date are not covered by this document.",
        }
        for f in farms:
            if f.cooperative != coop:
                continue
            for p in f.plots:
                pid = str(p["properties"]["id"])
                if pid == UNASSESSED_PLOT:
                    continue
                records.append(
                    _record(
                        f"ev-defor-{pid}",
                        "deforestation_assessment",
                        ("plot", pid),
                        "Nkabom Chocolate traceability desk",
                        day + timedelta(days=3),
                        None,
                        {
                            "status": "no_deforestation",
                            "method": DEFOR_METHOD,
                            "source": DEFOR_SOURCE,
                            "cutoff": "2020-12-31",
                            "assessed_on": day.isoformat(),
                        },
                        path,
                    )
                )
    for f in farms:
        children, follow_ups, remediation = 0, 0, "none_needed"
        case_doc: str | None = None
        if f.id in CHILD_CASES:
            children, follow_ups, remediation, visit = CHILD_CASES[f.id]
            case_doc = f"documents/clmrs-case-{f.id}.json"
            documents[case_doc] = _case_document(f, children, follow_ups, remediation, visit)
        else:
            visit = date(2024, 2, 1) + timedelta(days=int(rng.random() * 300))
        if f.id == OLD_CLMRS_FARM:
            visit = date(2022, 11, 22)
        records.append(
            _record(
                f"ev-clmrs-{f.id}",
                "clmrs_visit",
                ("site", f.id),
                f"{COOP_NAMES[f.cooperative]} CLMRS",
                visit,
                None,
                {
                    "site": f.id,
                    "visit_on": visit.isoformat(),
                    "children_identified": children,
                    "follow_up_visits": follow_ups,
                    "remediation": remediation,
                },
                case_doc,
            )
        )
    counts: dict[str, int] = {}
    for d in sorted(chain.deliveries, key=lambda d: (d.farm.number, d.day)):
        counts[d.farm.id] = counts.get(d.farm.id, 0) + 1
        paid = d.day + timedelta(days=0 if rng.random() < 0.8 else 1 + int(rng.random() * 3))
        dry = round(d.wet_kg * WET_TO_DRY, 1)
        per_kg = price_on(d.day) / 1000
        records.append(
            _record(
                f"ev-pay-{d.farm.id}-{counts[d.farm.id]}",
                "farmgate_payment",
                ("site", d.farm.id),
                COOP_NAMES[d.farm.cooperative],
                paid,
                None,
                {
                    "site": d.farm.id,
                    "paid_on": paid.isoformat(),
                    "quantity_kg": dry,
                    "basis": "dry_equivalent",
                    "amount": round(dry * per_kg, 2),
                    "currency": "GHS",
                    "price_per_kg": per_kg,
                    "purchase_order": d.po,
                    "wet_kg": float(d.wet_kg),
                },
            )
        )
    records += _certificates(documents, farms)
    records.append(_audit(documents, chain))
    return records, documents


def _case_document(
    f: Farm, children: int, follow_ups: int, remediation: str, last: date
) -> dict[str, Any]:
    actions = ["school kit and uniform provided", "birth certificate obtained for school enrolment"]
    if remediation == "completed":
        actions.append("household joined the cooperative's village savings group")
    else:
        actions.append("labour group arranged for land clearing; follow-up visit planned")
    return {
        "title": "Child labour monitoring case summary (anonymised)",
        "site": f.id,
        "farmer": f.ref,
        "children_identified": children,
        "age_bands": ["12-14"] if children == 1 else ["10-11", "13-14"],
        "hazards_observed": ["carrying heavy loads of pods"]
        + (["use of a machete"] if children > 1 else []),
        "identified_on": (last - timedelta(days=120 * follow_ups)).isoformat(),
        "follow_up_visits": follow_ups,
        "last_visit_on": last.isoformat(),
        "remediation": remediation,
        "actions": actions,
    }


def _certificates(documents: dict[str, Any], farms: list[Farm]) -> list[dict[str, Any]]:
    out = []
    for coop, issued, number in (
        ("coop-1", date(2024, 3, 18), "DEMO-GH-C-2403-117"),
        ("coop-2", date(2023, 7, 10), "DEMO-GH-C-2307-052"),
    ):
        valid = date(issued.year + 3, issued.month, issued.day) - timedelta(days=1)
        members = sum(1 for f in farms if f.cooperative == coop)
        path = f"documents/certificate-{coop}.json"
        scope = "Group certification of member farms: farm practices, traceability and internal management system"
        documents[path] = {
            "title": "Group certificate",
            "holder": COOP_NAMES[coop],
            "certificate_no": number,
            "standard": "Group farm-management and traceability standard (3-year cycle, annual audits)",
            "scope": scope,
            "member_farms": members,
            "communities": sorted({c[0] for c in CLUSTERS if c[5] == coop}),
            "issued_on": issued.isoformat(),
            "valid_until": valid.isoformat(),
            "last_surveillance_audit": date(2024, issued.month, issued.day).isoformat(),
        }
        out.append(
            _record(
                f"ev-cert-{coop}",
                "certificate",
                ("site", coop),
                "Demo Certification Body Ghana Ltd",
                issued,
                valid,
                {"certificate_no": number, "scope": scope, "member_farms": members},
                path,
            )
        )
    return out


def _audit(documents: dict[str, Any], chain: Chain) -> dict[str, Any]:
    milk_lot = chain.batches[1]["lot"]
    findings = [
        (
            f"Bought-in cocoa butter (supplier lot {chain.bought_in_lots[0]}) was used in batch "
            f"{milk_lot} without farm-level origin records; the mass-balance records declare it "
            "as of unknown origin."
        ),
        (
            "Calibration certificate of intake scale 2 expired on 2025-04-30; the scale was "
            "recalibrated during the audit."
        ),
    ]
    path = "documents/audit-factory-1-2025.json"
    documents[path] = {
        "title": "Chain-of-custody and mass-balance audit, Zaandam factory",
        "auditor": "Demo Assurance Services B.V.",
        "audit_dates": ["2025-05-19", "2025-05-20"],
        "scope": "Receiving, roasting, grinding, pressing and moulding; cocoa mass balance Jan-Apr 2025",
        "result": "minor_nc",
        "findings": findings,
        "corrective_actions_due": "2025-08-20",
    }
    return _record(
        "ev-audit-factory-1-2025",
        "audit",
        ("site", "factory-1"),
        "Demo Assurance Services B.V.",
        date(2025, 5, 20),
        date(2026, 5, 19),
        {"scope": documents[path]["scope"], "result": "minor_nc", "findings": findings},
        path,
    )
