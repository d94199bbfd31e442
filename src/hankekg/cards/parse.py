"""Parse the OCR'd text of a Sokra card into a :class:`~hankekg.model.Card`.

Parsing runs in two steps. :func:`segment` sorts every line of the text: header,
title, labels (fuzzy-matched, possibly split over lines), the value lines of each
field, unknown labels and their lines (unmapped), logo garbage and the URL list.
:func:`parse_card` then reads each field's value. OCR spelling is kept as it is;
only whitespace is collapsed, wrapped lines joined and spaced dashes in names
normalised. Diacritic repair is a later stage.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from hankekg.cards.labels import join_parts, match_label, match_month, match_role
from hankekg.errors import CardError
from hankekg.iris import PROJECT_CODE
from hankekg.model import (
    PROSE_FIELDS,
    Card,
    Funder,
    Implementer,
    Links,
    Output,
    Problem,
    SourceLine,
    TargetGroups,
)

log = logging.getLogger(__name__)

MAX_LABEL_LINES = 3
"""A label is split over at most this many lines."""

_DASH = "[-–—]"
_CODE_IN_TEXT = re.compile(r"(?<![A-Za-z0-9])([A-Z][0-9]{5})(?![0-9])")
_TITLE = re.compile(r"^\s*([A-Z][0-9]{5})(?![0-9])\s*[,.:;]?\s*(.*)$")
_HEADER = re.compile(r"^\s*k[o0]{1,2}n{1,2}u[nt]{1,2}\b", re.IGNORECASE)
_MONTH_YEAR = re.compile(r"(\S+)\s+((?:19|20)[0-9]{2})\s*\.?\s*$")
_DATE = r"([0-9]{1,2})\s?\.\s?([0-9]{1,2})\s?\.\s?([0-9]{4})"
_PERIOD = re.compile(_DATE + r"\s*" + _DASH + r"+\s*" + _DATE)
_SPACED_DASH = re.compile(r"\s+[-–—]+\s+")
_URL_START = re.compile(r"^(?:https?:|javascript:|mailto:|ftp:|file:|www\.)", re.IGNORECASE)
_GOOD_URL = re.compile(r"^https?://\S+$", re.IGNORECASE)
_REGISTRY_URL = re.compile(r"eura2014\.fi/.*projekti\.php", re.IGNORECASE)
_AMOUNT = re.compile(
    r",?\s*(?P<approx>\b(?:n\.|noin)\s*)?"
    r"(?P<number>[0-9]{1,3}(?:[ \u00a0\u202f.][0-9]{3})+(?:,[0-9]+)?|[0-9]+(?:,[0-9]+)?)"
    r"\s*(?:€|EUR\b|euroa\b)",
    re.IGNORECASE,
)
_ESPECIALLY = re.compile(r",?\s*\berityisesti\b\s*", re.IGNORECASE)
_FILE_PART = re.compile(
    r"^(?P<format>[a-z][a-z0-9]{1,4})?\s*(?:(?P<size>[0-9]+(?:[,.][0-9]+)?)\s*(?P<unit>mt|mb|m|kt|kb)?)?$",
    re.IGNORECASE,
)
_FORMATS = {"pdf", "doc", "docx", "odt", "rtf", "ppt", "pptx", "xls", "xlsx", "mp3", "mp4",
            "html", "htm", "epub", "zip", "jpg", "jpeg", "png", "txt", "mov", "avi"}
_PUBLISHER_YEAR = re.compile(r"^(?P<publisher>.*?)[,\s]*(?P<year>(?:19|20)[0-9]{2})$")
_LOGO_PHRASE = re.compile(
    r"\beuroopan\s+(?:unioni|sosiaalirahasto)\b|\bsosiaalirahasto\b|\bvipuvoimaa\b|"
    r"\b2\s*0\s*1\s*4\s*[-–—]\s*2\s*0\s*2\s*0\b",
    re.IGNORECASE,
)
_LOGO_WORDS = {"sokra", "thl", "diak", "eu"}
_COORDINATORS = {"ja", "tai", "sekä", "seka", "eli", "ynnä"}
"""After a line-end hyphen these keep the hyphen and a space (as in :func:`join_parts`)."""
_CONNECTIVES = {"ja", "sekä", "seka", "sek&", "tai", "eli", "kuten", "mm.", "esim.", "sekd", "seké"}


# --------------------------------------------------------------------------- segmenting


@dataclass(frozen=True)
class LabelHit:
    """A label found in the text: the field it names (None if unknown) and its lines."""

    field: str | None
    first: int
    last: int
    text: str


@dataclass
class Layout:
    """Where every line of a card went. Line numbers are 1-based.

    ``values`` maps a field to its non-blank value lines. Header, title, label and URL
    lines are structure; every other non-blank line is in ``values``, ``unmapped``
    or ``garbage``.
    """

    lines: list[str]
    header: list[tuple[int, str]] = field(default_factory=list)
    title: list[tuple[int, str]] = field(default_factory=list)
    labels: list[LabelHit] = field(default_factory=list)
    values: dict[str, list[tuple[int, str]]] = field(default_factory=dict)
    unmapped: list[SourceLine] = field(default_factory=list)
    garbage: list[SourceLine] = field(default_factory=list)
    urls: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    def structure_lines(self) -> set[int]:
        """Line numbers of header, title, label and URL lines."""
        numbers = {n for n, _ in self.header} | {n for n, _ in self.title} | {n for n, _ in self.urls}
        for hit in self.labels:
            numbers.update(range(hit.first, hit.last + 1))
        return numbers


def segment(text: str, source: str = "<card>") -> Layout:
    """Sort the lines of a card's text into header, title, labels, values, garbage and URLs."""
    lines = text.split("\n")
    layout = Layout(lines)
    body_end = _find_urls(lines, layout)
    start = _find_header(lines, body_end, layout)
    layout.labels = _find_labels(lines, start, body_end)
    first_label = layout.labels[0].first - 1 if layout.labels else body_end
    _find_title(lines, start, first_label, layout)
    for index, hit in enumerate(layout.labels):
        end = layout.labels[index + 1].first - 1 if index + 1 < len(layout.labels) else body_end
        region = _nonblank(lines, hit.last, end)
        if index + 1 == len(layout.labels):
            region = _split_garbage(lines, region, layout)
        _assign_region(hit, region, layout, source)
    layout.unmapped.sort(key=lambda s: s.line)
    return layout


