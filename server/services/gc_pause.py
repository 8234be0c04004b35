"""Pause Python's cyclic garbage collector around one bounded, allocation-heavy computation."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """Run the block with the cyclic collector off, then turn it back on if it was on.

    Loading a batch and building its report allocate a few hundred thousand small objects
    that all stay alive until the report is written: the collector's full passes find
    nothing to free yet cost about as much as the work itself (measured in
    bench/bench_scale.py). Reference counting still frees what is dropped; cycles made in
    the block are collected at the collector's next pass after it.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
