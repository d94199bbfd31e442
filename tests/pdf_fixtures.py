"""Make the PDF cards the PDF tests read: nothing here is committed as a PDF.

:func:`make_card_pdf` draws a card's facts, restored (correct ä/ö), as Sokra laid them
out: the header line, the title line, then a two-column table with the label on the
left and the value on the right, and real link annotations over the text they belong
to. :func:`make_scanned_pdf` rasterises a PDF and wraps the picture back into an
image-only PDF, slightly rotated and speckled, to stand in for a scan. The rest make
the faulty files: encrypted, truncated, not a PDF, and a PDF without a table.
"""

from __future__ import annotations

import io
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import getAscent, getDescent, stringWidth
from reportlab.pdfgen.canvas import Canvas

REGISTRY_URL = "https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi=S21684"
THESEUS_URL = ("https://www.theseus.fi/bitstream/handle/10024/506656/URNISBN9789523443884.pdf"
               "?sequence=2&isAllowed=y")
XAMK_URL = "https://www.xamk.fi/wp-content/uploads/2019/07/rinnakkaistallenne_hyvinvoiva_asukas_on_yhteison.pdf"

REGISTRY_NOTE = "(hanke RR-tietopalvelussa)"

from tests.support import SEED_PROSE as PROSE  # noqa: E402  the seed's prose, restored by hand

OUTPUTS = (
    "Alueiden yhteisöllisyyttä rakentamassa - Yhteisömanagerin opas (Xamk, 2021) (pdf 12,6 Mt)",
    "Lintumäki, (Nuorisotyö, 2019) (pdf 4 Mt)",
    "Partti (Xamk, 2021)",
)


@dataclass(frozen=True)
class Row:
    """One table row: the label, its value, and links as (text inside the value, URL)."""

    label: str
    value: str
    links: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class CardSheet:
    """What a card PDF shows: the header and title lines above the table, and the rows."""

    header: str
    title: str
    rows: tuple[Row, ...]
    trailer: tuple[str, ...] = field(default=())


SEED = CardSheet(
    header="Koonnut Sosiaalisen osallisuuden edistämisen koordinaatiohanke — Sokra, marraskuu 2022",
    title="S21684, Hyvinvoiva asukas — yhteisöllisen asumisen kehittäminen Etelä-Savossa",
    rows=(
        Row("Hankkeen nimi, S-numero ja toteutusaika",
            "S21684 — Hyvinvoiva asukas — yhteisöllisen asumisen kehittäminen Etelä-Savossa, "
            f"1.6.2019 — 31.12.2021 {REGISTRY_NOTE}",
            ((REGISTRY_NOTE, REGISTRY_URL),)),
        Row("Rahoittaja ja toteutunut julkinen rahoitus", "Etelä-Savon ELY-keskus, 368 136 €"),
        Row("Toteuttajat",
            "Kaakkois-Suomen ammattikorkeakoulu (päätoteuttaja), ViaDia Mikkeli ry (osatoteuttaja)"),
        Row("Varsinaiset kohderyhmät",
            "Asuinalueilla pilotteihin ja asukasaktiivivalmennukseen osallistuvat, erityisesti "
            "maahanmuuttajaperheet, itsenäisesti asuvat nuoret ja sosiaalisesti heikossa asemassa olevat"),
        Row("Hankkeen tausta", PROSE["background"]),
        Row("Tavoitteet", PROSE["goals"]),
        Row("Toimintatapa", PROSE["method"]),
        Row("Tuotokset", "; ".join(OUTPUTS), ((OUTPUTS[0], THESEUS_URL), (OUTPUTS[1], XAMK_URL))),
        Row("Lupaavat osallisuuden käytännöt ja palaset", ""),
        Row("Muut tulokset ja vaikutukset", PROSE["results"]),
        Row("Levittäminen ja juurrutus", PROSE["dissemination"]),
        Row("Erityishuomioita, kehittämistyön ongelmia", PROSE["notes"]),
    ),
)
"""The seed card's facts, restored, in card order."""

FONT, BOLD = "Helvetica", "Helvetica-Bold"
SIZE, LEADING, PAD = 9.0, 11.5, 4.0
MARGIN, LABEL_WIDTH = 42.0, 150.0


