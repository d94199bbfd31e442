"""Read Sokra cards from PDF files, born-digital or scanned.

A born-digital card is read from its text layer: pdfplumber finds the table, the left
cell of each row is the label and the right cell the value, and every link annotation
is attached to the field, and in ``Tuotokset`` to the output, whose words it sits on.

A scanned card (a page image with no text layer, or with a text layer that lost every
ä and ö) is rasterised, deskewed, its table rules are found and erased, and Tesseract
reads it with its Finnish model; the words are put into the table's cells by position.

Both paths write the same text layout that :func:`hankekg.cards.parse.parse_card`
reads (header and title lines, then each label and its value, each on its own line
between blank lines, then the URL list), so parsing and diacritic repair stay the same.
:func:`parse_pdf_card` parses that text and then gives each output the URL that sits on
it in the PDF, by position rather than by order.
"""

from __future__ import annotations

import csv
import logging
import os
import re
import shutil
import subprocess
import tempfile
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import pairwise
from pathlib import Path

from hankekg.cards.labels import join_parts, match_label
from hankekg.cards.parse import parse_card
from hankekg.errors import CardError
from hankekg.model import Card, Problem

log = logging.getLogger(__name__)

TEXT_LAYER = "text-layer"
OCR = "ocr"

OCR_DPI = 300
"""Resolution scanned pages are rasterised at for Tesseract."""

OCR_LANGUAGE = "fin"
OCR_INSTALL = "install Tesseract and its Finnish model: apt-get install tesseract-ocr tesseract-ocr-fin"
"""What to install when OCR is not available."""

OCR_TIMEOUT = 300
"""Seconds Tesseract may take for one page."""

LOW_OCR_CONFIDENCE = 0.8
"""Below this mean word confidence an OCR'd card carries a ``low-ocr-confidence`` warning."""

MIN_IMAGE_SHARE = 0.5
"""A page whose images cover at least this share of it is taken as a scan."""

_BBox = tuple[float, float, float, float]
_DIACRITICS = re.compile("[äöÄÖ]")
_OCR_CODE = re.compile(r"^[5$§][0-9]{5}(?=[,.;:]?$)")
_FINNISH_WORDS = {"ja", "sekä", "seka", "tai", "on", "ovat", "hankkeen", "hanke", "kanssa", "mm."}


class OcrUnavailable(CardError):
    """A scanned card cannot be read because Tesseract or its Finnish model is missing."""


@dataclass(frozen=True)
class PdfLink:
    """A link annotation of the PDF and where it sits.

    ``bbox`` is (x0, top, x1, bottom) in points from the page's top-left corner. ``field``
    is the card field whose value cell holds the link (``"name"`` for the registry link),
    None when it lies outside the table or its place is unknown (a scan); ``output`` is
    the 0-based index of the ``Tuotokset`` item whose words it covers.
    """

    url: str
    text: str
    page: int
    bbox: _BBox
    field: str | None = None
    output: int | None = None


@dataclass(frozen=True)
class PdfCard:
    """A card PDF read into the text layout the card parser expects.

    ``path_used`` is :data:`TEXT_LAYER` or :data:`OCR`; ``confidence`` (0–1) is, for the
    text layer, the share of table rows whose label is a known card label, and for OCR
    Tesseract's mean word confidence.
    """

    source: str
    text: str
    links: tuple[PdfLink, ...]
    path_used: str
    confidence: float
    problems: tuple[Problem, ...] = ()
    pages: int = 1

    @property
    def positioned(self) -> bool:
        """Whether the links were placed by position (text layer) rather than only listed (scan)."""
        return self.path_used == TEXT_LAYER

    @property
    def reading(self) -> str:
        """How the card was read, for reports: ``"text-layer, confidence 1.00"``."""
        return f"{self.path_used}, confidence {self.confidence:.2f}"

    def output_urls(self) -> dict[int, str]:
        """Output index → the first URL that sits on that output."""
        urls: dict[int, str] = {}
        for link in self.links:
            if link.output is not None:
                urls.setdefault(link.output, link.url)
        return urls


