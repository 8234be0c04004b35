"""The CBV 2.0 standard vocabularies a capture is checked against, and their three spellings.

A ``bizStep`` or ``disposition`` is either a CBV word (bare ``shipping``, the URN
``urn:epcglobal:cbv:bizstep:shipping``, the Web URI
``https://ref.gs1.org/cbv/BizStep-shipping`` or the CURIE ``cbv:BizStep-shipping``) or a
company's own absolute URI. The words are those of the EPCIS 2.0 JSON schema's enumerations
(CBV 2.0 §7.1, §7.2).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

CBV_WEB = "https://ref.gs1.org/cbv/"


@dataclass(frozen=True)
class Vocabulary:
    """One CBV vocabulary: its words and the URN and Web URI prefixes that spell them."""

    name: str  # what a person calls one of its terms, for messages
    urn: str
    web: str
    words: frozenset[str]

    def word_of(self, value: str) -> str | None:
        """Return the CBV word `value` spells (bare, URN, Web URI or CURIE), or None."""
        for prefix in (self.urn, self.web, "cbv:" + self.web.removeprefix(CBV_WEB)):
            if value.startswith(prefix):
                return value[len(prefix) :]
        return None if ":" in value else value

    def nearest(self, word: str) -> str | None:
        """Return the CBV word closest to `word` (a likely typo or a synonym), if any."""
        close = difflib.get_close_matches(word.lower(), sorted(self.words), n=1, cutoff=0.5)
        return close[0] if close else None


BIZ_STEPS = Vocabulary(
    "business step",
    "urn:epcglobal:cbv:bizstep:",
    CBV_WEB + "BizStep-",
    frozenset(
        [
            "accepting",
            "arriving",
            "assembling",
            "collecting",
            "commissioning",
            "consigning",
            "creating_class_instance",
            "cycle_counting",
            "decommissioning",
            "departing",
            "destroying",
            "disassembling",
            "dispensing",
            "encoding",
            "entering_exiting",
            "holding",
            "inspecting",
            "installing",
            "killing",
            "loading",
            "other",
            "packing",
            "picking",
            "receiving",
            "removing",
            "repackaging",
            "repairing",
            "replacing",
            "reserving",
            "retail_selling",
            "sampling",
            "sensor_reporting",
            "shipping",
            "staging_outbound",
            "stock_taking",
            "stocking",
            "storing",
            "transporting",
            "unloading",
            "unpacking",
            "void_shipping",
        ]
    ),
)
DISPOSITIONS = Vocabulary(
    "disposition",
    "urn:epcglobal:cbv:disp:",
    CBV_WEB + "Disp-",
    frozenset(
        [
            "active",
            "available",
            "completeness_inferred",
            "completeness_verified",
            "conformant",
            "container_closed",
            "container_open",
            "damaged",
            "destroyed",
            "dispensed",
            "disposed",
            "encoded",
            "expired",
            "in_progress",
            "in_transit",
            "inactive",
            "mismatch_class",
            "mismatch_instance",
            "mismatch_quantity",
            "needs_replacement",
            "no_pedigree_match",
            "non_conformant",
            "non_sellable_other",
            "partially_dispensed",
            "recalled",
            "reserved",
            "retail_sold",
            "returned",
            "sellable_accessible",
            "sellable_not_accessible",
            "stolen",
            "unavailable",
            "unknown",
        ]
    ),
)