@dataclass
class _Placed:
    """A word drawn on the page: its offset in the text, and where it stands (PDF points)."""

    start: int
    end: int
    x0: float
    x1: float
    baseline: float


def _wrap(text: str, font: str, size: float, width: float) -> list[list[tuple[int, str]]]:
    """Break ``text`` at spaces into lines no wider than ``width``; words keep their offsets."""
    lines: list[list[tuple[int, str]]] = [[]]
    offset = 0
    for word in text.split(" "):
        if word:
            candidate = " ".join(w for _, w in lines[-1] + [(offset, word)])
            if lines[-1] and stringWidth(candidate, font, size) > width:
                lines.append([])
            lines[-1].append((offset, word))
        offset += len(word) + 1
    return [line for line in lines if line] or [[]]


def _draw_lines(canvas: Canvas, lines: list[list[tuple[int, str]]], x: float, top: float,
                font: str, size: float) -> list[_Placed]:
    placed = []
    space = stringWidth(" ", font, size)
    canvas.setFont(font, size)
    for number, line in enumerate(lines):
        baseline = top - PAD - getAscent(font, size) - number * LEADING
        canvas.drawString(x, baseline, " ".join(word for _, word in line))
        cursor = x
        for offset, word in line:
            width = stringWidth(word, font, size)
            placed.append(_Placed(offset, offset + len(word), cursor, cursor + width, baseline))
            cursor += width + space
    return placed


def _link(canvas: Canvas, placed: Sequence[_Placed], start: int, end: int, url: str) -> None:
    """Link annotations over the words of ``text[start:end]``, one per line they wrap over."""
    by_line: dict[float, list[_Placed]] = {}
    for word in placed:
        if word.start < end and word.end > start:
            by_line.setdefault(word.baseline, []).append(word)
    ascent, descent = getAscent(FONT, SIZE), getDescent(FONT, SIZE)
    for baseline, words in sorted(by_line.items(), reverse=True):
        rect = (words[0].x0, baseline + descent, words[-1].x1, baseline + ascent)
        canvas.linkURL(url, rect, relative=0, thickness=0)


def make_card_pdf(path: Path, sheet: CardSheet = SEED) -> Path:
    """Draw ``sheet`` as a born-digital card PDF at ``path``; returns the path."""
    width, height = A4
    canvas = Canvas(str(path), pagesize=A4)
    canvas.setTitle("Sokra project card")
    value_x = MARGIN + LABEL_WIDTH
    value_width = width - MARGIN - value_x
    y = height - MARGIN
    canvas.setFont(FONT, 8)
    canvas.drawString(MARGIN, y - 8, sheet.header)
    y -= 30
    canvas.setFont(BOLD, 11)
    canvas.drawString(MARGIN, y - 11, sheet.title)
    y -= 24
    canvas.setLineWidth(0.8)
    for row in sheet.rows:
        label_lines = _wrap(row.label, BOLD, SIZE, LABEL_WIDTH - 2 * PAD)
        value_lines = _wrap(row.value, FONT, SIZE, value_width - 2 * PAD)
        rows = max(len(label_lines), len(value_lines))
        row_height = rows * LEADING + 2 * PAD + 1
        _draw_lines(canvas, label_lines, MARGIN + PAD, y, BOLD, SIZE)
        placed = _draw_lines(canvas, value_lines, value_x + PAD, y, FONT, SIZE)
        for text, url in row.links:
            start = row.value.index(text)
            _link(canvas, placed, start, start + len(text), url)
        canvas.rect(MARGIN, y - row_height, LABEL_WIDTH, row_height)
        canvas.rect(value_x, y - row_height, value_width, row_height)
        y -= row_height
    canvas.setFont(FONT, 9)
    for line in sheet.trailer:
        y -= 16
        canvas.drawString(MARGIN, y, line)
    if y < MARGIN:
        raise ValueError(f"card does not fit on one page (ends at y={y:.0f})")
    canvas.showPage()
    canvas.save()
    return path