# --------------------------------------------------------------------------- public API


def read_pdf_card(path: Path | str) -> PdfCard:
    """Read a card PDF: its table from the text layer, or by OCR if the PDF is a scan.

    Raises:
        CardError: naming the file, if it is not a PDF, is truncated or corrupt, is
            encrypted, has no card table, or is a scan that cannot be OCR'd
            (:class:`OcrUnavailable` when Tesseract or its Finnish model is missing).
    """
    import pdfplumber
    from pdfplumber.utils.exceptions import PdfminerException

    path = Path(path)
    _check_file(path)
    try:
        with pdfplumber.open(path) as pdf:
            return _read_open(pdf, path)
    except PdfminerException as exc:
        raise _pdf_error(exc, path) from exc
    except CardError:
        raise
    except Exception as exc:  # pdfminer raises many kinds of errors on damaged files
        if _is_pdfminer_error(exc):
            raise _pdf_error(exc, path) from exc
        raise


def card_from_pdf(pdf: PdfCard, source: str | None = None) -> Card:
    """Parse a read PDF card; outputs get the URLs that sit on them in the PDF.

    Args:
        pdf: the card as :func:`read_pdf_card` read it.
        source: how the card names its source (default: the PDF's path).

    Raises:
        CardError: if the card text cannot be parsed (e.g. no project code).
    """
    source = source or pdf.source
    card = parse_card(pdf.text, source, f"pdf/{pdf.reading}")
    problems = list(card.problems) + [replace(p, path=source) for p in pdf.problems]
    outputs = card.outputs
    if pdf.links and pdf.positioned:
        urls = pdf.output_urls()
        outputs = tuple(replace(o, url=urls.get(i)) for i, o in enumerate(outputs))
        for index in sorted(i for i in urls if i >= len(outputs)):
            problems.append(Problem(source, None, "link-without-output",
                                    f"a link sits on output {index + 1}, which the parser did not find: "
                                    f"{urls[index]}", "warning"))
    return replace(card, outputs=outputs,
                   problems=tuple(sorted(problems, key=lambda p: (p.line or 0, p.kind))))


def parse_pdf_card(path: Path | str, source: str | None = None) -> Card:
    """Read and parse a card PDF (see :func:`read_pdf_card` and :func:`card_from_pdf`)."""
    return card_from_pdf(read_pdf_card(path), source or Path(path).name)


def ocr_unavailable() -> str | None:
    """Why OCR cannot run here (with what to install), or None when it can."""
    try:
        import pypdfium2  # noqa: F401
    except ImportError:
        return "pypdfium2 is not installed (pip install pypdfium2, which pdfplumber brings)"
    program = shutil.which("tesseract")
    if program is None:
        return f"the tesseract program is not installed; {OCR_INSTALL}"
    try:
        listed = subprocess.run([program, "--list-langs"], check=False, capture_output=True, text=True, timeout=30,
                                env=_tesseract_env())
    except (OSError, subprocess.SubprocessError) as exc:
        return f"the tesseract program cannot run ({exc}); {OCR_INSTALL}"
    languages = {line.strip() for line in (listed.stdout + listed.stderr).splitlines()[1:]}
    if OCR_LANGUAGE not in languages:
        return f"Tesseract has no Finnish model ({OCR_LANGUAGE}); {OCR_INSTALL}"
    return None


# --------------------------------------------------------------------------- file checks


def _check_file(path: Path) -> None:
    """Refuse what is plainly no PDF, or a PDF cut short, before a parser sees it."""
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 16384))
            tail = handle.read()
    except OSError as exc:
        raise CardError(f"cannot read the file: {exc.strerror or exc}", path) from exc
    if not head:
        raise CardError("empty file, not a PDF", path)
    if b"%PDF-" not in head:
        raise CardError("not a PDF (no %PDF- header)", path)
    if b"%%EOF" not in tail:
        raise CardError("corrupt PDF: truncated (no %%EOF end marker)", path)


