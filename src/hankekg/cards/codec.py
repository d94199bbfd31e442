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


def _encode(value):
    if dataclasses.is_dataclass(value) and type(value).__name__ in _CLASSES:
        return {"$": type(value).__name__,
                **{f.name: _encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    if isinstance(value, Enum):
        return {"$role": value.value}
    if isinstance(value, date):
        return {"$date": value.isoformat()}
    if isinstance(value, Decimal):
        return {"$decimal": str(value)}
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {"$dict": [[k, _encode(v)] for k, v in value.items()]}
    if value is None or isinstance(value, (str, int, float, bool)):
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
