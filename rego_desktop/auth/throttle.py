"""Slowing down repeated failed log-ins.

A wrong password must not modify the study file, so failures are counted in memory
per database and user name: after three failures each further attempt waits twice
as long as the one before (capped at five minutes). The memory-hard KDF already makes
each guess cost half a second; this stops someone trying passwords at the keyboard.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from rego_desktop.errors import LoginThrottled

FREE_ATTEMPTS = 3
MAX_DELAY_S = 300.0


@dataclass
class LoginThrottle:
    clock: Callable[[], float] = time.monotonic
    _failures: dict[tuple[str, str], tuple[int, float]] = field(default_factory=dict)

    def delay_after(self, failures: int) -> float:
        if failures < FREE_ATTEMPTS:
            return 0.0
        return float(min(MAX_DELAY_S, 2 ** (failures - FREE_ATTEMPTS + 1)))

    def check(self, database: str, username: str) -> None:
        failures, last = self._failures.get((database, username.casefold()), (0, 0.0))
        wait = last + self.delay_after(failures) - self.clock()
        if wait > 0:
            raise LoginThrottled(
                f"Too many failed log-ins for {username}; wait {wait:.0f} s and try again.",
                wait,
                zh=f"用户 {username} 登录失败次数过多，请等待 {wait:.0f} 秒后再试。",
            )

    def failed(self, database: str, username: str) -> None:
        key = (database, username.casefold())
        failures, _ = self._failures.get(key, (0, 0.0))
        self._failures[key] = (failures + 1, self.clock())

    def succeeded(self, database: str, username: str) -> None:
        self._failures.pop((database, username.casefold()), None)


DEFAULT_THROTTLE = LoginThrottle()
