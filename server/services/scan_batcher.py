"""Scan records of the WSGI fast path, kept per process and pushed to Redis in batches.

A page served from process memory must not wait for Redis, not even for one round trip:
its record goes into this process's buffer (an append, no I/O) and a background thread
pushes what has gathered every FLUSH_SECONDS, or sooner once BATCH_MAX are waiting,
through the recorder's one pipelined round trip (`ScanRecorder.push`). Exact counts: every
record appended is pushed once, or counted as dropped (Redis failed, recording paused, or
the buffer full); what is left at exit is flushed by an `atexit` hook. Fail open as the
recorder does: a Redis error drops that batch, is counted and pauses recording.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass, field

from server.adapters import metrics
from server.services.scan_recorder import RecordInput, ScanRecorder

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
BATCH_MAX = 500  # records a round trip (one RPUSH)
BUFFER_MAX = 50_000  # records a process holds while Redis is slow; more are dropped


@dataclass
class ScanBatcher:
    """One process's buffer of scan records and the thread that pushes them."""

    recorder: ScanRecorder
    flush_seconds: float = FLUSH_SECONDS
    batch_max: int = BATCH_MAX
    buffer_max: int = BUFFER_MAX
    dropped: int = 0
    _items: deque[RecordInput] = field(default_factory=deque)
    _wake: threading.Event = field(default_factory=threading.Event)
    _stop: threading.Event = field(default_factory=threading.Event)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _thread: threading.Thread | None = None
    _pid: int = 0

    def add(self, item: RecordInput) -> bool:
        """Buffer one record (never blocks on I/O); return False when it was dropped."""
        if self.recorder.paused:
            self.recorder.skip(1)
            return False
        if len(self._items) >= self.buffer_max:
            with self._lock:
                self.dropped += 1
            metrics.scan_dropped("full")
            return False
        if self._pid != os.getpid():
            self._start()
        self._items.append(item)
        if len(self._items) >= self.batch_max:
            self._wake.set()
        return True

    def _start(self) -> None:
        # Started in the process that records (a gunicorn worker), never before a fork.
        with self._lock:
            if self._pid == os.getpid():
                return
            if self._pid:  # a forked child: the parent's records are the parent's to push
                self._items = deque()
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="scan-batcher", daemon=True)
            self._thread.start()
            if not self._pid:
                atexit.register(self.close)
            self._pid = os.getpid()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(self.flush_seconds)
            self._wake.clear()
            try:
                self.flush()
            except Exception:  # the thread must outlive any one bad batch (logged)
                log.exception("scan batch not pushed")

    def flush(self) -> int:
        """Push every buffered record now; return how many were pushed."""
        pushed = 0
        while True:
            batch: list[RecordInput] = []
            while len(batch) < self.batch_max:
                try:
                    batch.append(self._items.popleft())
                except IndexError:  # empty (another flush may have taken the rest)
                    break
            if not batch:
                break
            if self.recorder.paused:
                self.recorder.skip(len(batch))
            elif self.recorder.push(batch):
                pushed += len(batch)
        return pushed

    def pending(self) -> int:
        """Return how many records wait in this process's buffer."""
        return len(self._items)

    def close(self) -> None:
        """Stop the thread and push what is left (at exit, or when a test is done)."""
        self._stop.set()
        self._wake.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=2.0)
        self.flush()
