"""hankekg: a linked-data knowledge graph of ESF social-inclusion projects in Finland."""

__version__ = "0.1.0"


# ``hankekg.query(name, **params)`` runs a catalogue query: the query stage's package is
# itself callable (see hankekg/query/__init__.py), so the name works whether or not the
# package has been imported yet.
from hankekg import query  # noqa: E402,F401