def _nonblank(lines: Sequence[str], start: int, end: int) -> list[tuple[int, str]]:
    """Non-blank lines with 0-based indexes ``start <= i < end``, as (1-based number, text)."""
    return [(i + 1, lines[i]) for i in range(start, end) if lines[i].strip()]


def _is_url_line(line: str) -> bool:
    return bool(_URL_START.match(line.strip()))


def _find_urls(lines: Sequence[str], layout: Layout) -> int:
    """Collect the trailing block of URL lines; return the 0-based index where it starts."""
    start = len(lines)
    for i in range(len(lines) - 1, -1, -1):
        if not lines[i].strip():
            continue
        if not _is_url_line(lines[i]):
            break
        start = i
    layout.urls = [(n, t.strip()) for n, t in _nonblank(lines, start, len(lines))]
    return start


def _find_header(lines: Sequence[str], end: int, layout: Layout) -> int:
    """Find the ``Koonnut …`` header among the first lines; return the index after it."""
    body = _nonblank(lines, 0, end)
    if not body or not _HEADER.match(body[0][1]):
        return 0
    layout.header.append((body[0][0], body[0][1].strip()))
    # A wrapped header: continue while the month and year have not been seen.
    for number, text in body[1:3]:
        if _MONTH_YEAR.search(layout.header[-1][1]) or _TITLE.match(text) or match_label([text]):
            break
        layout.header.append((number, text.strip()))
    return layout.header[-1][0]