def _is_pdfminer_error(exc: Exception) -> bool:
    return type(exc).__module__.split(".")[0] in {"pdfminer", "pdfplumber", "pypdfium2"}


def _pdf_error(exc: Exception, path: Path) -> CardError:
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    inner = exc.args[0] if exc.args and isinstance(exc.args[0], Exception) else exc
    if isinstance(inner, PDFPasswordIncorrect):
        return CardError("encrypted PDF: it needs a password to open; save an unprotected copy", path)
    if isinstance(inner, PDFEncryptionError):
        return CardError(f"encrypted PDF that cannot be decrypted ({inner})", path)
    detail = " ".join(str(inner).split())[:160] or type(inner).__name__
    return CardError(f"corrupt PDF: {detail}", path)


# --------------------------------------------------------------------------- layout model


@dataclass
class _Word:
    """A word on a page, in points from the top-left corner."""

    text: str
    x0: float
    top: float
    x1: float
    bottom: float
    page: int
    conf: float | None = None

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.top + self.bottom) / 2


@dataclass
class _Row:
    """One table row: the words of the label cell and of the value cell."""

    label: list[_Word] = field(default_factory=list)
    value: list[_Word] = field(default_factory=list)
    cells: list[tuple[int, _BBox]] = field(default_factory=list)
    """(page, bbox) of the value cell, one per page the row is on."""


@dataclass
class _RawLink:
    url: str
    page: int
    bbox: _BBox


@dataclass
class _Sheet:
    """What a card's pages hold: lines above the table, its rows, text outside it, links."""

    before: list[_Word] = field(default_factory=list)
    rows: list[_Row] = field(default_factory=list)
    outside: list[_Word] = field(default_factory=list)
    links: list[_RawLink] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def _inside(x: float, y: float, box: _BBox, slack: float = 0.5) -> bool:
    return box[0] - slack <= x <= box[2] + slack and box[1] - slack <= y <= box[3] + slack


def _lines(words: Iterable[_Word]) -> list[list[_Word]]:
    """Group words into lines by vertical position; each line left to right, lines top to bottom."""
    ordered = sorted(words, key=lambda w: (w.page, w.cy))
    lines: list[list[_Word]] = []
    for word in ordered:
        if lines:
            line = lines[-1]
            height = max(w.bottom - w.top for w in line)
            centre = sum(w.cy for w in line) / len(line)
            if line[0].page == word.page and abs(word.cy - centre) <= 0.5 * max(height, word.bottom - word.top):
                line.append(word)
                continue
        lines.append([word])
    return [sorted(line, key=lambda w: w.x0) for line in lines]


def _line_text(line: Sequence[_Word]) -> str:
    return " ".join(w.text for w in line)


def _text(words: Iterable[_Word]) -> str:
    return join_parts([_line_text(line) for line in _lines(words)])


def _output_items(words: Sequence[_Word]) -> dict[int, int]:
    """id(word) → index of the ``;``-separated item (outside parentheses) the word belongs to.

    Counts items as the parser's split does: a piece with nothing but spaces is no item.
    """
    items: dict[int, int] = {}
    index, depth, content = 0, 0, False
    for word in (w for line in _lines(words) for w in line):
        first = None
        for char in word.text:
            if char == ";" and depth == 0:
                if content:
                    index, content = index + 1, False
                continue
            depth = depth + 1 if char == "(" else max(depth - 1, 0) if char == ")" else depth
            if not char.isspace():
                content = True
                first = index if first is None else first
        items[id(word)] = index if first is None else first
    return items


# --------------------------------------------------------------------------- composing the text


