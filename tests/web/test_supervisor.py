"""`originxr run` keeps its children up and stops everything it started: real processes."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.adapters.config import PREFIX, UNPREFIXED
from server.web.supervisor import Backoff, Child, Supervisor, describe_exit
from tests.conftest import unused_port

ORIGINXR = Path(sys.executable).parent / "originxr"
PROC = Path("/proc")
needs_proc = pytest.mark.skipif(
    not (PROC / "self" / "stat").exists(),
    reason="needs Linux's /proc to find the processes `originxr run` starts",
)


def test_backoff_doubles_from_one_second_up_to_thirty() -> None:
    backoff = Backoff()
    assert [backoff.delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 30, 30, 30]
    assert backoff.delay(10_000) == 30  # no float overflow however long it keeps failing


def test_backoff_starts_over_after_a_child_stayed_up() -> None:
    backoff = Backoff(stable_after=60)
    assert backoff.exits_in_a_row(0, uptime=0.5) == 1
    assert backoff.exits_in_a_row(4, uptime=0.5) == 5
    assert backoff.exits_in_a_row(4, uptime=60) == 1
    assert backoff.delay(backoff.exits_in_a_row(7, uptime=3600)) == 1


def test_exit_descriptions_name_the_status_or_the_signal() -> None:
    assert describe_exit(3) == "exited with status 3"
    assert describe_exit(-signal.SIGKILL) == "was killed by SIGKILL"


def _python(code: str, *args: str) -> list[str]:
    return [sys.executable, "-c", code, *args]


def _signal_self_when(condition: Callable[[], bool], timeout: float = 60) -> None:
    """Send this process SIGTERM, from a thread, once `condition` holds (for Supervisor.run)."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while not condition() and time.monotonic() < deadline:
            time.sleep(0.05)
        os.kill(os.getpid(), signal.SIGTERM)

    threading.Thread(target=watch, daemon=True).start()


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


SLEEPER = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)"


def test_supervisor_restarts_an_exiting_child_with_backoff_and_stops_on_sigterm(
    tmp_path: Path,
) -> None:
    pid_file = tmp_path / "sleeper.pid"
    lines: list[str] = []
    children = [
        Child("quitter", _python("import sys; sys.exit(3)"), dict(os.environ)),
        Child("sleeper", _python(SLEEPER, str(pid_file)), dict(os.environ)),
    ]
    supervisor = Supervisor(children, backoff=Backoff(first=0.05, cap=0.2), log=lines.append)
    _signal_self_when(
        lambda: sum("quitter (pid" in line for line in lines) >= 4 and pid_file.exists()
    )

    assert supervisor.run() == 0

    exits = [line for line in lines if line.startswith("quitter (pid")]
    assert all("exited with status 3; restarting it in" in line for line in exits), lines
    delays = [line.rsplit(" in ", 1)[1] for line in exits[:4]]
    assert delays == ["0.05 s", "0.1 s", "0.2 s", "0.2 s"]
    assert "quitter restarted (pid" in "\n".join(lines)
    assert "SIGTERM received; stopping quitter, sleeper" in lines
    assert _gone(int(pid_file.read_text()))


def test_supervisor_kills_a_child_that_ignores_sigterm(tmp_path: Path) -> None:
    pid_file = tmp_path / "stubborn.pid"
    stubborn = "import signal; signal.signal(signal.SIGTERM, signal.SIG_IGN); " + SLEEPER
    lines: list[str] = []
    supervisor = Supervisor(
        [Child("stubborn", _python(stubborn, str(pid_file)), dict(os.environ))],
        stop_timeout=1,
        log=lines.append,
    )
    # The pid file is written after SIGTERM is ignored: signalling earlier would test nothing.
    _signal_self_when(lambda: pid_file.exists() and pid_file.stat().st_size > 0)

    assert supervisor.run() == 0

    pid = int(pid_file.read_text())
    assert any(line.startswith(f"stubborn (pid {pid}) still running") for line in lines), lines
    assert lines[-1].endswith("s after SIGTERM; killing it")
    assert _gone(pid)


# --- `originxr run` as a whole -------------------------------------------------------------


def _argv(pid: int) -> list[str]:
    return [a.decode() for a in (PROC / str(pid) / "cmdline").read_bytes().split(b"\0") if a]


def _children(parent: int) -> dict[int, list[str]]:
    """Return the live children of `parent`, pid to argv."""
    found = {}
    for stat in PROC.glob("[0-9]*/stat"):
        try:
            # The fields after the command name (which may hold spaces and parentheses).
            state, ppid = stat.read_text().rsplit(")", 1)[1].split()[:2]
            if int(ppid) == parent and state != "Z":
                found[int(stat.parent.name)] = _argv(int(stat.parent.name))
        except (OSError, ValueError):
            continue  # it ended while being read
    return found


def _instance_processes(instance: Path) -> dict[int, list[str]]:
    """Return the processes working in `instance` or given it as ORIGINXR_INSTANCE_PATH.

    The embedded redis-server daemonizes with a bare environment and its working directory
    in the instance folder (its data file is there); web and worker have it in their
    environment. As `.ci/run`'s `instance_processes` does.
    """
    marker = f"{PREFIX}INSTANCE_PATH={instance}".encode()
    found = {}
    for proc in PROC.glob("[0-9]*"):
        if proc.name == str(os.getpid()):
            continue
        try:
            cwd = Path(os.readlink(proc / "cwd"))
            environ = (proc / "environ").read_bytes().split(b"\0")
            if cwd == instance or instance in cwd.parents or marker in environ:
                found[int(proc.name)] = _argv(int(proc.name))
        except OSError:
            continue  # a kernel thread, another user's process, or one that just ended
    return found