def _find_labels(lines: Sequence[str], start: int, end: int) -> list[LabelHit]:
    """Find the known labels, each fuzzy-matched on up to :data:`MAX_LABEL_LINES` non-blank lines."""
    body = _nonblank(lines, start, end)
    texts = [t for _, t in body]
    short = [len(t.strip()) <= 70 for t in texts]
    hits: list[LabelHit] = []
    k = 0
    while k < len(body):
        best = None
        for count in range(1, MAX_LABEL_LINES + 1):
            if k + count > len(body) or not short[k + count - 1]:
                break  # a label is on short lines only
            parts = body[k:k + count]
            found = match_label(texts[k:k + count])
            if found and (best is None or found.score > best[0].score):
                best = (found, parts)
        if best:
            found, parts = best
            hits.append(LabelHit(found.field, parts[0][0], parts[-1][0],
                                 join_parts([t for _, t in parts])))
            k += len(parts)
        else:
            k += 1
    return hits


def _find_title(lines: Sequence[str], start: int, end: int, layout: Layout) -> None:
    """The title line ``<code>, <name>`` before the first label, with lines wrapped right after it.

    Any other line before the first label is unmapped.
    """
    before = _nonblank(lines, start, end)
    k = next((k for k, (_, text) in enumerate(before) if _TITLE.match(text)), len(before))
    title_end = k + 1
    while title_end < len(before) and before[title_end][0] == before[title_end - 1][0] + 1:
        title_end += 1
    layout.title = [(n, t.strip()) for n, t in before[k:title_end]]
    rest = before[:k] + before[title_end:]
    layout.unmapped.extend(SourceLine(n, t.strip(), "unmapped") for n, t in rest)


def _split_garbage(lines: Sequence[str], region: list[tuple[int, str]],
                   layout: Layout) -> list[tuple[int, str]]:
    """Cut the logo garbage off the end of the last field's lines; return what is left."""
    for k, (number, text) in enumerate(region):
        after_blank = k == 0 or not lines[number - 2].strip()
        if after_blank and looks_like_junk(text):
            layout.garbage = [SourceLine(n, t.strip(), "garbage") for n, t in region[k:]]
            return region[:k]
    return region


def looks_like_junk(line: str) -> bool:
    """Whether a line looks like OCR'd logo graphics rather than words.

    True for short lines with the logos' phrases (Euroopan unioni, Euroopan
    sosiaalirahasto, 2014–2020), lines of nothing but logo names (Sokra, THL, Diak)
    and odd tokens, lines mostly of symbols, and lines where few tokens are words.
    Numbers, single letters and bare punctuation count neither way.
    """
    tokens = line.split()
    if not tokens:
        return False
    if len(tokens) <= 6 and _LOGO_PHRASE.search(line):
        return True
    cores = [_core(t) for t in tokens]
    if any(c.lower() in _LOGO_WORDS for c in cores) and all(
        c.lower() in _LOGO_WORDS or not _is_real_word(c) for c in cores
    ):
        return True
    chars = [c for c in line if not c.isspace()]
    if sum(c.isalnum() for c in chars) / len(chars) < 0.6:
        return True
    scored = [c for c in cores if len(c) > 1 and not re.fullmatch(r"[0-9.,:;–—-]*", c)]
    if not scored:
        return False
    return sum(1 for c in scored if _is_real_word(c)) / len(scored) < 0.6


def _core(token: str) -> str:
    return token.strip(".,;:!?\"'()[]«»“”’‘")


def _is_real_word(core: str) -> bool:
    parts = [p for p in re.split(r"[-:]", core) if p]
    if not parts or len(core) < 2:
        return False
    return all(p.isalpha() and (p.islower() or p.isupper() or p[1:].islower()) for p in parts)


