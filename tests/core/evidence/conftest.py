"""A small hand-built cocoa chain (two farms, a fermentary, a factory) for the check tests."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from server.core.evidence.inputs import (
    BatchInputs,
    EvidenceRecord,
    Material,
    Plot,
    Quantity,
    Site,
    TraceEvent,
)
from server.core.gs1.identifiers import gs1_check_digit, location_id, lot_class


def gtin(n: int) -> str:
    """Return a valid GTIN-14 under the demo company prefix."""
    body = f"0952012300{n:03d}"
    return body + gs1_check_digit(body)


WET, DRY, SUGAR, BAR = gtin(1), gtin(3), gtin(7), gtin(100)
AS_OF = date(2025, 3, 31)
PARAMETERS: dict[str, Any] = {
    "expected_yield_kg_per_ha": {"GH": {"value": 450, "source": "farm surveys"}},
    "regional_max_yield_kg_per_ha": {"GH": {"value": 1333, "source": "farm surveys, max"}},
    "living_income_reference_price": {
        "GH": {
            "value": 2.68,
            "currency": "USD",
            "per": "kg",
            "valid_from": "2025-01-01",
            "source": "Fairtrade LIRP 2025",
        }
    },
    "exchange_rates": [
        {"from": "GHS", "to": "USD", "rate": 0.06, "on": "2024-12-01", "source": "BoG"},
        {"from": "GHS", "to": "USD", "rate": 0.07, "on": "2025-02-01", "source": "BoG"},
    ],
}


def at(day: int, month: int = 11, year: int = 2024) -> datetime:
    return datetime(year, month, day, 8, 0, tzinfo=UTC)


def square(lon: float, lat: float, side_deg: float) -> dict[str, Any]:
    """Return a closed square Polygon with 6-decimal corners (its origin nudged by 1e-6)."""
    lon, lat = lon + 0.000001, lat + 0.000001
    ring = [
        [lon, lat],
        [lon + side_deg, lat],
        [lon + side_deg, lat + side_deg],
        [lon, lat + side_deg],
        [lon, lat],
    ]
    return {"type": "Polygon", "coordinates": [[[round(x, 6), round(y, 6)] for x, y in ring]]}


def site(site_id: str, kind: str, ref: int) -> Site:
    body = f"9520123{ref:05d}"
    return Site(
        site_id, kind, site_id.title(), location_id(body + gs1_check_digit(body)), "GH", 6.5, -1.6
    )


class Kit:
    """Builders for events, plots and records around a fixed set of sites."""

    wet1 = lot_class(WET, "W1")
    wet2 = lot_class(WET, "W2")
    dry = lot_class(DRY, "D1")
    sugar = lot_class(SUGAR, "S1")
    bar = lot_class(BAR, "NK24-0317")

    at = staticmethod(at)
    square = staticmethod(square)

    def __init__(self) -> None:
        self.sites = {
            s.id: s
            for s in (
                site("farm-1", "farm", 1),
                site("farm-2", "farm", 2),
                site("ferm", "fermentary", 50),
                site("factory", "factory", 90),
            )
        }

    def loc(self, site_id: str) -> str:
        location = self.sites[site_id].sgln
        assert location is not None
        return location

    def harvest(
        self,
        eid: str,
        farm: str,
        lot: str,
        kg: float,
        when: datetime,
        plots: list[str] | None = None,
        season: str | None = None,
    ) -> TraceEvent:
        ilmd: dict[str, Any] = {}
        if plots:
            ilmd["originxr:plots"] = plots
        if season:
            ilmd["originxr:season"] = season
        return TraceEvent(
            eid,
            "ObjectEvent",
            when,
            "https://ns.originxr.org/bizstep/harvesting",
            "ADD",
            self.loc(farm),
            None,
            (),
            (),
            (Quantity(lot, kg, "KGM"),),
            ilmd=ilmd,
        )

    def transform(
        self,
        eid: str,
        where: str,
        ins: list[tuple[str, float]],
        outs: list[tuple[str, float]],
        when: datetime,
    ) -> TraceEvent:
        return TraceEvent(
            eid,
            "TransformationEvent",
            when,
            "transforming",
            None,
            self.loc(where),
            None,
            tuple(Quantity(c, q, "KGM") for c, q in ins),
            tuple(Quantity(c, q, "KGM") for c, q in outs),
        )

    def move(
        self,
        eid: str,
        where: str | None,
        lot: str,
        kg: float,
        when: datetime,
        location: str | None = None,
    ) -> TraceEvent:
        return TraceEvent(
            eid,
            "ObjectEvent",
            when,
            "receiving",
            "OBSERVE",
            location or (self.loc(where) if where else None),
            None,
            quantities=(Quantity(lot, kg, "KGM"),),
        )

    def chain(self) -> list[TraceEvent]:
        """Return two harvests -> fermentation/drying -> chocolate with sugar."""
        return [
            self.harvest("h1", "farm-1", self.wet1, 1000, at(1), ["plot-1a"], "2024/25 main crop"),
            self.harvest("h2", "farm-2", self.wet2, 500, at(2), ["plot-2a"], "2024/25 main crop"),
            self.move("r1", "ferm", self.wet1, 1000, at(3)),
            self.transform(
                "t1", "ferm", [(self.wet1, 1000), (self.wet2, 500)], [(self.dry, 600)], at(10)
            ),
            self.move("r2", "factory", self.dry, 600, at(5, 1, 2025)),
            self.transform(
                "t2",
                "factory",
                [(self.dry, 600), (self.sugar, 400)],
                [(self.bar, 1000)],
                at(17, 3, 2025),
            ),
        ]

    def plots(self) -> list[Plot]:
        # 0.00127 degree squares near 6.5 N measure 1.973 ha each.
        return [
            Plot("plot-1a", "farm-1", square(-1.6, 6.5, 0.00127), 2.0, "GH"),
            Plot("plot-2a", "farm-2", square(-1.55, 6.5, 0.00127), 2.0, "GH"),
        ]

    def record(
        self, rid: str, kind: str, subject: tuple[str, str], issued: date, payload: dict[str, Any]
    ) -> EvidenceRecord:
        return EvidenceRecord(rid, kind, subject[0], subject[1], "desk", issued, None, payload)

    def evidence(self) -> list[EvidenceRecord]:
        out = []
        for plot in ("plot-1a", "plot-2a"):
            out.append(
                self.record(
                    f"ev-defor-{plot}",
                    "deforestation_assessment",
                    ("plot", plot),
                    date(2024, 8, 23),
                    {
                        "status": "no_deforestation",
                        "cutoff": "2020-12-31",
                        "assessed_on": "2024-08-20",
                        "method": "GFC2020 overlay",
                    },
                )
            )
        for farm in ("farm-1", "farm-2"):
            out.append(
                self.record(
                    f"ev-clmrs-{farm}",
                    "clmrs_visit",
                    ("site", farm),
                    date(2024, 6, 1),
                    {
                        "site": farm,
                        "visit_on": "2024-06-01",
                        "children_identified": 0,
                        "follow_up_visits": 0,
                        "remediation": "none_needed",
                    },
                )
            )
            # 400 kg for 16,000 GHS at 0.07 USD/GHS = 2.80 USD/kg (104 % of 2.68).
            out.append(
                self.record(
                    f"ev-pay-{farm}",
                    "farmgate_payment",
                    ("site", farm),
                    date(2025, 2, 10),
                    {
                        "site": farm,
                        "paid_on": "2025-02-10",
                        "quantity_kg": 400.0,
                        "basis": "dry_equivalent",
                        "amount": 16000.0,
                        "currency": "GHS",
                    },
                )
            )
        return out

    def inputs(
        self,
        events: list[TraceEvent] | None = None,
        plots: list[Plot] | None = None,
        evidence: list[EvidenceRecord] | None = None,
        parameters: dict[str, Any] | None = None,
        batch: str | None = None,
    ) -> BatchInputs:
        return BatchInputs(
            batch_class=batch or self.bar,
            batch_quantity_kg=1000.0,
            as_of=AS_OF,
            events=tuple(self.chain() if events is None else events),
            sites=tuple(self.sites.values()),
            plots=tuple(self.plots() if plots is None else plots),
            materials=(
                Material(WET, "Wet cocoa beans", True, 0.4),
                Material(DRY, "Dried cocoa beans", True, 1.0),
                Material(SUGAR, "Cane sugar", False),
                Material(BAR, "Dark chocolate bar", False),
            ),
            evidence=tuple(self.evidence() if evidence is None else evidence),
            parameters=PARAMETERS if parameters is None else parameters,
        )


@pytest.fixture
def kit() -> Kit:
    return Kit()
