"""Where each MedDRA code of the study's CTCAE terms (``rego_desktop.study.codelists``,
``MEDDRA_LLT``) was checked, so the package's README can say it. Public listings used:

- ``v5.0``: a CTCAE v5.0 term table with the MedDRA code of each term (the Japanese
  PRO-CTCAE item list, which names the CTCAE v5.0 term and its MedDRA code);
- ``v4.03``: the CTCAE v4.03 term to MedDRA code list of the German Medical
  Informatics Initiative's oncology module (CTCAE v5.0 kept the codes of these terms);
- ``PRO-CTCAE``: NCI's PRO-CTCAE report code (CTCAE term and MedDRA code);
- ``UMLS``: the MedDRA (MDR) source code of the concept in the UMLS.
"""

from __future__ import annotations

from typing import Final

SOURCES: Final[dict[str, tuple[str, ...]]] = {
    "ppes": ("v5.0", "v4.03"),
    "hypertension": ("v4.03", "UMLS"),
    "diarrhea": ("v5.0", "PRO-CTCAE"),
    "fatigue": ("v5.0", "PRO-CTCAE"),
    "anorexia": ("v5.0", "v4.03", "PRO-CTCAE"),
    "weight_loss": ("v4.03",),
    "hoarseness": ("v5.0",),
    "mucositis_oral": ("v5.0", "PRO-CTCAE"),
    "rash": ("v5.0", "PRO-CTCAE"),
    "nausea": ("v5.0", "PRO-CTCAE"),
    "vomiting": ("v5.0", "v4.03", "PRO-CTCAE"),
    "abdominal_pain": ("v5.0", "v4.03"),
    "fever": ("v4.03",),
    "proteinuria": ("v4.03",),
    "hypothyroidism": ("v4.03",),
    "bilirubin_increased": ("v4.03", "PRO-CTCAE"),
    "ast_increased": ("v4.03", "PRO-CTCAE"),
    "alt_increased": ("v4.03", "PRO-CTCAE"),
    "platelet_decreased": ("v4.03", "PRO-CTCAE"),
    "neutrophil_decreased": ("v4.03",),
    "anemia": ("v4.03",),
    "hypophosphatemia": ("v4.03",),
    "lipase_increased": ("v4.03",),
    "ascites": ("v4.03",),
    "hepatic_failure": ("v4.03",),
    "gi_hemorrhage": ("v4.03",),
    "alopecia": ("v5.0", "v4.03"),
    "dysgeusia": ("v5.0",),
}


def notes() -> list[str]:
    """README lines: the terms whose code was checked against a v5.0 listing, and the
    terms checked against the v4.03 code list only."""
    v5 = sorted(term for term, where in SOURCES.items() if "v5.0" in where)
    older = sorted(term for term, where in SOURCES.items() if "v5.0" not in where)
    return [
        "  Checked against a CTCAE v5.0 term-to-MedDRA table: " + ", ".join(v5),
        "  Checked against the CTCAE v4.03 MedDRA code list (the term is unchanged in",
        "  v5.0; check against the CTCAE v5.0 spreadsheet before a submission): "
        + ", ".join(older),
    ]
