"""The query service and the patient service no longer import each other (issue 16):
both build on :mod:`rego_desktop.services.casebooks`."""

from __future__ import annotations

import subprocess
import sys


def test_the_query_service_does_not_import_the_patient_service() -> None:
    code = (
        "import sys, rego_desktop.services.queries; "
        "print('rego_desktop.services.patients' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "False"


def test_the_patient_service_reexports_the_casebook_readers() -> None:
    from rego_desktop.services import casebooks, patients

    assert patients.load_casebook is casebooks.load_casebook
    assert patients.decrypt_record is casebooks.decrypt_record
    assert patients.record_aad is casebooks.record_aad
