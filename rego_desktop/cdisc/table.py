"""Tables as the package describes them: columns with their metadata (label, type,
origin, source field or derivation, controlled terminology), rows of cells.

One :class:`Table` becomes a transport file (:meth:`Table.dataset`) and its
define.xml description (:mod:`rego_desktop.cdisc.define`), so the two cannot differ.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from rego_desktop.cdisc.xpt import Cell, Dataset, Variable

Origin = Literal["Collected", "Derived", "Assigned", "Protocol", "Predecessor"]


@dataclass(frozen=True)
class Column:
    """One variable. ``source``: the CRF item (``form.field``) a collected value comes
    from; ``derivation``: how a derived one is computed; ``codelist``: the id of a code
    list of :mod:`rego_desktop.cdisc.terminology` its values belong to. ``label_zh``:
    the label in Simplified Chinese (given for the ADaM datasets, shown beside ``label``
    in the center's pooled workbook dictionary; transport files carry ``label`` only)."""

    name: str
    label: str
    kind: Literal["char", "num"] = "char"
    origin: Origin = "Collected"
    source: str = ""
    derivation: str = ""
    codelist: str | None = None
    date: bool = False
    iso8601: bool = False  # an ISO 8601 date as text (SDTM --DTC): date or partial date
    label_zh: str = field(default="", kw_only=True)


@dataclass
class Table:
    name: str
    label: str
    standard: Literal["SDTM", "ADaM"]
    klass: str  # SDTM observation class or ADaM class
    structure: str
    keys: tuple[str, ...]
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)

    def add(self, values: dict[str, Cell]) -> None:
        """A row by column name; columns not given are missing."""
        unknown = set(values) - {c.name for c in self.columns}
        if unknown:
            raise KeyError(f"{self.name}: no column {sorted(unknown)}")
        self.rows.append(tuple(values.get(c.name) for c in self.columns))

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    def length(self, column: Column) -> int:
        if column.kind == "num":
            return 8
        index = self.columns.index(column)
        longest = max((len(str(row[index] or "").encode()) for row in self.rows), default=1)
        return max(1, longest)

    def dataset(self) -> Dataset:
        variables = tuple(
            Variable(c.name, c.label, c.kind, self.length(c), c.date) for c in self.columns
        )
        return Dataset(self.name, self.label, variables, tuple(self.rows))


def seq(rows: Sequence[tuple[Cell, ...]]) -> int:
    return len(rows) + 1


def plain_number(value: float) -> str:
    """A number as text without exponent or float noise: 1329636.2, 34.208, 160."""
    text = f"{round(value, 6):.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("", "-0") else text
