"""hankekg: a linked-data knowledge graph of ESF social-inclusion projects in Finland."""

__version__ = "0.1.0"


def query(name: str, **kwargs):
    """Run a catalogue query by name and return its rows (see :func:`hankekg.query.api.query`).

    Example: ``hankekg.query("projects-by-target-group", target_group="https://…")``.
    Imported lazily so that ``import hankekg`` stays light.
    """
    from hankekg.query.api import query as run

    return run(name, **kwargs)
