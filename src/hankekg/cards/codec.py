"""A lossless JSON form of :class:`~hankekg.model.Card`, for caches.

Unlike the documented JSON form of ``hankekg parse`` (:mod:`hankekg.cards.jsonform`),
this one keeps every field and type so that a card read back equals the card written.
Only the record classes of :mod:`hankekg.model` are rebuilt: reading a cache entry
never runs code (no pickle).
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date
from decimal import Decimal
from enum import Enum

from hankekg import model

_CLASSES = {cls.__name__: cls for cls in (
    model.Card, model.Funder, model.Implementer, model.TargetGroups, model.Output, model.Links,
    model.Repair, model.SourceLine, model.Problem,
)}


_FIELDS = {cls: tuple(f.name for f in dataclasses.fields(cls)) for cls in _CLASSES.values()}

# Runs of the small records a card has by the hundred, written as rows: [[line, before,
# after, reason], …] instead of one object each (a third of the size, several times faster).
_ROWS = {model.Repair: "$repairs", model.SourceLine: "$lines"}
_ROW_CLASSES = {tag: cls for cls, tag in _ROWS.items()}


def _encode(value):
    cls = type(value)
    if cls in _FIELDS:
        out = {"$": cls.__name__}
        for name in _FIELDS[cls]:
            out[name] = _encode(getattr(value, name))
        return out
    if value is None or cls in (str, int, float, bool):
        return value
    if isinstance(value, (tuple, list)):
        if value and type(value[0]) in _ROWS and all(type(v) is type(value[0]) for v in value):
            fields = _FIELDS[type(value[0])]
            return {_ROWS[type(value[0])]: [[getattr(v, f) for f in fields] for v in value]}
        return [_encode(v) for v in value]
    if isinstance(value, Enum):
        return {"$role": value.value}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, dict):
        return {"$dict": [[k, _encode(v)] for k, v in value.items()]}
    if isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot encode {type(value).__name__} in a card")


def _decode(value):
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)
    if not isinstance(value, dict):
        return value
    if "$" in value:
        cls = _CLASSES[value["$"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "$"})
    for tag, cls in _ROW_CLASSES.items():
        if tag in value:
            return tuple(cls(*row) for row in value[tag])
    if "$role" in value:
        return model.Role(value["$role"])
    if "$date" in value:
        return date.fromisoformat(value["$date"])
    if "$decimal" in value:
        return Decimal(value["$decimal"])
    if "$dict" in value:
        return {k: _decode(v) for k, v in value["$dict"]}
    raise ValueError(f"not a card value: {sorted(value)}")


def card_to_bytes(card: model.Card) -> bytes:
    """The card as UTF-8 JSON."""
    return json.dumps(_encode(card), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def card_from_bytes(data: bytes) -> model.Card:
    """The card written by :func:`card_to_bytes`.

    Raises:
        ValueError: if the data is not such a card (a damaged cache entry).
    """
    try:
        card = _decode(json.loads(data.decode("utf-8")))
    except (KeyError, TypeError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise ValueError(f"not a cached card: {err}") from err
    if not isinstance(card, model.Card):
        raise ValueError("not a cached card")
    return card
