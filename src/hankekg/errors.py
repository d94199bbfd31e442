"""The exception hierarchy of hankekg.

Library code raises these; only the command line catches them. Each carries the file
and, where known, the 1-based line the problem was found at, so a message can always
say where to look.
"""

from __future__ import annotations

from pathlib import Path


class HankekgError(Exception):
    """Base of every error hankekg raises on purpose."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        if self.path and self.line:
            return f"{self.path}:{self.line}: {self.message}"
        if self.path:
            return f"{self.path}: {self.message}"
        return self.message


class InputError(HankekgError):
    """A source document cannot be read or makes no sense (exit code 2)."""


class CardError(InputError):
    """A project card cannot be read or parsed."""


class ReferenceDataError(InputError):
    """A file under data/reference/ or data/curation/ is malformed."""


class IriError(HankekgError):
    """An IRI is not one hankekg mints, or a key cannot be made into one."""


class ValidationError(HankekgError):
    """The shapes or the graph could not be loaded for validation (exit code 2)."""


class QueryError(HankekgError):
    """A query could not be run."""


class RegistryError(InputError):
    """A EURA2014 registry page cannot be read or has no project code."""


class LinkError(HankekgError):
    """An external SPARQL endpoint or a local triplestore process failed: unreachable, too slow,
    an HTTP error, an answer that is not SPARQL JSON results, or a server that would not start."""
