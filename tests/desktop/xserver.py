"""A private X server for the desktop tier: Xvfb at 1366x768 with a small window manager.

Used by ``tests/test_desktop_tier.py`` (part of the normal test run) and by the
developer entry point ``python tests/desktop/run.py``. Both run the tests under
``tests/desktop`` in a child pytest with ``DISPLAY`` set to the private server and
``QT_QPA_PLATFORM=xcb``, so the application meets a real X server: window activation,
focus and frame geometry come from the window manager, as on a site workstation.

Only processes started here are ever stopped, by their process id.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TIER = "tests/desktop"
WIDTH, HEIGHT = 1366, 768
# What CI installs (.ci/run) for this tier; named in every "missing program" failure.
PACKAGES = "xvfb openbox xdotool x11-utils"
WINDOW_MANAGERS = ("openbox",)
START_TIMEOUT_S = 20.0
TIER_TIMEOUT_S = 900.0


class XServerError(RuntimeError):
    """The private X server or its window manager could not be started."""


@dataclass(frozen=True)
class Display:
    """A running private X server (``:number``) with a window manager."""

    number: int
    window_manager: str
    runtime_dir: Path

    @property
    def name(self) -> str:
        return f":{self.number}"

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """``base`` (default: this process's environment) for a Qt program on this display."""
        env = dict(os.environ if base is None else base)
        env["DISPLAY"] = self.name
        env["QT_QPA_PLATFORM"] = "xcb"
        env["XDG_RUNTIME_DIR"] = str(self.runtime_dir)
        env.pop("WAYLAND_DISPLAY", None)
        # A desktop theme of the developer's session (KDE, GNOME) would change dialogs.
        env.pop("QT_QPA_PLATFORMTHEME", None)
        env.pop("QT_STYLE_OVERRIDE", None)
        return env


def require(program: str) -> str:
    found = shutil.which(program)
    if found is None:
        raise XServerError(
            f"{program} is not installed; the desktop tier needs the Debian packages "
            f"{PACKAGES} (and Qt's xcb libraries), which .ci/run installs: "
            f"apt-get install {PACKAGES}"
        )
    return found


def _stop(process: subprocess.Popen[bytes]) -> None:
    """End a process started here (by its id) and reap it."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)


def _wait_until(
    what: str, ready: Callable[[], bool], process: subprocess.Popen[bytes], log: Path
) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise XServerError(
                f"{what} exited with status {process.returncode}: {_tail(log)}".rstrip()
            )
        if ready():
            return
        time.sleep(0.05)
    raise XServerError(f"{what} did not start within {START_TIMEOUT_S:.0f} s: {_tail(log)}")


def _tail(log: Path, lines: int = 20) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def _probe(*command: str) -> str | None:
    """A short X client's output, or ``None`` if it failed."""
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except subprocess.TimeoutExpired:
        return None
    return done.stdout if done.returncode == 0 else None


def _answers(number: int) -> bool:
    return _probe("xdpyinfo", "-display", f":{number}") is not None


def _window_manager_running(number: int) -> bool:
    root = _probe("xprop", "-display", f":{number}", "-root", "_NET_SUPPORTING_WM_CHECK")
    return root is not None and "window id #" in root


def _start_xvfb(stack: ExitStack, work: Path) -> int:
    """Xvfb on a free display number, chosen by the server itself (``-displayfd``)."""
    xvfb = require("Xvfb")
    read_end, write_end = os.pipe()
    log = work / "xvfb.log"
    with log.open("wb") as out:
        try:
            process = subprocess.Popen(
                [
                    xvfb,
                    "-displayfd",
                    str(write_end),
                    "-screen",
                    "0",
                    f"{WIDTH}x{HEIGHT}x24",
                    "-nolisten",
                    "tcp",
                    "-noreset",
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                pass_fds=(write_end,),
            )
        except OSError:
            os.close(read_end)
            raise
        finally:
            os.close(write_end)
    stack.callback(_stop, process)
    number = _read_display_number(read_end, process, log)
    _wait_until(f"Xvfb :{number}", lambda: _answers(number), process, log)
    return number


def _read_display_number(fd: int, process: subprocess.Popen[bytes], log: Path) -> int:
    data = b""
    deadline = time.monotonic() + START_TIMEOUT_S
    try:
        os.set_blocking(fd, False)
        while not data.endswith(b"\n"):
            if time.monotonic() > deadline:
                raise XServerError(f"Xvfb chose no display number: {_tail(log)}")
            try:
                chunk = os.read(fd, 64)
            except BlockingIOError:
                chunk = None
            if chunk == b"":  # the server closed the pipe
                if process.poll() is not None or not data:
                    raise XServerError(f"Xvfb exited before it was ready: {_tail(log)}")
                break
            if chunk:
                data += chunk
            else:
                time.sleep(0.02)
    finally:
        os.close(fd)
    return int(data.strip())


def _start_window_manager(stack: ExitStack, display: Display, work: Path) -> None:
    name = display.window_manager
    program = require(name)
    log = work / f"{name}.log"
    wm_env = display.env()
    # The window manager's own files (session, cache) stay in the scratch folder.
    wm_env["HOME"] = str(work)
    wm_env["XDG_CONFIG_HOME"] = str(work / "config")
    wm_env["XDG_CACHE_HOME"] = str(work / "cache")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [program, "--sm-disable"],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            env=wm_env,
        )
    stack.callback(_stop, process)
    _wait_until(name, lambda: _window_manager_running(display.number), process, log)


@contextmanager
def virtual_display() -> Iterator[Display]:
    """Start Xvfb (1366x768, 24 bit) and a window manager; stop both afterwards."""
    for program in ("xdpyinfo", "xprop"):
        require(program)
    with ExitStack() as stack:
        work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="rego-x11-")))
        runtime = work / "runtime"
        runtime.mkdir(mode=0o700)
        display = Display(_start_xvfb(stack, work), WINDOW_MANAGERS[0], runtime)
        _start_window_manager(stack, display, work)
        yield display


def pytest_command(args: Sequence[str] = ()) -> list[str]:
    """The child pytest for the tier; ``args`` are extra pytest arguments (paths too)."""
    chosen_paths = any(not a.startswith("-") and (ROOT / a.split("::")[0]).exists() for a in args)
    command = [sys.executable, "-m", "pytest"]
    if not chosen_paths:
        command.append(TIER)
    return [*command, "-q", "-p", "no:cacheprovider", *args]


def run_tier(
    args: Sequence[str] = (), *, capture: bool = False, timeout: float = TIER_TIMEOUT_S
) -> subprocess.CompletedProcess[str]:
    """Run the tier's tests in a child pytest on a private X server.

    With ``capture`` the child's output (stdout and stderr together) is returned in
    ``stdout``; otherwise it goes to this process's terminal. A child still running
    after ``timeout`` seconds is killed and :class:`subprocess.TimeoutExpired` raised.
    """
    with virtual_display() as display:
        return subprocess.run(
            pytest_command(args),
            cwd=ROOT,
            env=display.env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if capture else None,
            stderr=subprocess.STDOUT if capture else None,
            text=True,
            timeout=timeout,
            check=False,
        )