def make_scanned_pdf(source: Path, path: Path, dpi: int = 300, angle: float = 0.5,
                     specks: float = 0.0005, seed: int = 21684) -> Path:
    """Rasterise the first page of ``source`` and wrap it into an image-only PDF, like a scan.

    Args:
        source: the PDF to scan.
        path: where the image-only PDF goes.
        dpi: resolution of the picture.
        angle: the page's skew in degrees (counter-clockwise).
        specks: share of pixels turned to dark or light dust.
        seed: for the dust, so the scan is the same on every run.
    """
    import img2pdf
    import pypdfium2
    from PIL import Image, ImageFilter

    document = pypdfium2.PdfDocument(str(source))
    try:
        image = document[0].render(scale=dpi / 72, grayscale=True).to_pil().convert("L")
    finally:
        document.close()
    image = image.rotate(angle, resample=Image.Resampling.BICUBIC, fillcolor=255)
    pixels = image.load()
    rng = random.Random(seed)
    for _ in range(int(image.width * image.height * specks)):
        x, y = rng.randrange(image.width), rng.randrange(image.height)
        pixels[x, y] = rng.choice((30, 90, 200))
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=80, dpi=(dpi, dpi))
    path.write_bytes(img2pdf.convert(buffer.getvalue()))
    return path


def without_diacritics(sheet: CardSheet = SEED) -> CardSheet:
    """The sheet with every ä and ö written as a and o, as the seed's OCR left it."""
    def strip(text: str) -> str:
        return text.translate(str.maketrans("äöÄÖ", "aoAO"))

    return CardSheet(strip(sheet.header), strip(sheet.title),
                     tuple(Row(strip(r.label), strip(r.value), tuple((strip(t), u) for t, u in r.links))
                           for r in sheet.rows), sheet.trailer)


def make_layered_scan(scan: Path, path: Path, sheet: CardSheet) -> Path:
    """The scan's page image with an invisible text layer of ``sheet`` over it, as OCR software
    leaves it (here a layer without ä and ö, as from an OCR engine that lacked them)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(str(scan))
    try:
        image = document[0].render(scale=200 / 72, grayscale=True).to_pil()
    finally:
        document.close()
    picture = io.BytesIO()
    image.save(picture, format="PNG")
    picture.seek(0)
    from reportlab.lib.utils import ImageReader

    canvas = Canvas(str(path), pagesize=A4)
    canvas.drawImage(ImageReader(picture), 0, 0, *A4)
    text = canvas.beginText(MARGIN, A4[1] - MARGIN)
    text.setTextRenderMode(3)
    text.setFont(FONT, SIZE)
    for line in (sheet.header, sheet.title, *(part for r in sheet.rows for part in (r.label, r.value))):
        text.textLine(line[:100])
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return path


def make_encrypted_pdf(source: Path, path: Path, password: str = "salasana") -> Path:
    """A copy of ``source`` that opens only with ``password`` (AES-256)."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(source))
    writer.encrypt(user_password=password, owner_password=password + "-owner", algorithm="AES-256")
    with path.open("wb") as out:
        writer.write(out)
    return path


def make_truncated_pdf(source: Path, path: Path, share: float = 0.6) -> Path:
    """The first ``share`` of ``source``'s bytes: a download cut short."""
    data = source.read_bytes()
    path.write_bytes(data[: int(len(data) * share)])
    return path


def make_not_a_pdf(path: Path) -> Path:
    """A text file named .pdf."""
    path.write_text("Tämä ei ole PDF-tiedosto.\n", encoding="utf-8")
    return path


def make_paragraph_pdf(path: Path) -> Path:
    """A born-digital PDF with a paragraph of text and no table."""
    canvas = Canvas(str(path), pagesize=A4)
    text = canvas.beginText(MARGIN, A4[1] - 2 * MARGIN)
    text.setFont(FONT, 11)
    for line in ("Sosiaalisen osallisuuden edistämisen koordinaatiohanke Sokra kokosi",
                 "hankkeista kortit. Tässä tiedostossa ei ole korttia eikä taulukkoa,",
                 "vain tämä kappale tekstiä."):
        text.textLine(line)
    canvas.drawText(text)
    canvas.showPage()
    canvas.save()
    return path
