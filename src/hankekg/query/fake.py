"""A fake query port for unit tests: canned answers, and a record of every call.

::

    fake = FakeQueryPort({"projects-by-target-group": Rows.of(["project"], [[URIRef(p)]])})
    rows = fake.select(catalogue.get("projects-by-target-group").text, {"target_group": tg})
    assert fake.calls[0].bindings == {"target_group": tg}

An answer is looked up by the exact query text first, then by catalogue query name (the text of
``catalogue.get(name)``); a query with no canned answer gets ``default`` (no rows).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from hankekg.errors import QueryError
from hankekg.query.port import Rows, Term

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Call:
    """One call the fake received.

    Attributes:
        kind: ``"select"`` or ``"ask"``.
        query: the query text, as given (unbound).
        bindings: the bound terms, by variable name.
        name: the catalogue query name the text was recognised as, if any.
    """

    kind: str
    query: str
    bindings: Mapping[str, Term] = field(default_factory=lambda: MappingProxyType({}))
    name: str | None = None


class FakeQueryPort:
    """A :class:`~hankekg.query.port.QueryPort` answering from a table.

    Args:
        answers: query text or catalogue query name → :class:`Rows` (SELECT), ``bool`` (ASK), or
            an exception instance to raise.
        default: the rows for a SELECT query with no canned answer; ``None`` raises QueryError.
    """

    def __init__(
        self,
        answers: Mapping[str, Rows | bool | Exception] | None = None,
        default: Rows | None = Rows((), ()),
    ):
        self.answers = dict(answers or {})
        self.default = default
        self.calls: list[Call] = []

    def _names_by_text(self) -> dict[str, str]:
        """Catalogue texts of the keys that are catalogue names (the catalogue is read lazily)."""
        names = [k for k in self.answers if "{" not in k]
        if not names:
            return {}
        from hankekg.query import catalogue

        found = {}
        for name in names:
            try:
                found[catalogue.get(name).text] = name
            except QueryError:
                continue  # not a catalogue name: a short query text, matched exactly
        return found

    def _answer(self, kind: str, query: str, bindings: Mapping[str, Term] | None):
        by_text = self._names_by_text()
        name = by_text.get(query)
        self.calls.append(Call(kind, query, MappingProxyType(dict(bindings or {})), name))
        key = query if query in self.answers else name
        if key is None:
            if kind == "ask" or self.default is None:
                raise QueryError(f"the fake query port has no answer for: {query[:80]!r}")
            return self.default
        answer = self.answers[key]
        if isinstance(answer, Exception):
            raise answer
        return answer

    def select(self, query: str, bindings: Mapping[str, Term] | None = None) -> Rows:
        """Return the canned rows for ``query``."""
        answer = self._answer("select", query, bindings)
        if not isinstance(answer, Rows):
            raise QueryError(f"the fake's answer for this query is not rows: {answer!r}")
        return answer

    def ask(self, query: str, bindings: Mapping[str, Term] | None = None) -> bool:
        """Return the canned boolean for ``query``."""
        answer = self._answer("ask", query, bindings)
        if not isinstance(answer, bool):
            raise QueryError(f"the fake's answer for this query is not a boolean: {answer!r}")
        return answer
