"""Where hankekg finds its ontology, shapes, queries and bundled reference data.

Paths are anchored on the installed package, never on the working directory. A wheel
carries the folders under ``hankekg/_resources``; a source checkout (editable install)
reads them from the repository root.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def _root() -> Path:
    bundled = _PACKAGE / "_resources"
    if (bundled / "ontology").is_dir():
        return bundled
    checkout = _PACKAGE.parent.parent
    if (checkout / "ontology").is_dir():
        return checkout
    raise FileNotFoundError(f"hankekg resources not found under {bundled} or {checkout}")


def ontology_dir() -> Path:
    """The folder of ontology/ (hankekg.ttl and the declarations of reused terms)."""
    return _root() / "ontology"


def shapes_dir() -> Path:
    """The folder of shapes/ (SHACL)."""
    return _root() / "shapes"


def queries_dir() -> Path:
    """The folder of queries/ (the SPARQL catalogue)."""
    return _root() / "queries"


def bundled_reference_dir() -> Path:
    """data/reference/ as shipped with hankekg (gazetteers, concept mappings)."""
    return _root() / "data" / "reference"


def reference_dir(data_dir: Path | None = None) -> Path:
    """The reference folder of ``data_dir`` if it has one, else the bundled one."""
    if data_dir is not None and (data_dir / "reference").is_dir():
        return data_dir / "reference"
    return bundled_reference_dir()
