"""The stable JSON form of a parsed card, as printed by ``hankekg parse --format json``.

Keys come in a fixed order (see :data:`KEYS`). Dates are ISO 8601 strings. Amounts and
sizes are JSON numbers: an int when the Decimal is whole, else a float made from it
(``Decimal("12.6")`` → ``12.6``); a card's amounts have at most two decimals, so the float
prints back the same digits. A role is its Finnish word (``Role.value``) or null.
Missing values are null, missing lists empty.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from typing import Any

from hankekg.model import Card, Output

KEYS: tuple[str, ...] = (
    "code", "name", "start", "end", "funders", "funding_eur", "implementers", "target_groups",
    "background", "goals", "method", "outputs", "practices", "results", "dissemination", "notes",
    "links", "compiled_by", "compiled_on", "repairs", "unmapped", "garbage", "problems", "source",
    "encoding",
)
"""The top-level keys of the JSON form, in order."""


def number(value: Decimal | None) -> int | float | None:
    """A Decimal as a JSON number: int when whole, else float; None stays None."""
    if value is None:
        return None
    return int(value) if value == value.to_integral_value() else float(value)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _output(output: Output) -> dict[str, Any]:
    return {
        "title": output.title,
        "publisher": output.publisher,
        "year": output.year,
        "format": output.format,
        "size_mb": number(output.size_mb),
        "url": output.url,
    }


def card_to_dict(card: Card) -> dict[str, Any]:
    """The JSON form of a card as a dict, keys in :data:`KEYS` order."""
    groups = card.target_groups
    return {
        "code": card.code,
        "name": card.name,
        "start": _iso(card.start),
        "end": _iso(card.end),
        "funders": [{"name": f.name, "amount_eur": number(f.amount_eur)} for f in card.funders],
        "funding_eur": number(card.funding_eur),
        "implementers": [
            {"name": i.name, "role": i.role.value if i.role else None, "role_text": i.role_text}
            for i in card.implementers
        ],
        "target_groups": (
            {"text": groups.text, "main": groups.main, "items": list(groups.items)} if groups else None
        ),
        "background": card.background,
        "goals": card.goals,
        "method": card.method,
        "outputs": [_output(o) for o in card.outputs],
        "practices": card.practices,
        "results": card.results,
        "dissemination": card.dissemination,
        "notes": card.notes,
        "links": {"registry": card.links.registry, "other": list(card.links.other)},
        "compiled_by": card.compiled_by,
        "compiled_on": card.compiled_on,
        "repairs": [
            {"line": r.line, "before": r.before, "after": r.after, "reason": r.reason} for r in card.repairs
        ],
        "unmapped": [{"line": s.line, "text": s.text} for s in card.unmapped],
        "garbage": [{"line": s.line, "text": s.text} for s in card.garbage],
        "problems": [
            {"line": p.line, "kind": p.kind, "severity": p.severity, "message": p.message}
            for p in card.problems
        ],
        "source": card.source,
        "encoding": card.encoding,
    }


def card_to_json(card: Card) -> str:
    """The JSON form of a card as text: UTF-8 characters kept, indented by two."""
    return json.dumps(card_to_dict(card), ensure_ascii=False, indent=2)
