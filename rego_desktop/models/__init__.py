"""SQLAlchemy 2.0 typed models of the site study database.

Import this package (not single modules) so every table is registered on
``Base.metadata`` before Alembic compares models with migrations.
"""

from rego_desktop.models import site_keys as site_keys  # registers its tables
from rego_desktop.models.analysis import StoredAnalysisRow
from rego_desktop.models.audit import AuditEntry
from rego_desktop.models.base import Base, UTCDateTime, new_uid, utcnow
from rego_desktop.models.patients import Patient, Record
from rego_desktop.models.queries import Query
from rego_desktop.models.signatures import Signature
from rego_desktop.models.study import KeySlot, StudyMeta, StudySetting
from rego_desktop.models.users import User

__all__ = [
    "AuditEntry",
    "Base",
    "KeySlot",
    "Patient",
    "Query",
    "Record",
    "Signature",
    "StoredAnalysisRow",
    "StudyMeta",
    "StudySetting",
    "UTCDateTime",
    "User",
    "new_uid",
    "utcnow",
]
