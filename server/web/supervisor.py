"""Keep child processes running: restart those that die, stop them all on a stop signal.

`originxr run` starts its worker and its web server through a `Supervisor`. A child that
exits is restarted after a delay that doubles with each quick exit in a row (the `Backoff`
policy), so a child that cannot start does not spin; SIGTERM, SIGINT or SIGHUP stop every
child (terminate, wait, then kill) and `Supervisor.run` returns.
"""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import FrameType

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


@dataclass(frozen=True)
class Child:
    """A process to keep running: its name in the log, its argv and its environment."""

    name: str
    argv: Sequence[str]
    env: Mapping[str, str]


@dataclass(frozen=True)
class Backoff:
    """Restart delays: `first` seconds, doubling with each quick exit in a row up to `cap`.

    A child that stayed up `stable_after` seconds before it exited counts as a first exit
    again, so one crash after a long run is restarted promptly.
    """

    first: float = 1.0
    cap: float = 30.0
    stable_after: float = 60.0

    def exits_in_a_row(self, previous: int, uptime: float) -> int:
        """Return the quick exits in a row, this one included, of a child up `uptime` s."""
        return 1 if uptime >= self.stable_after else previous + 1

    def delay(self, exits: int) -> float:
        """Return the seconds to wait before restarting a child after `exits` in a row."""
        # The exponent is bounded because 2.0 ** 1100 overflows a float; the cap is hit long
        # before 64 doublings anyway.
        return min(self.cap, self.first * 2.0 ** min(max(exits - 1, 0), 64))


def describe_exit(returncode: int) -> str:
    """Describe a Popen return code: "exited with status 1", "was killed by SIGKILL"."""
    if returncode >= 0:
        return f"exited with status {returncode}"
    try:
        name = signal.Signals(-returncode).name
    except ValueError:
        name = f"signal {-returncode}"
    return f"was killed by {name}"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class _Slot:
    """One child and its restart state."""

    child: Child
    process: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    exits: int = 0
    restart_at: float | None = None
    starts: int = 0


class Supervisor:
    """Run `children`, restart those that die, stop them all when a stop signal arrives."""

    def __init__(
        self,
        children: Sequence[Child],
        *,
        backoff: Backoff | None = None,
        stop_timeout: float = 20.0,
        poll_interval: float = 0.2,
        log: Callable[[str], None] = _stderr,
    ) -> None:
        self._slots = [_Slot(child) for child in children]
        self._backoff = backoff or Backoff()
        self._stop_timeout = stop_timeout
        self._poll = poll_interval
        self._log = log
        self._signals: list[int] = []

    def run(self) -> int:
        """Start the children and keep them up until a stop signal; stop them; return 0."""
        previous = {sig: signal.signal(sig, self._request_stop) for sig in STOP_SIGNALS}
        try:
            for slot in self._slots:
                self._start(slot, time.monotonic())
            while not self._signals:
                self._tend(time.monotonic())
                time.sleep(self._poll)
            names = ", ".join(slot.child.name for slot in self._slots)
            self._log(f"{signal.Signals(self._signals[0]).name} received; stopping {names}")
        finally:
            # Also on an unexpected error: children must not outlive their supervisor.
            self._stop_all()
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        return 0

    def _request_stop(self, signum: int, _frame: FrameType | None) -> None:
        # Only record it: the loop (or _stop_all, for a second signal) acts on it.
        self._signals.append(signum)

    def _start(self, slot: _Slot, now: float) -> None:
        slot.started, slot.restart_at = now, None
        try:
            # Its own process group, so that a Ctrl-C in the terminal reaches the children
            # once, through this supervisor, rather than twice (RQ takes a second signal as
            # "kill the running job now").
            slot.process = subprocess.Popen(
                list(slot.child.argv), env=dict(slot.child.env), process_group=0
            )
        except OSError as exc:
            self._schedule_restart(slot, now, f"could not be started ({exc})")
            return
        if slot.starts:
            self._log(f"{slot.child.name} restarted (pid {slot.process.pid})")
        slot.starts += 1

    def _tend(self, now: float) -> None:
        for slot in self._slots:
            if slot.process is not None:
                code = slot.process.poll()
                if code is not None:
                    pid, slot.process = slot.process.pid, None
                    self._schedule_restart(slot, now, f"(pid {pid}) {describe_exit(code)}")
            elif slot.restart_at is not None and now >= slot.restart_at:
                self._start(slot, now)

    def _schedule_restart(self, slot: _Slot, now: float, what: str) -> None:
        slot.exits = self._backoff.exits_in_a_row(slot.exits, now - slot.started)
        delay = self._backoff.delay(slot.exits)
        slot.restart_at = now + delay
        self._log(f"{slot.child.name} {what}; restarting it in {delay:g} s")

    def _stop_all(self) -> None:
        running = [(s.child.name, s.process) for s in self._slots if s.process is not None]
        for _name, process in running:
            # A child that died since the last poll is not signalled: Popen.terminate polls
            # first, and a dead child that is not yet reaped keeps its pid, so no stranger
            # can be hit.
            process.terminate()
        began = time.monotonic()
        deadline = began + self._stop_timeout
        signals_before = len(self._signals)
        while (
            any(process.poll() is None for _name, process in running)
            and time.monotonic() < deadline
            and len(self._signals) == signals_before  # another Ctrl-C: do not wait
        ):
            time.sleep(self._poll)
        for name, process in running:
            if process.poll() is None:
                waited = f"{time.monotonic() - began:.0f} s"
                self._log(
                    f"{name} (pid {process.pid}) still running {waited} after SIGTERM; killing it"
                )
                process.kill()
                process.wait()
