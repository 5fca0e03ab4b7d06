"""Excel workbooks generated from the study definition (openpyxl, no Qt).

- :mod:`.export`: the study workbook (``rego-desktop xlsx``: a site copy that keeps
  dates, or ``--deidentified`` as the transfer file): listings per form
  (:mod:`.listings`), data dictionary and code lists (:mod:`.dictionary`), queries,
  and the ADaM-style ADTTE and ADRS sheets (:mod:`.adam`);
- :mod:`.template`: the data-entry template (``rego-desktop template``);
- :mod:`.importer`: its all-or-nothing import (``rego-desktop import``).
"""
