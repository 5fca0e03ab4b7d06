"""The site's usual unit for each field that offers several units.

A unit is never guessed (design.md section 5): a number typed for bilirubin without a
unit is refused. Most hospitals report a laboratory value in one unit, so an
administrator may declare it: the entry screens then preselect it and the template
import uses it for a number whose unit cell is empty. It is a fact about the study at
this site, not about one computer, so it lives in the study database (every
workstation and user sees the same), encrypted and authenticated like the records
(:class:`~rego_desktop.models.study.StudySetting`), readable by anyone signed in,
changed by administrators only, and every change is in the audit trail with the old
and the new unit and the reason.

Kept per field id: a field id used by several forms (bilirubin at baseline, before each
cycle and in the laboratory tests) offers the same units in all of them (the study
definition's ``validate`` holds it), so one usual unit serves them all. Units are
stored by their id ("umol/L"); people read and may type their symbol ("µmol/L").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from rego_desktop.audit import trail
from rego_desktop.audit.trail import FieldChange
from rego_desktop.auth.roles import Permission
from rego_desktop.crypto.envelope import DecryptionFailed
from rego_desktop.errors import DamagedDatabase, ValidationError
from rego_desktop.models import StudySetting, utcnow
from rego_desktop.store.study import OpenStudy
from rego_desktop.study.schema import Field, Label, StudyDefinition, Unit
from rego_desktop.study.values import unit_id, unit_text

SETTING_KEY = "site_units"


def multi_unit_fields(definition: StudyDefinition) -> dict[str, Field]:
    """Fields with a choice of units, by field id (first occurrence), in CRF order."""
    out: dict[str, Field] = {}
    for _form, f in definition.all_fields():
        if len(f.units) > 1 and f.is_input:
            out.setdefault(f.id, f)
    return out


@dataclass(frozen=True)
class SiteUnitRow:
    """One field with a choice of units, and the site's usual unit (None: not set)."""

    field_id: str
    label: Label
    units: tuple[Unit, ...]
    unit: str | None

    def unit_text(self, language: str = "en") -> str:
        """The usual unit as people read it ("" when not set)."""
        for u in self.units:
            if u.id == self.unit:
                return u.text(language)
        return ""


def setting_aad(db_uid: str, key: str, revision: int) -> bytes:
    return f"setting|{db_uid}|{key}|{revision}".encode()


def allowed_text(definition: StudyDefinition) -> str:
    """Every field with a choice of units and its units, for messages."""
    return "; ".join(
        f"{field_id} ({', '.join(u.text() for u in f.units)})"
        for field_id, f in multi_unit_fields(definition).items()
    )


