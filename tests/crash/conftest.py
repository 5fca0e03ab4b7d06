"""Running the crash-test child and killing it at a random moment."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import ADMIN, PASSWORD

ROOT = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).resolve().parent / "child.py"


def child_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONPATH=str(ROOT), REGO_USER=ADMIN, REGO_PASSWORD=PASSWORD, **extra)
    return env


@dataclass
class Killed:
    lines: list[str]  # everything the child reported after "ready", until it died
    returncode: int


def start(*args: str, **popen: object) -> subprocess.Popen[str]:
    return subprocess.Popen(  # type: ignore[call-overload, no-any-return]
        [sys.executable, str(CHILD), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=child_env(),
        **popen,
    )


def run_and_kill(rng: random.Random, *args: str, max_delay: float = 0.4) -> Killed:
    """Start the child, wait until it works, SIGKILL it after a random delay."""
    process = start(*args)
    assert process.stdout is not None
    first = process.stdout.readline()
    if first.strip() != "ready":
        _out, err = process.communicate(timeout=30)
        raise AssertionError(f"child did not start: {first!r} {err[-2000:]}")
    time.sleep(rng.uniform(0.0, max_delay))
    process.send_signal(signal.SIGKILL)
    # Read through the text wrapper: communicate() would skip what readline() buffered.
    out = process.stdout.read()
    assert process.stderr is not None
    process.stderr.read()
    process.wait(timeout=30)
    process.stdout.close()
    process.stderr.close()
    return Killed(out.splitlines(), process.returncode)
