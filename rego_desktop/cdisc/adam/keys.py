"""The key variables every ADaM dataset after ADSL takes from ADSL (predecessors)."""

from __future__ import annotations

from typing import Final

from rego_desktop.cdisc.sdtm.common import STUDYID, USUBJID
from rego_desktop.cdisc.table import Column

ADSL_KEYS: Final[tuple[Column, ...]] = (
    STUDYID,
    USUBJID,
    Column("SITEID", "Study Site Identifier", origin="Predecessor", source="ADSL.SITEID"),
    Column("ELIGFL", "Eligibility Flag", origin="Predecessor", source="ADSL.ELIGFL", codelist="NY"),
    Column(
        "ANL01FL",
        "Analysis Population Flag",
        origin="Predecessor",
        source="ADSL.ANL01FL",
        codelist="NY",
    ),
)
