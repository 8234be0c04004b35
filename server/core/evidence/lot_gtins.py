"""Read the GTINs of many lot classes, each class prefix once."""

from __future__ import annotations

from server.core.evidence.event_reading import GTIN_SPAN, class_gtin


class LotGtins:
    """`event_reading.class_gtin` for a batch's lot classes, by what it reads of a class.

    A batch names tens of thousands of lot classes of a few GTINs; `class_gtin` reads no
    further than a class's first `GTIN_SPAN` characters (but for a prefix that ends in a
    newline, which it reads whole), so each prefix is read once here, without a call.
    """

    def __init__(self) -> None:
        self.of_prefix: dict[str, str | None] = {}

    def __call__(self, epc_class: str) -> str | None:
        """Return `class_gtin(epc_class)`."""
        prefix = epc_class[:GTIN_SPAN]
        found = self.of_prefix.get(prefix, self)
        if found is self:
            found = class_gtin(epc_class)
            if prefix[-1:] != "\n":
                self.of_prefix[prefix] = found
        return found  # type: ignore[return-value]
