"""Write the Nkabom demo brand pack: brand.json, sites, plots, EPCIS events, evidence, stories.

Run ``.venv/bin/python brands/nkabom/generate.py [--out DIR]``; the output depends only on the
seeds below, so running it again reproduces the committed files byte for byte.
"""

from __future__ import annotations

import argparse
import json
import random
import uuid
from pathlib import Path
from typing import Any

from chain import EVENT_NS, ITEMS, SEED, Chain, build_chain, gtin14
from geography import Farm, build_farms, site_features
from records import PRICE_SCHEDULE, build_evidence
from texts import MATERIAL_NAMES, PRODUCT_NAMES, STORIES, TAGLINE

LOCALES = ["en", "de", "fr", "nl"]
# material key -> (tracked, dry-bean equivalent factor)
MATERIALS = {
    "wet_beans": (True, 0.40),
    "fermented_beans": (True, 0.41),
    "dried_beans": (True, 1.0),
    "nibs": (True, 1.25),
    "liquor": (True, 1.25),
    "butter": (True, 1.33),
    "cake": (True, 1.18),
    "sugar": (False, 1.0),
    "milk_powder": (False, 1.0),
}
RECIPE_MATERIALS = {
    "dark": ["liquor", "butter", "sugar"],
    "milk": ["liquor", "butter", "sugar", "milk_powder"],
}

PARAMETERS: dict[str, Any] = {
    "expected_yield_kg_per_ha": {
        "GH": {
            "value": 450,
            "source": "Mean dry-bean yield of Ghanaian smallholder cocoa farms in farm surveys "
            "(order of 400-500 kg/ha; e.g. Wessel & Quist-Wessel 2015, NJAS 74-75)",
        }
    },
    "regional_max_yield_kg_per_ha": {
        "GH": {
            "value": 1333,
            "source": "Upper end of dry-bean yields recorded in Ghanaian farm surveys "
            "(high-input farms); demo value, confirm before production use",
        }
    },
    "living_income_reference_price": {
        "GH": [
            {
                "value": 2.39,
                "currency": "USD",
                "per": "kg",
                "valid_from": "2022-10-01",
                "source": "Fairtrade Living Income Reference Price for cocoa, Ghana, "
                "October 2022 update; demo value, confirm before production use",
            },
            {
                "value": 2.68,
                "currency": "USD",
                "per": "kg",
                "valid_from": "2025-01-01",
                "source": "Fairtrade Living Income Reference Price 2025",
            },
        ]
    },
    "exchange_rates": [
        {
            "from": "GHS",
            "to": "USD",
            "rate": 0.0628,
            "on": "2024-10-15",
            "source": "Bank of Ghana interbank mid-rate (about GHS 15.9 per USD), rounded",
        },
        {
            "from": "GHS",
            "to": "USD",
            "rate": 0.0680,
            "on": "2025-01-15",
            "source": "Bank of Ghana interbank mid-rate (about GHS 14.7 per USD), rounded",
        },
    ],
    "farmgate_price": {
        "GH": [
            {
                "value": value,
                "currency": "GHS",
                "per": "t",
                "valid_from": start.isoformat(),
                "source": "Ghana COCOBOD producer price, 2024/25 main crop"
                + ("" if i == 0 else " (in-season revision; effective date approximate)"),
            }
            for i, (start, value) in enumerate(PRICE_SCHEDULE)
        ]
    },
    "conversion_ratios": [
        {"from": gtin14(ITEMS[a]), "to": gtin14(ITEMS[b]), "min": lo, "max": hi, "source": src}
        for a, b, lo, hi, src in (
            (
                "wet_beans",
                "fermented_beans",
                0.90,
                1.00,
                "Loss of pulp sweatings during box fermentation",
            ),
            ("fermented_beans", "dried_beans", 0.36, 0.44, "Drying to 7-8 % moisture"),
            (
                "dried_beans",
                "nibs",
                0.76,
                0.84,
                "Roasting and winnowing: shell 12-15 %, moisture loss",
            ),
            ("nibs", "liquor", 0.96, 1.00, "Grinding losses"),
            ("liquor", "butter", 0.40, 0.50, "Hydraulic pressing of liquor with 53-56 % fat"),
            ("liquor", "cake", 0.48, 0.58, "Hydraulic pressing, cake at 10-12 % residual fat"),
        )
    ],
}