def _status(url: str) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return int(response.status)
    except OSError:
        return None


def _wait_for(condition: Callable[[], object], timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
            pytest.fail(f"{what}: not within {timeout:g} s; originxr run's log ends:\n{tail}")
        time.sleep(0.25)


class Run:
    """`originxr run` on a free port with its own instance folder and the embedded Redis."""

    def __init__(self, tmp_path: Path) -> None:
        self.instance = tmp_path / "instance"
        self.log = tmp_path / "run.log"
        self.url = f"http://127.0.0.1:{unused_port()}/"
        env = {
            k: v for k, v in os.environ.items() if not k.startswith(PREFIX) and k not in UNPREFIXED
        }
        env[f"{PREFIX}INSTANCE_PATH"] = str(self.instance)
        port = self.url.rsplit(":", 1)[1].strip("/")
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [str(ORIGINXR), "run", "--host", "127.0.0.1", "--port", port],
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def child(self, word: str) -> int | None:
        """Return the pid of a child with `word` in its argv ("worker"; "gunicorn", a path's)."""
        children = _children(self.process.pid).items()
        pids = [pid for pid, argv in children if any(Path(a).name == word for a in argv)]
        return pids[0] if pids else None

    def text(self) -> str:
        return self.log.read_text(errors="replace")

    def kill_everything(self) -> None:
        """Kill what is left after a failed test: the process group, then the instance's."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        for pid in _instance_processes(self.instance):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def run(tmp_path: Path) -> Iterator[Run]:
    """A started `originxr run` whose home page answers; whatever it left is killed after."""
    started = Run(tmp_path)
    try:
        _wait_for(lambda: _status(started.url) == 200, 180, "GET / answering", started.log)
        yield started
    finally:
        started.kill_everything()


def _idle(run: Run, worker: int) -> Callable[[], bool]:
    """Return a check that `worker` has had no job process (RQ's work horse) for 2 s."""
    quiet_since = [time.monotonic()]

    def check() -> bool:
        if _children(worker):
            quiet_since[0] = time.monotonic()
        return time.monotonic() - quiet_since[0] >= 2

    return check


@needs_proc
def test_run_restarts_a_killed_worker_and_sigterm_stops_everything(run: Run) -> None:
    _wait_for(lambda: run.child("worker") is not None, 60, "the worker running", run.log)
    worker = run.child("worker")
    assert worker is not None
    # A work horse busy with the demo brand's builds would outlive a killed worker (RQ puts
    # it in a process group of its own) until its job ends: kill the worker when idle.
    _wait_for(_idle(run, worker), 180, "the worker idle", run.log)

    os.kill(worker, signal.SIGKILL)

    assert _status(run.url) == 200  # the web goes on serving
    _wait_for(lambda: run.child("worker") not in (None, worker), 60, "a new worker", run.log)
    assert f"worker (pid {worker}) was killed by SIGKILL; restarting it in 1 s" in run.text()
    assert _status(run.url) == 200

    _assert_signal_stops_everything(run, signal.SIGTERM)


@needs_proc
def test_run_restarts_a_killed_web_server_and_sigint_stops_everything(run: Run) -> None:
    web = run.child("gunicorn")
    assert web is not None

    os.kill(web, signal.SIGKILL)

    _wait_for(lambda: run.child("gunicorn") not in (None, web), 60, "a new web server", run.log)
    assert f"web (pid {web}) was killed by SIGKILL; restarting it in 1 s" in run.text()
    # Its old workers notice their parent is gone and exit; the new master serves.
    _wait_for(lambda: _status(run.url) == 200, 120, "GET / answering again", run.log)

    _assert_signal_stops_everything(run, signal.SIGINT)


def _assert_signal_stops_everything(run: Run, signum: int) -> None:
    """Send `signum` to `originxr run`: it exits 0 and no process of its instance is left."""
    argvs = [" ".join(argv) for argv in _instance_processes(run.instance).values()]
    assert any("redis-server" in argv for argv in argvs), argvs  # else the scan finds nothing
    assert any("gunicorn" in argv for argv in argvs), argvs

    run.process.send_signal(signum)

    assert run.process.wait(timeout=60) == 0, run.text()
    # A few seconds for the kernel to finish off processes that are exiting.
    deadline = time.monotonic() + 10
    while (left := _instance_processes(run.instance)) and time.monotonic() < deadline:
        time.sleep(0.25)
    assert not left, f"still running after originxr run exited: {left}"
    assert "originxr run: embedded Redis stopped" in run.text()
    assert (run.instance / "redis.rdb").exists()  # saved on the way down


@needs_proc
def test_a_stop_signal_while_the_app_starts_still_stops_the_embedded_redis(
    tmp_path: Path,
) -> None:
    """SIGTERM as soon as the embedded Redis runs: before `run` has set up anything else."""
    started = Run(tmp_path)
    try:
        deadline = time.monotonic() + 60
        while not any(
            "redis-server" in " ".join(argv)
            for argv in _instance_processes(started.instance).values()
        ):
            assert time.monotonic() < deadline, started.text()
            time.sleep(0.01)  # the window is a few tenths of a second: look often
        started.process.send_signal(signal.SIGTERM)
        assert started.process.wait(timeout=60) == 0, started.text()
        deadline = time.monotonic() + 10
        while (left := _instance_processes(started.instance)) and time.monotonic() < deadline:
            time.sleep(0.25)
        assert not left, f"still running after originxr run exited: {left}"
        assert "originxr run: stopped before the server started" in started.text()
        assert "originxr run: embedded Redis stopped" in started.text()
    finally:
        started.kill_everything()