def _compose(sheet: _Sheet, path: Path, path_used: str, confidence: float | None, pages: int) -> PdfCard:
    """Write the sheet as card text, place the links, and measure the confidence.

    Links are placed by position on the text layer only; on a scan they keep their order.
    """
    problems = list(sheet.problems)
    source = str(path)
    out: list[str] = []
    for line in _lines(sheet.before):
        out += [_line_text(line), ""]
    fields: list[str | None] = []
    for row in sheet.rows:
        label, value = _text(row.label), _text(row.value)
        found = match_label([label]) if label else None
        fields.append(found.field if found else None)
        out += [label, ""] + ([value, ""] if value else [])
    if sheet.outside:
        text = " ".join(_line_text(line) for line in _lines(sheet.outside))
        problems.append(Problem(source, None, "outside-table",
                                f"text outside the card's table, not read as data: {text[:200]!r}", "warning"))
    if path_used == TEXT_LAYER:
        links = _place_links(sheet, fields, problems, source)
    else:
        links = [PdfLink(raw.url, "", raw.page, raw.bbox) for raw in sheet.links]
    registry = [link for link in links if link.field == "name"]
    by_output = sorted((link for link in links if link.output is not None), key=lambda link: link.output)
    rest = [link for link in links if link not in registry and link not in by_output]
    urls = [link.url for link in (*registry, *by_output, *rest)]
    if urls:
        out += urls
    known = sum(1 for f in fields if f is not None)
    if confidence is None:
        confidence = known / len(fields) if fields else 0.0
    text = "\n".join(out).rstrip() + "\n"
    log.info("%s: read from the %s, %d rows (%d known labels), %d links, confidence %.2f",
             path, "OCR" if path_used == OCR else "text layer", len(fields), known, len(links), confidence)
    return PdfCard(source, text, tuple(links), path_used, round(confidence, 4), tuple(problems), pages)


def _place_links(sheet: _Sheet, fields: Sequence[str | None], problems: list[Problem],
                 source: str) -> list[PdfLink]:
    """Each link with the words it covers, its field and output; fragments of one link joined."""
    items = {}
    for row, name in zip(sheet.rows, fields):
        if name == "outputs":
            items.update(_output_items(row.value))
    placed: list[PdfLink] = []
    for raw in sorted(sheet.links, key=lambda r: (r.page, r.bbox[1], r.bbox[0])):
        row_index = next((i for i, row in enumerate(sheet.rows)
                          for page, box in row.cells
                          if page == raw.page and _inside((raw.bbox[0] + raw.bbox[2]) / 2,
                                                          (raw.bbox[1] + raw.bbox[3]) / 2, box)), None)
        words = [w for w in (sheet.rows[row_index].value if row_index is not None else [])
                 if w.page == raw.page and _inside(w.cx, w.cy, raw.bbox, 1.0)]
        name = fields[row_index] if row_index is not None else None
        output = None
        if name == "outputs" and words:
            output = Counter(items.get(id(w)) for w in words).most_common(1)[0][0]
        link = PdfLink(raw.url, _text(words).rstrip(" ;,"), raw.page, raw.bbox, name, output)
        if row_index is None:
            problems.append(Problem(source, None, "link-outside-table",
                                    f"link outside the card's table: {raw.url}", "warning"))
        previous = placed[-1] if placed else None
        if (previous and (previous.url, previous.field, previous.output, previous.page)
                == (link.url, link.field, link.output, link.page)):
            box = previous.bbox
            placed[-1] = replace(previous, text=join_parts([previous.text, link.text]),
                                 bbox=(min(box[0], raw.bbox[0]), min(box[1], raw.bbox[1]),
                                       max(box[2], raw.bbox[2]), max(box[3], raw.bbox[3])))
        else:
            placed.append(link)
    seen: dict[int, str] = {}
    for link in placed:
        if link.output is None:
            continue
        if link.output in seen and seen[link.output] != link.url:
            problems.append(Problem(source, None, "several-links",
                                    f"output {link.output + 1} has several links; the first is used, "
                                    f"also: {link.url}", "warning"))
        seen.setdefault(link.output, link.url)
    return placed


