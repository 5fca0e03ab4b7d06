"""The study definition: one description of the CRF that drives everything else."""

from __future__ import annotations

from rego_desktop.study.hcc_v1 import STUDY
from rego_desktop.study.schema import StudyDefinition

CURRENT: StudyDefinition = STUDY
_KNOWN = {(STUDY.id, STUDY.version): STUDY}


def definition(study_id: str, version: str) -> StudyDefinition | None:
    """The definition a database or transfer file was written with, if this build knows it."""
    return _KNOWN.get((study_id, version))