def _assign_region(hit: LabelHit, region: list[tuple[int, str]], layout: Layout, source: str) -> None:
    """Give a label's lines to its field; lines after an unknown label become unmapped."""
    while True:
        cut = _unknown_label_at(region, layout.lines)
        own, rest = region[:cut], region[cut:]
        if hit.field is not None and hit.field not in layout.values:
            layout.values[hit.field] = own
        else:
            if hit.field is not None:
                layout.problems.append(Problem(source, hit.first, "duplicate-field",
                                               f"second {hit.text!r} label; its lines are unmapped"))
            layout.unmapped.extend(SourceLine(n, t.strip(), "unmapped") for n, t in own)
        if not rest:
            return
        number, text = rest[0]
        hit = LabelHit(None, number, number, text.strip())
        layout.problems.append(Problem(source, number, "unknown-label",
                                       f"unknown label {hit.text!r}; its lines are unmapped"))
        layout.unmapped.append(SourceLine(number, hit.text, "unmapped"))
        region = rest[1:]


def _unknown_label_at(region: list[tuple[int, str]], lines: Sequence[str]) -> int:
    """Index of the first line of ``region`` that looks like an unknown label, else ``len(region)``."""
    for k in range(1, len(region) - 1):
        number, text = region[k]
        prev_text = region[k - 1][1].strip()
        blank_before = not lines[number - 2].strip()
        blank_after = number < len(lines) and not lines[number].strip()
        if blank_before and blank_after and looks_like_label(text) and not _continues(prev_text):
            return k
    return len(region)


def looks_like_label(line: str) -> bool:
    """Whether a lone line has the shape of a card label: short, capitalised, no sentence marks."""
    text = line.strip()
    words = text.split()
    return (
        0 < len(words) <= 6
        and len(text) <= 60
        and text[0].isupper()
        and not re.search(r"[.;:!?€()0-9]", text)
        and not looks_like_junk(text)
    )


def _continues(previous: str) -> bool:
    """Whether a value line visibly goes on into the next line."""
    last_word = previous.split()[-1].lower() if previous.split() else ""
    return previous.endswith((",", "-", "–", "—", "(")) or last_word in _CONNECTIVES


# --------------------------------------------------------------------------- values


@dataclass(frozen=True)
class Value:
    """A field's value: wrapped lines joined into one text, remembering which line each part came from."""

    text: str
    starts: tuple[tuple[int, int], ...]

    @classmethod
    def of(cls, lines: Sequence[tuple[int, str]]) -> Value:
        """Join non-blank (line number, text) pairs as :func:`join_parts` does, in linear time.

        Each line is joined to the end of the text so far by join_parts' rules; joining the
        whole text again for every line was quadratic (a 1 MB prose field took 25 s).
        """
        pieces: list[str] = []
        starts: list[tuple[int, int]] = []
        length, tail = 0, ""  # the length and the last two characters of the text so far
        for number, line in lines:
            part = " ".join(line.split())
            if part:
                sep = " " if pieces else ""
                if tail.endswith("-") and len(tail) > 1 and tail[-2].isalpha():
                    if part.split()[0].lower() in _COORDINATORS:
                        sep = " "
                    elif part[0].islower():  # a hyphenated word: drop the hyphen, no space
                        pieces[-1], length, tail, sep = pieces[-1][:-1], length - 1, tail[:-1], ""
                    else:
                        sep = ""
                pieces.append(sep + part)
                length += len(sep) + len(part)
                tail = (tail + sep + part)[-2:]
            starts.append((length - len(part), number))
        return cls("".join(pieces), tuple(starts))

    def line_at(self, offset: int) -> int:
        """The source line of the character at ``offset`` of the joined text."""
        number = self.starts[0][1] if self.starts else 1
        for start, line in self.starts:
            if start <= offset:
                number = line
        return number

    @property
    def first_line(self) -> int:
        return self.starts[0][1] if self.starts else 1


def dash_normalise(text: str) -> str:
    """A spaced dash (``" — "``, ``" - "``, ``" – "``) becomes ``" – "``, the Finnish style."""
    return _SPACED_DASH.sub(" – ", text).strip()


