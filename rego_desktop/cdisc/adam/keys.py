"""The identifiers of every ADaM dataset (SDTM's, with their Chinese labels) and the key
variables every ADaM dataset after ADSL takes from ADSL (predecessors)."""

from __future__ import annotations

from dataclasses import replace
from typing import Final

from rego_desktop.cdisc.sdtm import common as sdtm
from rego_desktop.cdisc.table import Column

STUDYID: Final = replace(sdtm.STUDYID, label_zh="研究标识符")
USUBJID: Final = replace(sdtm.USUBJID, label_zh="受试者唯一标识符")

ADSL_KEYS: Final[tuple[Column, ...]] = (
    STUDYID,
    USUBJID,
    Column(
        "SITEID",
        "Study Site Identifier",
        origin="Predecessor",
        source="ADSL.SITEID",
        label_zh="研究中心标识符",
    ),
    Column(
        "ELIGFL",
        "Eligibility Flag",
        origin="Predecessor",
        source="ADSL.ELIGFL",
        codelist="NY",
        label_zh="符合入选条件标志",
    ),
    Column(
        "ANL01FL",
        "Analysis Population Flag",
        origin="Predecessor",
        source="ADSL.ANL01FL",
        codelist="NY",
        label_zh="分析人群标志",
    ),
)
