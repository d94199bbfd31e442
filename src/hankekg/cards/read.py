"""Read the text of a card file: guess its encoding, normalise line ends and Unicode."""

from __future__ import annotations

import codecs
import logging
import unicodedata
from collections import Counter
from pathlib import Path

from hankekg.errors import CardError, InputError

log = logging.getLogger(__name__)

_BOMS: tuple[tuple[bytes, str], ...] = (
    # UTF-32 first: its little-endian BOM begins with the UTF-16 one.
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)

_C1 = bytes(range(0x80, 0xA0))
_CONTROL_SHARE = 0.02
"""Above this share of control characters a decoded file is taken as binary."""
_TEXT_SHARE = 0.75
"""Below this share of letters, digits, spaces and common punctuation a file is binary."""
MAX_BYTES = 1_000_000
"""Largest source file read (a card is a page or two, about 5 kB; a registry page some 10 kB).

A bigger file is refused before it is read: a 50 MB card went on building for over ten minutes
and 12 GB of memory (every word through the ä/ö repair, every repair into the graph).
"""
_CONTROL_CATEGORIES = frozenset({"Cc", "Cs", "Co", "Cn"})
_COMMON_PUNCT = set(".,;:!?-–—()[]\"'’‘“”«»/&%€$+*=#@_\\<>|~^`{}")


def read_card(path: Path) -> tuple[str, str]:
    """Read a card's text.

    Tries, in order: a byte-order mark (UTF-8, UTF-16, UTF-32), strict UTF-8, then
    cp1252 when bytes 0x80–0x9F occur (where cp1252 has letters and € but latin-1
    has control characters), else latin-1. Line ends become ``\\n``, form feeds are
    dropped, and the text is NFC-normalised.

    Returns:
        the text and the name of the encoding it was decoded with.

    Raises:
        CardError: if the file is empty, larger than :data:`MAX_BYTES`, or is not text.
    """
    path = Path(path)
    check_size(path, CardError, "a card")
    data = path.read_bytes()
    text, encoding = decode(data, path)
    if not text.strip():
        raise CardError("empty file", path, 1)
    _check_text(text, path)
    log.debug("read %s as %s", path, encoding)
    return normalise(text), encoding


def check_size(path: Path, error: type[InputError], what: str) -> None:
    """Raise ``error`` (a HankekgError class) if the file at ``path`` is over :data:`MAX_BYTES`."""
    try:
        size = path.stat().st_size
    except OSError:
        return  # reading it will say what is wrong
    if size > MAX_BYTES:
        raise error(f"file of {size / 1e6:.1f} MB is larger than {what} can be "
                    f"(limit {MAX_BYTES / 1e6:.0f} MB); not read", path)


def decode(data: bytes, path: Path | str) -> tuple[str, str]:
    """Decode the bytes of a card file; see :func:`read_card`.

    Raises:
        CardError: if the bytes are empty, hold NUL bytes outside UTF-16/32, or fail to decode.
    """
    if not data:
        raise CardError("empty file", path, 1)
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding
            except UnicodeDecodeError as exc:
                raise CardError(f"binary file, not a card ({encoding}: {exc.reason})", path,
                                _line_of(data, exc.start)) from exc
    nul = data.find(b"\x00")
    if nul >= 0:
        raise CardError("binary file, not a card (NUL byte)", path, _line_of(data, nul))
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    if any(b in _C1 for b in data):
        try:
            return data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            log.debug("%s: bytes 0x80-0x9F but not cp1252; reading as latin-1", path)
    return data.decode("latin-1"), "latin-1"


def normalise(text: str) -> str:
    """Line ends to ``\\n``, form feeds (page breaks) dropped, BOM dropped, Unicode NFC."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "").lstrip("\ufeff")
    return unicodedata.normalize("NFC", text)


def _check_text(text: str, path: Path) -> None:
    """Raise CardError when too many characters are control characters, or too few
    are letters, digits or common punctuation (whitespace aside).

    Each distinct character is classified once, weighted by how often it occurs.
    """
    control = textual = visible = 0
    for char, count in Counter(text).items():
        if unicodedata.category(char) in _CONTROL_CATEGORIES and char not in "\n\r\t\f":
            control += count
        if not char.isspace():
            visible += count
            if char.isalnum() or char in _COMMON_PUNCT:
                textual += count
    if not visible:
        return
    control += text.count("\ufffd")
    if control / len(text) > _CONTROL_SHARE or textual / visible < _TEXT_SHARE:
        raise CardError("binary file, not a card (mostly non-text)", path, _first_bad_line(text))


def _first_bad_line(text: str) -> int:
    for number, line in enumerate(text.replace("\r\n", "\n").split("\n"), start=1):
        if any(unicodedata.category(c) == "Cc" and c != "\t" for c in line):
            return number
    return 1


def _line_of(data: bytes, offset: int) -> int:
    return data.count(b"\n", 0, offset) + 1
