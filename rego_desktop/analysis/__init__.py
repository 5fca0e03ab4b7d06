"""Local endpoint summaries: the analysis dataset and the OS/PFS/TTP, ORR/DCR, AE and
dosing summary computed from it (issue 5). Pure domain code, no Qt.

- :func:`summarize` (casebooks -> JSON-ready dict), used by sites and the center;
- :func:`summarize_study` / :func:`analyse_study`: a site study, loaded in bulk;
- :func:`analyse`: the typed :class:`StudySummary` with the Kaplan-Meier fits;
- :func:`render_text`: the summary as a plain-text table.
"""

from rego_desktop.analysis.dataset import (
    ENDPOINTS,
    AnalysisRow,
    Dosing,
    EndpointName,
    Population,
    Time,
    analysis_dataset,
    analysis_row,
)
from rego_desktop.analysis.loading import (
    ANALYSIS_FORMS,
    DataVersion,
    data_version,
    load_analysis_casebooks,
    study_dataset,
)
from rego_desktop.analysis.summary import (
    AeSummary,
    DosingOverview,
    EndpointSummary,
    NotComputableEntry,
    Rate,
    ResponseSummary,
    StudySummary,
    analyse,
    analyse_study,
    months,
    summarize,
    summarize_rows,
    summarize_study,
)
from rego_desktop.analysis.text import render_text

__all__ = [
    "ANALYSIS_FORMS",
    "ENDPOINTS",
    "AeSummary",
    "AnalysisRow",
    "DataVersion",
    "Dosing",
    "DosingOverview",
    "EndpointName",
    "EndpointSummary",
    "NotComputableEntry",
    "Population",
    "Rate",
    "ResponseSummary",
    "StudySummary",
    "Time",
    "analyse",
    "analyse_study",
    "analysis_dataset",
    "analysis_row",
    "data_version",
    "load_analysis_casebooks",
    "months",
    "render_text",
    "study_dataset",
    "summarize",
    "summarize_rows",
    "summarize_study",
]
