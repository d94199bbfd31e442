"""Writing output files atomically: a crash mid-write leaves the previous file whole."""

from __future__ import annotations

import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder, fsync, rename."""
    with open_atomic(path, text=False) as f:
        f.write(data)


def write_text_atomic(path: Path, text: str) -> None:
    """:func:`write_atomic` for UTF-8 text."""
    write_atomic(path, text.encode("utf-8"))


@contextmanager
def open_atomic(path: Path, text: bool = True) -> Iterator[IO]:
    """A file to write ``path`` through, for output too big to hold: written to a temporary
    file in the same folder, fsynced and renamed into place when the block ends without an
    error (removed if it raises). Text is UTF-8 with newlines as written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw:
            if text:
                with io.TextIOWrapper(raw, encoding="utf-8", newline="", write_through=False) as f:
                    yield f
                    f.flush()
                    os.fsync(raw.fileno())
            else:
                yield raw
                raw.flush()
                os.fsync(raw.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
