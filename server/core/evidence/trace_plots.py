"""Read the plots a harvest names, as `event_reading.named_plots` does, its key found once.

A big batch has a harvest per farm and season, each naming its plot under the same ILMD key:
which key `named_plots` reads depends only on the keys an ILMD has, so it is asked once per
set of keys, and the common value (a list of one plot id) is read without the general path.
"""

from __future__ import annotations

from datetime import UTC, datetime

from server.core.evidence.event_reading import named_plots
from server.core.evidence.inputs import TraceEvent

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class NamedPlots:
    """`named_plots`, remembering which ILMD key it reads for each set of keys."""

    def __init__(self) -> None:
        self.key_of: dict[tuple[str, ...], str | None] = {}
        # the one key of the ILMDs seen with one key that names the plots (a chain's
        # harvests all write theirs alike): such an ILMD is read without its key set
        self.single: str | None = None

    def named(self, event: TraceEvent) -> tuple[str, ...]:
        """Return `named_plots(event)`."""
        ilmd = event.ilmd
        if not ilmd:
            return ()
        if len(ilmd) == 1 and self.single in ilmd:
            key: str | None = self.single
        else:
            keys = tuple(ilmd)
            if keys in self.key_of:
                key = self.key_of[keys]
            else:
                key = self.key_of[keys] = _plot_key(keys)
                if len(keys) == 1 and key is not None:
                    self.single = key
        if key is not None:
            value = ilmd[key]
            if type(value) is list and len(value) == 1 and type(value[0]) is str:
                return (value[0],)  # what named_plots makes of a list of one id
        return named_plots(event)


def _plot_key(keys: tuple[str, ...]) -> str | None:
    """Return the ILMD key `named_plots` reads among `keys` (None: none, or not all text).

    Asked of an event whose ILMD maps each key to itself: the plot `named_plots` finds is
    then the key's own name.
    """
    if not all(type(k) is str for k in keys):
        return None
    found = named_plots(TraceEvent("", "ObjectEvent", _EPOCH, ilmd={k: k for k in keys}))
    return found[0] if len(found) == 1 and found[0] in keys else None