# --------------------------------------------------------------------------- the text layer


def _read_open(pdf, path: Path) -> PdfCard:
    """Read an opened PDF; choose between the text layer and OCR."""
    problems: list[Problem] = []
    if not pdf.pages:
        raise CardError("corrupt PDF: it has no pages", path)
    if pdf.doc.encryption:
        problems.append(Problem(str(path), None, "encrypted-pdf",
                                "the PDF is encrypted but opens without a password; read as usual",
                                "warning"))
    pages = [_page_words(page, number) for number, page in enumerate(pdf.pages, start=1)]
    words = [w for page_words in pages for w in page_words]
    scanned = [_image_share(page) >= MIN_IMAGE_SHARE for page in pdf.pages]
    if not words:
        if any(scanned):
            return _read_ocr(path, len(pdf.pages), problems, _all_links(pdf))
        raise CardError("no text and no scanned page: no card layout found", path)
    if _finnish_without_diacritics(words):
        if any(scanned):
            problems.append(Problem(str(path), None, "text-layer-replaced",
                                    "the text layer has no ä or ö (an OCR layer that lost them); "
                                    "the page images were read by OCR instead", "warning"))
            return _read_ocr(path, len(pdf.pages), problems, _all_links(pdf))
        problems.append(Problem(str(path), None, "text-layer-without-diacritics",
                                "the text layer has no ä or ö; the repair stage must restore them",
                                "warning"))
    sheet = _Sheet(problems=problems)
    for number, (page, page_words) in enumerate(zip(pdf.pages, pages), start=1):
        _read_tables(page, number, page_words, sheet)
    if not sheet.rows:
        if any(scanned):
            return _read_ocr(path, len(pdf.pages), problems, _all_links(pdf))
        raise CardError("no table found: no card layout (a two-column label/value table) in the PDF", path)
    if not any(match_label([_text(row.label)]) for row in sheet.rows):
        raise CardError("no card layout found: the PDF's table has no card labels", path)
    return _compose(sheet, path, TEXT_LAYER, None, len(pdf.pages))


def _page_words(page, number: int) -> list[_Word]:
    found = page.extract_words(x_tolerance_ratio=0.18, keep_blank_chars=False, use_text_flow=False)
    return [_Word(unicodedata.normalize("NFC", w["text"]), w["x0"], w["top"], w["x1"], w["bottom"], number)
            for w in found if w["text"].strip()]


def _image_share(page) -> float:
    area = float(page.width * page.height) or 1.0
    covered = sum(max(0.0, min(i["x1"], page.width) - max(i["x0"], 0))
                  * max(0.0, min(i["bottom"], page.height) - max(i["top"], 0)) for i in page.images)
    return min(covered / area, 1.0)


def _finnish_without_diacritics(words: Sequence[_Word]) -> bool:
    """A Finnish text (card labels or common Finnish words) in which not one ä or ö occurs."""
    if any(_DIACRITICS.search(w.text) for w in words):
        return False
    lines = [_line_text(line) for line in _lines(words)]
    labels = sum(1 for line in lines if len(line) <= 60 and match_label([line]))
    common = sum(1 for w in words if w.text.lower().strip(",;.") in _FINNISH_WORDS)
    return labels >= 2 or common >= 5