@dataclass
class _Parsing:
    """What parse_card collects while reading the fields of one card."""

    source: str
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int | None, kind: str, message: str, severity: str = "error") -> None:
        self.problems.append(Problem(self.source, line, kind, message, severity))

    def fail(self, message: str, line: int | None) -> CardError:
        return CardError(message, self.source, line)


def parse_card(text: str, source: str, encoding: str = "utf-8") -> Card:
    """Parse the text of a Sokra card.

    Args:
        text: the card's text as read (see :func:`hankekg.cards.read.read_card`).
        source: the card's path or name, for problems and errors.
        encoding: the encoding the text was read with, recorded on the card.

    Raises:
        CardError: if no project code is found, a date is invalid or the period runs backwards.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    layout = segment(text, source)
    state = _Parsing(source, list(layout.problems))
    values = {name: Value.of(lines) for name, lines in layout.values.items() if lines}

    title = _parse_title(layout)
    code, name_copy, start, end = _parse_name_field(values.get("name"), state)
    code = _choose_code(code, title, values.get("name"), state)
    compiled_by, compiled_on = _parse_header(layout, state)
    funders = _parse_funders(values.get("funders"), state)
    implementers = _parse_implementers(values.get("implementers"), state)
    links, outputs = _parse_links(layout.urls, _parse_outputs(values.get("outputs"), state), code, state)
    copies = tuple(c for c in (title[2] if title else None, name_copy) if c is not None)
    prose = {name: _prose(values.get(name)) for name in PROSE_FIELDS}
    log.debug("%s: %s, %d labels, %d unmapped, %d garbage lines, %d problems", source, code,
              len(layout.labels), len(layout.unmapped), len(layout.garbage), len(state.problems))
    return Card(
        source=source,
        encoding=encoding,
        code=code,
        name=name_copy[1] if name_copy else (title[2][1] if title else None),
        name_copies=copies,
        start=start,
        end=end,
        funders=funders,
        implementers=implementers,
        target_groups=_parse_target_groups(values.get("target_groups")),
        outputs=outputs,
        links=links,
        compiled_by=compiled_by,
        compiled_on=compiled_on,
        unmapped=tuple(layout.unmapped),
        garbage=tuple(layout.garbage),
        problems=tuple(sorted(state.problems, key=lambda p: (p.line or 0, p.kind))),
        field_lines=_field_lines(layout),
        original=text,
        **prose,
    )


def _field_lines(layout: Layout) -> dict[str, tuple[int, int]]:
    """(first, last) line of each field's value; the URL list is ``links``, the header ``compiled_*``."""
    spans = {name: (lines[0][0], lines[-1][0]) for name, lines in layout.values.items() if lines}
    if layout.urls:
        spans["links"] = (layout.urls[0][0], layout.urls[-1][0])
    if layout.header:
        spans["compiled_by"] = spans["compiled_on"] = (layout.header[0][0], layout.header[-1][0])
    return spans


def _prose(value: Value | None) -> str | None:
    return value.text or None if value else None


def _parse_title(layout: Layout) -> tuple[str, int, tuple[int, str]] | None:
    """(code, line, name copy) of the title line, or None."""
    if not layout.title:
        return None
    joined = join_parts([t for _, t in layout.title])
    match = _TITLE.match(joined)
    if not match:
        return None
    number = layout.title[0][0]
    return match.group(1), number, (number, dash_normalise(match.group(2)))