class SiteUnits:
    """Read (anyone signed in) and change (administrators) the site's usual units."""

    def __init__(self, study: OpenStudy) -> None:
        self.study = study
        self.fields = multi_unit_fields(study.definition)

    # ------------------------------------------------------------ reading

    def all(self) -> dict[str, str]:
        """Field id -> unit id of every usual unit set, in CRF order."""
        with self.study.reading() as session:
            return self._read(session)

    def unit_for(self, field_id: str) -> str | None:
        """The usual unit id of ``field_id``, or None when none is set."""
        return self.all().get(field_id)

    def rows(self) -> list[SiteUnitRow]:
        """Every field with a choice of units, with its usual unit or None."""
        current = self.all()
        return [
            SiteUnitRow(field_id, f.label, f.units, current.get(field_id))
            for field_id, f in self.fields.items()
        ]

    # ------------------------------------------------------------ changing

    def set(self, field_id: str, unit: str | None, reason: str | None = None) -> bool:
        """Set (or with None clear) one field's usual unit; returns whether it changed."""
        return bool(self.set_many({field_id: unit}, reason))

    def clear(self, field_id: str, reason: str | None = None) -> bool:
        return self.set(field_id, None, reason)

    def set_many(
        self, changes: Mapping[str, str | None], reason: str | None = None
    ) -> dict[str, tuple[str | None, str | None]]:
        """Apply several changes at once, all or none; returns field id -> (old, new)
        of the ones that changed. ``unit`` may be the id or the symbol; a field or unit
        the study definition does not allow refuses the whole change with one message
        naming what is allowed."""
        self.study.user.require(Permission.STUDY_SETTINGS)
        wanted = self._validated(changes)
        with self.study.transaction() as session:
            current = self._read(session)
            updated = dict(current)
            changed: dict[str, tuple[str | None, str | None]] = {}
            for field_id, new in wanted.items():
                old = current.get(field_id)
                if old == new:
                    continue
                changed[field_id] = (old, new)
                if new is None:
                    updated.pop(field_id, None)
                else:
                    updated[field_id] = new
            if not changed:
                return {}
            self._write(session, {k: updated[k] for k in self.fields if k in updated})
            trail.append(
                session,
                self.study.keyring,
                self.study.user,
                "study.site_units",
                changes=[FieldChange(k, old, new) for k, (old, new) in changed.items()],
                reason=reason.strip() if reason and reason.strip() else None,
                details={"setting": SETTING_KEY},
            )
            return changed

    def _validated(self, changes: Mapping[str, str | None]) -> dict[str, str | None]:
        problems: list[Label] = []
        out: dict[str, str | None] = {}
        for field_id, unit in changes.items():
            f = self.fields.get(field_id.strip())
            if f is None:
                allowed = allowed_text(self.study.definition)
                problems.append(
                    Label(
                        f"{field_id!r} is not a field with a choice of units; "
                        f"those are: {allowed}.",
                        f"{field_id!r} 不是可选择单位的字段；可选择单位的字段为：{allowed}。",
                    )
                )
                continue
            if unit is None or not unit.strip():
                out[f.id] = None
                continue
            found = unit_id(f, unit)
            if found is None:
                units = " or ".join(unit_text(f, u.id) for u in f.units)
                units_zh = "或".join(unit_text(f, u.id, "zh") for u in f.units)
                problems.append(
                    Label(
                        f"{unit!r} is not a unit of {f.label.en} ({f.id}); use {units}.",
                        f"{unit!r} 不是{f.label.zh}（{f.id}）的单位；请使用 {units_zh}。",
                    )
                )
                continue
            out[f.id] = found
        if problems:
            raise ValidationError(
                " ".join(p.en for p in problems) + " Nothing was changed.",
                zh="".join(p.zh for p in problems) + "未做任何修改。",
            )
        return out

    # ------------------------------------------------------------ storage

    def _read(self, session: Session) -> dict[str, str]:
        row = session.get(StudySetting, SETTING_KEY)
        if row is None:
            return {}
        aad = setting_aad(self.study.info.db_uid, row.key, row.revision)
        try:
            data = json.loads(self.study.keyring.records.decrypt(row.payload, aad))
        except (DecryptionFailed, ValueError):
            raise DamagedDatabase(
                "The site's usual units cannot be read: the database was altered or "
                "damaged. Restore it from a backup.",
                zh="无法读取本中心的常用单位：数据库已被改动或损坏。请从备份恢复。",
            ) from None
        if not isinstance(data, dict):
            raise DamagedDatabase(
                "The site's usual units are not in the expected form.",
                zh="本中心的常用单位格式不正确。",
            )
        # A unit the definition no longer offers is not used (never guessed).
        return {
            field_id: unit
            for field_id, f in self.fields.items()
            if isinstance(unit := data.get(field_id), str) and f.unit(unit) is not None
        }

    def _write(self, session: Session, units: Mapping[str, str]) -> None:
        row = session.get(StudySetting, SETTING_KEY)
        now = utcnow()
        if row is None:
            row = StudySetting(key=SETTING_KEY, revision=1, updated_at=now, payload=b"")
            session.add(row)
        else:
            row.revision += 1
            row.updated_at = now
        plain = json.dumps(dict(units), ensure_ascii=False, separators=(",", ":")).encode()
        row.payload = self.study.keyring.records.encrypt(
            plain, setting_aad(self.study.info.db_uid, row.key, row.revision)
        )
