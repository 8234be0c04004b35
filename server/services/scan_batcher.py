"""Scan records of the WSGI fast path, kept per process and pushed to Redis in batches.

A page served from process memory must not wait for Redis, not even for one round trip:
its record goes into this process's buffer (an append, no I/O) and a background thread
pushes what has gathered every FLUSH_SECONDS, or sooner once BATCH_MAX are waiting,
through the recorder's one pipelined round trip (`ScanRecorder.push`) on a client of its
own whose timeout is PUSH_TIMEOUT, not the request path's SCAN_REDIS_TIMEOUT: a busy Redis
delays a batch rather than losing it, and while recording is paused after a failure the
records wait in the buffer instead of being dropped. Exact counts: every
record appended is pushed once, or counted as dropped (a push failed, or the buffer was
full); what is left at exit is flushed by an `atexit` hook. Fail open as the recorder does:
a Redis error drops that one batch (it may have been applied: never pushed twice), is
counted and pauses recording.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections import deque
from dataclasses import dataclass, field

from redis import Redis

from server.adapters import metrics
from server.services.scan_recorder import RecordInput, ScanRecorder

log = logging.getLogger(__name__)

FLUSH_SECONDS = 0.2
BATCH_MAX = 500  # records a round trip (one RPUSH)
BUFFER_MAX = 50_000  # records a process holds while Redis is slow; more are dropped
PUSH_TIMEOUT = 2.0  # seconds a batch may wait for Redis (no page waits for it)


@dataclass
class ScanBatcher:
    """One process's buffer of scan records and the thread that pushes them."""

    recorder: ScanRecorder
    redis: Redis | None = None  # its own client: off the request path, it may wait longer
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

    def flush(self, *, force: bool = False) -> int:
        """Push every buffered record now; return how many were pushed.

        While recording is paused after a Redis failure the records wait in the buffer (up
        to `buffer_max`) and go with the first flush after the pause; `force` tries anyway.
        """
        if self.recorder.paused and not force:
            return 0
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
            if not self.recorder.push(batch, via=self.redis):
                break  # that batch is counted as dropped (it may have reached Redis: no retry)
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
        self.flush(force=True)