def _parse_name_field(
    value: Value | None, state: _Parsing
) -> tuple[str | None, tuple[int, str] | None, date | None, date | None]:
    """(code, name copy, start, end) from ``<code> — <name>, <d.m.yyyy> — <d.m.yyyy> (…)``."""
    if value is None:
        return None, None, None, None
    text = value.text
    code_match = _CODE_IN_TEXT.search(text)
    code = code_match.group(1) if code_match else None
    name_from = code_match.end() if code_match else 0
    period = _PERIOD.search(text, name_from)
    name_to = period.start() if period else _registry_note_start(text)
    name = dash_normalise(re.sub(rf"^\s*{_DASH}*\s*", "", text[name_from:name_to]).rstrip(" ,;"))
    start = end = None
    if period:
        line = value.line_at(period.start())
        start = _date(period.group(1, 2, 3), line, state)
        end = _date(period.group(4, 5, 6), line, state)
        if end < start:
            raise state.fail(f"period runs backwards: {period.group(0)}", line)
    elif re.search(_DATE, text):
        state.problem(value.first_line, "bad-period",
                      "the name field has a date but no period d.m.yyyy – d.m.yyyy", "warning")
    copy = (value.first_line, name) if name else None
    return code, copy, start, end


def _registry_note_start(text: str) -> int:
    match = re.search(r"\(\s*hanke\b[^)]*\)?\s*$", text, re.IGNORECASE)
    return match.start() if match else len(text)


def _date(parts: tuple[str, str, str], line: int, state: _Parsing) -> date:
    day, month, year = (int(p) for p in parts)
    try:
        return date(year, month, day)
    except ValueError as exc:
        raise state.fail(f"invalid date: {day}.{month}.{year} ({exc})", line) from exc


def _choose_code(code: str | None, title: tuple | None, value: Value | None, state: _Parsing) -> str:
    title_code = title[0] if title else None
    if code and title_code and code != title_code:
        state.problem(title[1], "code-mismatch",
                      f"title says {title_code}, name field says {code}; using {code}", "warning")
    chosen = code or title_code
    if not chosen or not PROJECT_CODE.match(chosen):
        raise state.fail("no project code (S + 5 digits) found", value.first_line if value else 1)
    return chosen


def _parse_header(layout: Layout, state: _Parsing) -> tuple[str | None, str | None]:
    """compiled_by and compiled_on (``YYYY-MM``) from ``Koonnut <who>, <month> <year>``."""
    if not layout.header:
        return None, None
    line = layout.header[0][0]
    text = join_parts([t for _, t in layout.header])
    body = re.sub(r"^\s*\S+\s*", "", text, count=1)  # drop "Koonnut"
    who, _, when = body.rpartition(",")
    if not who:
        match = _MONTH_YEAR.search(body)
        who, when = (body[:match.start()], match.group(0)) if match else (body, "")
    compiled_on = None
    match = _MONTH_YEAR.search(when.strip())
    month = match_month(match.group(1)) if match else None
    if month:
        compiled_on = f"{match.group(2)}-{month:02d}"
    else:
        state.problem(line, "bad-compiled-date", f"cannot read the month and year in {when.strip()!r}",
                      "warning")
    return who.strip() or None, compiled_on


def _parse_funders(value: Value | None, state: _Parsing) -> tuple[Funder, ...]:
    """Funders as ``<funder>, <amount> €``, separated by ``;``, ``ja`` or line breaks."""
    if value is None:
        return ()
    funders: list[Funder] = []
    text = value.text
    for piece_start, piece in _split_top(text, ";"):
        position = 0
        for match in _AMOUNT.finditer(piece):
            name = _funder_name(piece[position:match.start()])
            line = value.line_at(piece_start + position + _leading_space(piece[position:]))
            amount_text = match.group(0).strip(" ,")
            if not name:
                state.problem(line, "funder-without-name", f"amount {amount_text!r} names no funder", "warning")
            else:
                if match.group("approx"):
                    state.problem(line, "approximate-amount",
                                  f"approximate amount {amount_text!r} for {name}", "warning")
                funders.append(Funder(name, _amount(match.group("number")), line))
            position = match.end()
        rest = _funder_name(piece[position:])
        if rest:
            funders.append(Funder(rest, None, value.line_at(piece_start + position)))
    return tuple(funders)


