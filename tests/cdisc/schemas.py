"""The CDISC XML schemas (Define-XML 2.1, ODM 1.3.2) the tests validate against, as
shipped by the test-only package defineutils: checked offline."""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

import xmlschema

_spec = importlib.util.find_spec("defineutils")
if _spec is None or _spec.origin is None:
    raise ImportError("the test dependency defineutils is not installed: pip install -e '.[test]'")
SCHEMAS = Path(_spec.origin).parent / "validate" / "schema"


@cache
def define_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "cdisc-define-2.1" / "define2-1-0.xsd")


@cache
def odm_schema() -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(SCHEMAS / "cdisc-odm-1.3.2" / "ODM1-3-2.xsd")


def errors(schema: xmlschema.XMLSchema, path: Path) -> list[str]:
    """Every schema violation of the file at ``path``, as text."""
    return [f"{e.reason} at {e.path}" for e in schema.iter_errors(str(path))]
