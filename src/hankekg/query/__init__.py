"""The query stage: the SPARQL catalogue, one query port (embedded store, SPARQL endpoint,
fake), and pushing the graph to a triplestore.

The package itself is callable, so that ``hankekg.query("projects-active", year=2020)``
runs a catalogue query (:func:`hankekg.query.api.query`) while ``hankekg.query.catalogue``
and the other modules stay importable under the same name.
"""

from __future__ import annotations

import sys
import types


class _CallableStage(types.ModuleType):
    def __call__(self, name: str, **kwargs):
        """Run a catalogue query by name; see :func:`hankekg.query.api.query`."""
        from hankekg.query.api import query as run

        return run(name, **kwargs)


sys.modules[__name__].__class__ = _CallableStage
