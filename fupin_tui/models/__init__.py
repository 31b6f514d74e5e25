"""Storage: SQLModel tables, engine and session factory (SQLite by default, PostgreSQL by URL)."""

from fupin_tui.models.db import (
    DatabaseError,
    bulk_connection,
    db_url,
    dispose_all,
    get_engine,
    init_db,
    instance_id,
    is_sqlite,
    network_share_warning,
    resolve_county,
    session_scope,
)
from fupin_tui.models.tables import (
    SCHEMA_VERSION,
    Action,
    Backcheck,
    ForeignAction,
    MergeConflict,
    Clue,
    County,
    CountyIndicator,
    DeptRecord,
    Finding,
    FindingVerdict,
    Hamlet,
    Household,
    ImportFile,
    Inspector,
    Mark,
    Member,
    Meta,
    OrgPerson,
    Project,
    ProjectBeneficiary,
    RejectedRow,
    Sample,
    SampleItem,
    Township,
    Village,
    new_uuid,
    utcnow,
)

__all__ = [
    "SCHEMA_VERSION", "Action", "Backcheck", "ForeignAction", "MergeConflict", "Clue", "County", "DatabaseError", "DeptRecord", "Finding", "FindingVerdict",
    "Household", "ImportFile", "Inspector", "Mark", "Member", "Meta", "RejectedRow", "Sample", "SampleItem",
    "Township", "Village", "bulk_connection", "db_url", "dispose_all", "get_engine", "init_db", "instance_id", "is_sqlite",
    "network_share_warning", "new_uuid", "resolve_county", "session_scope", "utcnow",
    # issue 8 (fupin_tui/villages)
    "CountyIndicator", "Hamlet", "OrgPerson", "Project", "ProjectBeneficiary",
]