def _read_tables(page, number: int, words: list[_Word], sheet: _Sheet) -> None:
    """Put the page's words into the rows of its tables; words elsewhere go above or outside."""
    tables = sorted((t for t in page.find_tables() if _columns(t) >= 2), key=lambda t: t.bbox[1])
    taken: set[int] = set()
    for table in tables:
        for table_row in table.rows:
            cells = sorted((c for c in table_row.cells if c is not None), key=lambda c: c[0])
            if not cells:
                continue
            in_cells = [[w for w in words if id(w) not in taken and _inside(w.cx, w.cy, c)] for c in cells]
            for cell_words in in_cells:
                taken.update(id(w) for w in cell_words)
            label = in_cells[0]
            value = [w for cell_words in in_cells[1:] for w in cell_words]
            value_box = _union(cells[1:]) if len(cells) > 1 else cells[0]
            _add_row(sheet, label, value, (number, value_box), full_width=len(cells) == 1)
    first_top = tables[0].bbox[1] if tables else None
    for word in words:
        if id(word) in taken:
            continue
        above = word.bottom <= first_top + 0.5 if first_top is not None else not sheet.rows
        if number == 1 and above:
            sheet.before.append(word)
        else:
            sheet.outside.append(word)
    sheet.links.extend(_page_links(page, number))


def _page_links(page, number: int) -> list[_RawLink]:
    """The page's URI link annotations."""
    return [_RawLink(str(link["uri"]), number, (link["x0"], link["top"], link["x1"], link["bottom"]))
            for link in page.hyperlinks if link.get("uri")]


def _all_links(pdf) -> list[_RawLink]:
    return [link for number, page in enumerate(pdf.pages, start=1) for link in _page_links(page, number)]


def _columns(table) -> int:
    return max((sum(1 for c in row.cells if c is not None) for row in table.rows), default=0)


def _union(boxes: Sequence[_BBox]) -> _BBox:
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


def _add_row(sheet: _Sheet, label: list[_Word], value: list[_Word], cell: tuple[int, _BBox],
             full_width: bool = False) -> None:
    """Add a table row. A full-width row before any label is a title line; a row without a
    label continues the previous row's value (a row split over a page break)."""
    if not label and not value:
        return
    if full_width and not any(r.label for r in sheet.rows):
        sheet.before.extend(label + value)
        return
    if not label and sheet.rows:
        sheet.rows[-1].value.extend(value)
        sheet.rows[-1].cells.append(cell)
        return
    sheet.rows.append(_Row(label, value, [cell]))


# --------------------------------------------------------------------------- OCR


def _read_ocr(path: Path, pages: int, problems: list[Problem], links: list[_RawLink]) -> PdfCard:
    """Rasterise every page, find the table's rules, OCR the page and fill the cells.

    Link annotations (rare on a scan) are listed in page order, not placed.
    """
    reason = ocr_unavailable()
    if reason:
        raise OcrUnavailable(f"scanned PDF, but OCR cannot run: {reason}", path)
    import pypdfium2

    sheet = _Sheet(problems=problems, links=list(links))
    confidences: list[float] = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for number in range(1, len(document) + 1):
            image = document[number - 1].render(scale=OCR_DPI / 72, grayscale=True).to_pil().convert("L")
            _ocr_page(image, number, sheet, confidences, str(path))
    finally:
        document.close()
    if sheet.links:
        problems.append(Problem(str(path), None, "links-unplaced",
                                "link annotations on a scanned page are listed in their order, "
                                "not placed by position", "warning"))
    if not sheet.rows and not sheet.before:
        raise CardError("OCR found no text on the scanned pages: no card layout found", path)
    _fix_codes(sheet, str(path))
    confidence = sum(confidences) / len(confidences) if confidences else 0.0
    if confidence < LOW_OCR_CONFIDENCE:
        problems.append(Problem(str(path), None, "low-ocr-confidence",
                                f"OCR is unsure of this scan (mean word confidence {confidence:.2f}); "
                                "check the card's values", "warning"))
    return _compose(sheet, path, OCR, confidence, pages)


