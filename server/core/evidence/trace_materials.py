"""Tell the material of each lot class on a trace: its GTIN, name and whether it is tracked.

A 10,000-farm batch names fifty thousand lot classes of half a dozen GTINs: each class's GTIN
is read through `event_reading.class_gtin` (one parse per GTIN prefix) and its material
looked up once; a class of no registered material is reported once, and treated as tracked.
"""

from __future__ import annotations

from server.core.evidence.event_reading import GTIN_SPAN, class_gtin
from server.core.evidence.inputs import Material
from server.core.evidence.trace_model import Problem

Kind = tuple[str | None, str | None, bool]  # (gtin, material name, tracked), as lots show


class ClassKinds:
    """The `Kind` of each lot class, looked up once; unknown materials go to `problems`."""

    __slots__ = ("by_gtin", "by_prefix", "kinds", "problems")

    def __init__(self, materials: tuple[Material, ...], problems: list[Problem]) -> None:
        self.by_gtin: dict[str, Material] = {m.gtin: m for m in materials}
        # by the part of a class `class_gtin` reads: the kind of a registered material's
        # classes (those of no material are looked up, and reported, one by one)
        self.by_prefix: dict[str, Kind] = {}
        self.kinds: dict[str, Kind] = {}
        self.problems = problems

    def of(self, cls: str) -> Kind:
        """Return the gtin, material name and tracked flag of class `cls`."""
        kind = self.kinds.get(cls)
        return self._look_up(cls) if kind is None else kind

    def _look_up(self, cls: str) -> Kind:
        prefix = cls[:GTIN_SPAN]
        known = self.by_prefix.get(prefix)
        if known is not None and prefix[-1:] != "\n":  # class_gtin reads such a class whole
            self.kinds[cls] = known
            return known
        gtin = class_gtin(cls)
        material = self.by_gtin.get(gtin) if gtin else None
        if material is None:
            self.problems.append(
                Problem(
                    "unknown_material",
                    f"no material registered for {cls}; treated as tracked",
                    classes=(cls,),
                )
            )
            kind: Kind = (gtin, None, True)
        else:
            kind = (material.gtin, material.name, material.tracked)
            self.by_prefix[prefix] = kind
        self.kinds[cls] = kind
        return kind
