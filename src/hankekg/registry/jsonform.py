"""The stable JSON form of a parsed registry page.

Keys come in a fixed order (see :data:`KEYS`). Dates are ISO 8601 strings, a partner's
role is its Finnish word (``Role.value``) or null, missing values are null and missing
lists empty.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from hankekg.model import RegistryRecord

KEYS: tuple[str, ...] = (
    "code", "name", "priority_axis", "specific_objective", "start", "end", "status",
    "responsible_authority", "applicant", "arrangement", "partners", "municipality", "www",
    "summary", "language", "problems", "source",
)
"""The top-level keys of the JSON form, in order."""


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def record_to_dict(record: RegistryRecord) -> dict[str, Any]:
    """The JSON form of a registry record as a dict, keys in :data:`KEYS` order."""
    axis, objective, applicant = record.priority_axis, record.specific_objective, record.applicant
    return {
        "code": record.code,
        "name": record.name,
        "priority_axis": {"number": axis.number, "label": axis.label} if axis else None,
        "specific_objective": {"code": objective.code, "label": objective.label} if objective else None,
        "start": _iso(record.start),
        "end": _iso(record.end),
        "status": record.status,
        "responsible_authority": record.responsible_authority,
        "applicant": {
            "name": applicant.name,
            "org_type": applicant.org_type,
            "business_id": applicant.business_id,
        } if applicant else None,
        "arrangement": record.arrangement,
        "partners": [
            {"name": p.name, "business_id": p.business_id, "role": p.role.value if p.role else None}
            for p in record.partners
        ],
        "municipality": record.municipality,
        "www": record.www,
        "summary": record.summary,
        "language": record.language,
        "problems": [
            {"line": p.line, "kind": p.kind, "severity": p.severity, "message": p.message}
            for p in record.problems
        ],
        "source": record.source,
    }


def record_to_json(record: RegistryRecord) -> str:
    """The JSON form of a registry record as text (UTF-8 characters kept, indented by 2)."""
    return json.dumps(record_to_dict(record), ensure_ascii=False, indent=2)
