"""Result type shared by every derived value (scores, durations, dose totals).

A derivation whose inputs are incomplete must say so and name what is missing; it must
never fall back to zero, because a zero score or dose looks like data. Callers branch
with ``isinstance(result, NotComputable)`` and mypy narrows the type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Generic, TypeAlias, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Computed(Generic[T]):
    """A derived value computed from complete inputs."""

    value: T
    computable: ClassVar[bool] = True


class Recorded(str):
    """An input the chart says is absent, named with the reason ("Albumin not done"),
    as opposed to one nobody entered yet."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class NotComputable:
    """A derived value that cannot be computed; ``missing`` names the absent inputs
    (a :class:`Recorded` item says why the chart has none)."""

    missing: tuple[str, ...]
    computable: ClassVar[bool] = False

    def __post_init__(self) -> None:
        if not self.missing:
            raise ValueError("NotComputable needs at least one missing input")

    def describe(self) -> str:
        """One line for a derived field that cannot be shown, e.g. in a form or export:
        "not computable: missing Bilirubin; Albumin not done"."""
        absent = [m for m in self.missing if not isinstance(m, Recorded)]
        parts = ["missing " + ", ".join(absent)] if absent else []
        parts += [m for m in self.missing if isinstance(m, Recorded)]
        return "not computable: " + "; ".join(parts)


Derived: TypeAlias = Computed[T] | NotComputable


def missing_inputs(**inputs: object) -> tuple[str, ...]:
    """Names of the keyword arguments that are ``None``, in the order given."""
    return tuple(name for name, value in inputs.items() if value is None)


def value_or_none(result: Derived[T]) -> T | None:
    """The value, or ``None`` for export columns where a blank means "not computable"."""
    return result.value if isinstance(result, Computed) else None