def _ocr_page(image, number: int, sheet: _Sheet, confidences: list[float], source: str) -> None:
    """Deskew, find rules, erase them, OCR, and sort the words into the sheet's rows."""
    from PIL import Image

    angle = _skew_angle(image)
    if abs(angle) >= 0.02:
        image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    log.debug("%s page %d: deskewed by %.2f degrees", source, number, angle)
    grid = _find_grid(image)
    if grid is not None:
        image = _erase_rules(image, grid)
    scale = 72 / OCR_DPI
    words: list[_Word] = []
    for row in _tesseract(image, source, number):
        text = unicodedata.normalize("NFC", (row.get("text") or "").strip())
        conf = float(row.get("conf") or -1)
        if not text or conf < 0 or (conf < 40 and not any(c.isalnum() for c in text)):
            continue
        left, top, width, height = (int(row[k]) for k in ("left", "top", "width", "height"))
        words.append(_Word(text, left * scale, top * scale, (left + width) * scale,
                           (top + height) * scale, number, conf / 100))
    if grid is None:
        sheet.problems.append(Problem(source, None, "no-table-rules",
                                      f"page {number}: no table rules found in the scan; read line by line",
                                      "warning"))
        if number == 1:
            sheet.before.extend(words)
        else:
            sheet.outside.extend(words)
        confidences.extend(w.conf for w in words if w.conf is not None)
        return
    rules_pt = [r * scale for r in grid.rules]
    divider_pt = grid.divider * scale
    for word in words:
        if word.cy < rules_pt[0]:
            if number == 1:
                sheet.before.append(word)
                confidences.append(word.conf)
            else:
                sheet.outside.append(word)
            continue
        if word.cy > rules_pt[-1]:
            sheet.outside.append(word)
    for top, bottom in pairwise(rules_pt):
        band = [w for w in words if top <= w.cy < bottom]
        label = [w for w in band if w.cx < divider_pt]
        value = [w for w in band if w.cx >= divider_pt]
        confidences.extend(w.conf for w in band)
        _add_row(sheet, label, value, (number, (divider_pt, top, grid.right * scale, bottom)))


def _tesseract_env() -> dict[str, str]:
    """Tesseract's environment: one OpenMP thread unless the caller chose otherwise.

    With more threads than idle cores, OpenMP's busy waiting makes a page ten times slower.
    """
    return {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}


def _tesseract(image, source: str, number: int) -> list[dict[str, str]]:
    """Run Tesseract (Finnish, automatic page segmentation) on a page image; its TSV rows."""
    with tempfile.TemporaryDirectory(prefix="hankekg-ocr-") as folder:
        picture = Path(folder) / "page.png"
        image.save(picture, dpi=(OCR_DPI, OCR_DPI))
        command = ["tesseract", str(picture), "stdout", "-l", OCR_LANGUAGE, "--psm", "3",
                   "--dpi", str(OCR_DPI), "tsv"]
        try:
            done = subprocess.run(command, check=False, capture_output=True, text=True, timeout=OCR_TIMEOUT,
                                  env=_tesseract_env())
        except subprocess.TimeoutExpired as exc:
            raise CardError(f"OCR of page {number} took over {OCR_TIMEOUT} s", source) from exc
        except OSError as exc:
            raise OcrUnavailable(f"cannot run tesseract ({exc}); {OCR_INSTALL}", source) from exc
    if done.returncode != 0:
        raise CardError(f"OCR of page {number} failed: {done.stderr.strip()[:200]}", source)
    return list(csv.DictReader(done.stdout.splitlines(), delimiter="\t", quoting=csv.QUOTE_NONE))


def _fix_codes(sheet: _Sheet, source: str) -> None:
    """OCR reads the S of a project code as 5 or $: mend it where a code stands first on a line
    of the title or first in a value (``521684 — Hyvinvoiva…``), and report each change."""
    firsts = [line[0] for line in _lines(sheet.before)]
    firsts += [_lines(row.value)[0][0] for row in sheet.rows if row.value]
    for word in firsts:
        match = _OCR_CODE.match(word.text)
        if match:
            fixed = "S" + word.text[1:]
            sheet.problems.append(Problem(source, None, "ocr-code-fixed",
                                          f"OCR read {word.text!r}; taken as {fixed!r} (S read as a digit)",
                                          "warning"))
            word.text = fixed