def _funder_name(text: str) -> str:
    return re.sub(r"^(?:ja|sekä|seka)\s+", "", text.strip(" ,;")).strip(" ,;")


def _leading_space(text: str) -> int:
    return len(text) - len(text.lstrip(" ,;"))


def _amount(number: str) -> Decimal | None:
    digits = re.sub(r"[ \u00a0\u202f.]", "", number).replace(",", ".")
    try:
        return Decimal(digits)
    except InvalidOperation:
        return None


def _split_top(text: str, separator: str) -> list[tuple[int, str]]:
    """Split on ``separator`` (one character) outside parentheses; pieces with their offsets."""
    pieces, depth, start = [], 0, 0
    for mark in re.finditer(f"[(){re.escape(separator)}]", text):
        char, i = mark.group(), mark.start()
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        if char == separator and depth == 0:
            pieces.append((start, text[start:i]))
            start = i + 1
    pieces.append((start, text[start:]))
    return [(s, p) for s, p in pieces if p.strip()]


def _parse_implementers(value: Value | None, state: _Parsing) -> tuple[Implementer, ...]:
    """``<org> (<role>), <org> (<role>)…``; an org without a role is kept with role None."""
    if value is None:
        return ()
    result: list[Implementer] = []
    position = 0
    text = value.text
    for match in re.finditer(r"(?P<name>[^()]*?)\s*\((?P<role>[^()]*)\)", text):
        name = _funder_name(match.group("name"))
        role_text = " ".join(match.group("role").split())
        line = value.line_at(match.start() + _leading_space(match.group("name")))
        if not name:
            state.problem(line, "implementer-without-name", f"role {role_text!r} names no organisation",
                          "warning")
            position = match.end()
            continue
        role = match_role(role_text)
        if role is None:
            state.problem(line, "unknown-role", f"unknown role {role_text!r} of {name}", "warning")
        result.append(Implementer(name, role, role_text or None, line))
        position = match.end()
    rest = _funder_name(text[position:])
    if rest:
        line = value.line_at(position)
        state.problem(line, "missing-role", f"no role given for {rest!r}", "warning")
        result.append(Implementer(rest, None, None, line))
    return tuple(result)


def _parse_target_groups(value: Value | None) -> TargetGroups | None:
    """``<main>, erityisesti <a>, <b> ja <c>``, or a plain list of groups."""
    if value is None or not value.text:
        return None
    text = value.text
    match = _ESPECIALLY.search(text)
    if match:
        main = text[:match.start()].strip(" ,") or None
        items = _split_groups(text[match.end():])
    else:
        main, items = None, _split_groups(text)
    return TargetGroups(text, main, items, value.first_line)


def _split_groups(text: str) -> tuple[str, ...]:
    """Split at top-level ``,`` / ``;`` and `` ja `` (not after a hyphen: ``sosiaali- ja terveys``)."""
    items = []
    for _, piece in _split_top(text.replace(";", ","), ","):
        items.extend(re.split(r"(?<![-–])\s+ja\s+(?![^()]*\))", piece))
    return tuple(i.strip(" ,") for i in items if i.strip(" ,"))


def _parse_outputs(value: Value | None, state: _Parsing) -> tuple[Output, ...]:
    """``;``-separated ``<title> (<publisher>, <year>) (<format> <size> Mt)`` items."""
    if value is None:
        return ()
    outputs = []
    for offset, piece in _split_top(value.text, ";"):
        line = value.line_at(offset + _leading_space(piece))
        output = _parse_output(piece.strip(), line)
        if not output.title:
            state.problem(line, "output-without-title", f"output {piece.strip()!r} has no title", "warning")
        outputs.append(output)
    return tuple(outputs)


