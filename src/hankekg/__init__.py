"""hankekg: a linked-data knowledge graph of ESF social-inclusion projects in Finland."""

__version__ = "0.1.0"