def _ink(image, threshold: int = 128):
    """White-on-black ink mask: 255 where the page is dark."""
    return image.point(lambda p: 255 if p < threshold else 0)


def _profile(mask, axis: str) -> list[float]:
    """Share of ink per row (``axis="rows"``) or per column, 0–1."""
    from PIL import Image

    size = (1, mask.height) if axis == "rows" else (mask.width, 1)
    return [v / 255 for v in mask.resize(size, Image.Resampling.BOX).tobytes()]


def _skew_angle(image, limit: float = 3.0) -> float:
    """The rotation (degrees, counter-clockwise) that makes the page's lines level.

    Chooses the angle whose row profile is sharpest: coarse steps at 75 dpi, fine ones at 150 dpi.
    """
    from PIL import Image

    def sharpness(mask, angle: float) -> float:
        rotated = mask.rotate(angle, resample=Image.Resampling.BILINEAR, fillcolor=0)
        profile = _profile(rotated, "rows")
        return sum((b - a) ** 2 for a, b in pairwise(profile))

    coarse = _ink(image.reduce(4), 160)
    steps = [i * 0.25 for i in range(int(-limit / 0.25), int(limit / 0.25) + 1)]
    best = max(steps, key=lambda a: sharpness(coarse, a))
    fine = _ink(image.reduce(2), 160)
    steps = [best + i * 0.05 for i in range(-5, 6)]
    return round(max(steps, key=lambda a: sharpness(fine, a)), 2)


def _runs(profile: Sequence[float], threshold: float) -> list[tuple[int, int]]:
    """Runs (first, last index) of the profile at or above ``threshold``."""
    runs, start = [], None
    for i, value in enumerate(profile):
        if value >= threshold and start is None:
            start = i
        elif value < threshold and start is not None:
            runs.append((start, i - 1))
            start = None
    if start is not None:
        runs.append((start, len(profile) - 1))
    return runs


@dataclass(frozen=True)
class _Grid:
    """A ruled table found on a page image, in pixels: the horizontal rules' (first, last) rows,
    the vertical rules' (first, last) columns, the label/value divider and the table's x extent."""

    horizontal: list[tuple[int, int]]
    vertical: list[tuple[int, int]]
    divider: float
    left: int
    right: int

    @property
    def rules(self) -> list[float]:
        """The y centre of each horizontal rule."""
        return [(a + b) / 2 for a, b in self.horizontal]


def _find_grid(image) -> _Grid | None:
    """The page's ruled two-column table, or None when it has none."""
    mask = _ink(image)
    horizontal = _runs(_profile(mask, "rows"), 0.45)
    if len(horizontal) < 2:
        return None
    top, bottom = horizontal[0][0], horizontal[-1][1]
    band = mask.crop((0, top, mask.width, bottom + 1))
    vertical = _runs(_profile(band, "columns"), 0.6)
    rule_row = _profile(mask.crop((0, horizontal[0][0], mask.width, horizontal[0][1] + 1)), "columns")
    inked = [i for i, v in enumerate(rule_row) if v > 0.5]
    if not inked:
        return None
    left, right = inked[0], inked[-1]
    inner = [(a + b) / 2 for a, b in vertical if left + 20 < (a + b) / 2 < right - 20]
    if not inner:
        return None
    return _Grid(horizontal, vertical, inner[0], left, right)


def _erase_rules(image, grid: _Grid):
    """Paint the table's rules white so that Tesseract reads no bars or dashes from them."""
    from PIL import ImageDraw

    image = image.copy()
    draw = ImageDraw.Draw(image)
    top, bottom = grid.horizontal[0][0], grid.horizontal[-1][1]
    for a, b in grid.horizontal:
        draw.rectangle((grid.left - 4, a - 3, grid.right + 4, b + 3), fill=255)
    for a, b in grid.vertical:
        draw.rectangle((a - 3, top - 4, b + 3, bottom + 4), fill=255)
    return image