def _parse_output(text: str, line: int) -> Output:
    """One output; a trailing ``(<format> <size> Mt)`` and before it ``(<publisher>, <year>)``."""
    fmt = size = publisher = year = None
    rest = text
    inner, before = _last_group(rest)
    file_part = _file_part(inner) if inner is not None else None
    if file_part:
        fmt, size = file_part
        rest = before
        inner, before = _last_group(rest)
    publisher_part = _publisher_part(inner) if inner is not None else None
    if publisher_part:
        publisher, year = publisher_part
        rest = before
    return Output(dash_normalise(rest.rstrip(" ,")), publisher, year, fmt, size, None, line)


def _last_group(text: str) -> tuple[str | None, str]:
    """The text inside a trailing parenthesis, and the text before it."""
    text = text.rstrip()
    if not text.endswith(")"):
        return None, text
    start = _matching_open(text)
    if start is None:
        return None, text
    return text[start + 1:-1].strip(), text[:start].rstrip()


def _file_part(inner: str) -> tuple[str | None, Decimal | None] | None:
    match = _FILE_PART.match(inner)
    if not match:
        return None
    fmt = (match.group("format") or "").lower() or None
    if not (fmt in _FORMATS or (match.group("size") and match.group("unit"))):
        return None
    return fmt, _size(match)


def _publisher_part(inner: str) -> tuple[str | None, int | None] | None:
    match = _PUBLISHER_YEAR.match(inner)
    if match:
        return match.group("publisher").strip(" ,") or None, int(match.group("year"))
    if 0 < len(inner.split()) <= 4 and not inner[0].isdigit():
        return inner, None
    return None


def _matching_open(text: str) -> int | None:
    depth = 0
    for i in range(len(text) - 1, -1, -1):
        depth += {")": 1, "(": -1}.get(text[i], 0)
        if depth == 0:
            return i
    return None


def _size(match: re.Match) -> Decimal | None:
    if not match.group("size"):
        return None
    size = Decimal(match.group("size").replace(",", "."))
    if (match.group("unit") or "").lower() in {"kt", "kb"}:
        size = size / 1000
    return size


def _parse_links(urls: Sequence[tuple[int, str]], outputs: tuple[Output, ...], code: str,
                 state: _Parsing) -> tuple[Links, tuple[Output, ...]]:
    """The registry link, the other links (deduplicated), and outputs with their links."""
    good: list[tuple[int, str]] = []
    for line, url in urls:
        if _GOOD_URL.match(url):
            good.append((line, url))
        else:
            state.problem(line, "bad-url", f"not a usable http(s) URL: {url!r}", "warning")
    registry = next((u for u in good if _REGISTRY_URL.search(u[1])), None)
    if registry and code not in registry[1]:
        state.problem(registry[0], "registry-code-mismatch",
                      f"registry link does not name {code}: {registry[1]}", "warning")
    seen = {registry[1]} if registry else set()
    others: list[str] = []
    for line, url in good:
        if registry and (line, url) == registry:
            continue
        if url in seen:
            state.problem(line, "duplicate-link", f"duplicate link removed: {url}", "warning")
            continue
        seen.add(url)
        others.append(url)
    return Links(registry[1] if registry else None, tuple(others)), _assign_links(outputs, others, state)


def _assign_links(outputs: tuple[Output, ...], links: Sequence[str], state: _Parsing) -> tuple[Output, ...]:
    """Give links to outputs: all in order, else to the file outputs, else to the first ones."""
    if not outputs or not links:
        return outputs
    indexes = list(range(len(outputs)))
    files = [i for i, o in enumerate(outputs) if o.format]
    if len(links) < len(outputs) and len(files) == len(links):
        indexes = files
    if len(links) > len(outputs):
        state.problem(outputs[-1].line, "extra-links",
                      f"{len(links)} links for {len(outputs)} outputs; the first ones are given in order",
                      "warning")
    given = dict(zip(indexes, links))
    return tuple(_with_url(o, given.get(i)) for i, o in enumerate(outputs))


def _with_url(output: Output, url: str | None) -> Output:
    if url is None:
        return output
    return Output(output.title, output.publisher, output.year, output.format, output.size_mb, url,
                  output.line)