CHAPTERS = [
    {
        "key": "farms",
        "site_kinds": ["farm"],
        "checks": ["known_origin_share", "yield_plausibility", "plot_geometry", "deforestation"],
    },
    {
        "key": "cooperative",
        "site_kinds": ["cooperative"],
        "checks": ["farmgate_price", "child_labour", "evidence_freshness"],
    },
    {"key": "fermentation", "site_kinds": ["fermentary"], "checks": ["conversion_balance"]},
    {"key": "shipping", "site_kinds": ["warehouse", "port"], "checks": ["transport_emissions"]},
    {"key": "factory", "site_kinds": ["factory"], "checks": ["conversion_balance"]},
]


def brand_document(chain: Chain) -> dict[str, Any]:
    """Return brand.json: identity, theme, materials, products, batches, parameters, chapters."""
    materials = [
        {
            "gtin": gtin14(ITEMS[key]),
            "name": MATERIAL_NAMES[key],
            "tracked": tracked,
            "yield_basis_factor": factor,
        }
        for key, (tracked, factor) in MATERIALS.items()
    ]
    materials += [
        {
            "gtin": gtin14(ITEMS[key]),
            "name": PRODUCT_NAMES[key],
            "tracked": False,
            "yield_basis_factor": 1.0,
        }
        for key in ("dark", "milk")
    ]
    products = [
        {
            "gtin": gtin14(ITEMS[key]),
            "name": PRODUCT_NAMES[key],
            "net_weight_g": 100,
            "cocoa_percent": 70 if key == "dark" else 42,
            "materials_gtin": [gtin14(ITEMS[m]) for m in RECIPE_MATERIALS[key]],
        }
        for key in ("dark", "milk")
    ]
    return {
        "slug": "nkabom",
        "name": "Nkabom Chocolate",
        "default_locale": "en",
        "locales": LOCALES,
        "tagline": TAGLINE,
        "theme": {"primary": "#5b3a29", "accent": "#a8741c", "background": "#fbf7f2"},
        "materials": materials,
        "products": products,
        "batches": chain.batches,
        "parameters": PARAMETERS,
        "chapters": CHAPTERS,
    }


def epcis_document(stage: str, events: list[dict[str, Any]]) -> dict[str, Any]:
    """Wrap `events` in an EPCIS 2.0 JSON-LD capture document named after `stage`."""
    return {
        "@context": [
            "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
            {"originxr": "https://ns.originxr.org/epcis/"},
        ],
        "id": f"urn:uuid:{uuid.uuid5(EVENT_NS, f'{SEED}:document:{stage}')}",
        "type": "EPCISDocument",
        "schemaVersion": "2.0",
        "creationDate": events[-1]["eventTime"],
        "epcisBody": {"eventList": events},
    }


def pack_files(
    farms: list[Farm], chain: Chain, records: list[dict[str, Any]], documents: dict[str, Any]
) -> dict[str, Any]:
    """Return every file of the pack as relative path -> JSON body."""
    files: dict[str, Any] = {
        "brand.json": brand_document(chain),
        "sites.geojson": {"type": "FeatureCollection", "features": site_features(farms)},
        "plots.geojson": {
            "type": "FeatureCollection",
            "features": [p for f in farms for p in f.plots],
        },
        "evidence.json": {"records": records},
    }
    for stage, events in chain.documents.items():
        files[f"events/{stage}.jsonld"] = epcis_document(stage, events)
    files.update(documents)
    for locale in LOCALES:
        files[f"stories/{locale}.json"] = {"chapters": STORIES[locale]}
    return files


def generate(out: Path) -> list[Path]:
    """Write the pack under `out`; return the paths written."""
    farms = build_farms(random.Random(f"{SEED}:geography"))
    chain = build_chain(random.Random(f"{SEED}:chain"), farms)
    records, documents = build_evidence(random.Random(f"{SEED}:evidence"), farms, chain)
    written = []
    for rel, body in sorted(pack_files(farms, chain, records, documents).items()):
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(body, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
        written.append(path)
    return written


def main(argv: list[str] | None = None) -> None:
    """Parse ``--out`` and write the pack."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parent,
        help="folder to write the pack into (default: this brand folder)",
    )
    args = parser.parse_args(argv)
    for path in generate(args.out):
        print(path)


if __name__ == "__main__":
    main()
