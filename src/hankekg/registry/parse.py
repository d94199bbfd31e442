"""Parse the text of a EURA2014 project page into a :class:`~hankekg.model.RegistryRecord`.

A page is read line by line: a preamble (the EU banner), section 1 (the project) and
section 2 (the applicant) as ``Label: value`` lines, an optional partner list under a
header (``Osatoteuttajat`` or ``Tuen siirronsaajat``, lines ``Name, 1234567-8``), and
section 3, the planned summary, as free text. Finnish and English labels are known.

Privacy comes first: before anything else looks at a line, a line with an e-mail
address or a phone number is dropped, and so is every contact-person line
(``Yhteyshenkilön nimi``, ``Sähköposti``, ``Tehtävänimike`` …) and every value of the
street address and phone fields. A dropped line leaves a ``personal-data-dropped``
problem that names the line but never repeats its text.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

from hankekg.cards.read import check_size, decode, normalise
from hankekg.errors import CardError, RegistryError
from hankekg.iris import BUSINESS_ID, PROJECT_CODE
from hankekg.model import (
    Applicant,
    Partner,
    PriorityAxis,
    Problem,
    RegistryRecord,
    Role,
    SpecificObjective,
)

log = logging.getLogger(__name__)

# Label (lower case, spaces collapsed) -> (field, language). Fields starting with "_" are
# read and thrown away: they hold a street address or a phone number.
_LABELS: dict[str, tuple[str, str]] = {
    "hankekoodi": ("code", "fi"),
    "hankkeen nimi": ("name", "fi"),
    "toimintalinja": ("priority_axis", "fi"),
    "erityistavoite": ("specific_objective", "fi"),
    "suunnitelman mukainen toteutusaika": ("period", "fi"),
    "toiminnan tila": ("status", "fi"),
    "vastuuviranomainen": ("responsible_authority", "fi"),
    "hakijan virallinen nimi": ("applicant_name", "fi"),
    "organisaatiotyyppi": ("org_type", "fi"),
    "y-tunnus": ("business_id", "fi"),
    "jakeluosoite": ("_street", "fi"),
    "katuosoite": ("_street", "fi"),
    "puhelinnumero": ("_phone", "fi"),
    "puhelin": ("_phone", "fi"),
    "postinumero": ("_postal_code", "fi"),
    "postitoimipaikka": ("municipality", "fi"),
    "www-osoite": ("www", "fi"),
    "hakijoiden lukumäärä tai tuen siirto -menettely": ("arrangement", "fi"),
    "project code": ("code", "en"),
    "project name": ("name", "en"),
    "policy": ("priority_axis", "en"),
    "priority axis": ("priority_axis", "en"),
    "specific objective": ("specific_objective", "en"),
    "planned completion time": ("period", "en"),
    "operational status": ("status", "en"),
    "responsible authority": ("responsible_authority", "en"),
    "official name of the applicant": ("applicant_name", "en"),
    "organisation type": ("org_type", "en"),
    "organization type": ("org_type", "en"),
    "business id": ("business_id", "en"),
    "street": ("_street", "en"),
    "street address": ("_street", "en"),
    "telephone number": ("_phone", "en"),
    "telephone": ("_phone", "en"),
    "postal code": ("_postal_code", "en"),
    "city/town": ("municipality", "en"),
    "website": ("www", "en"),
    "www address": ("www", "en"),
    "www-address": ("www", "en"),
    "web address": ("www", "en"),
    "number of applicants or subsidy transfer": ("arrangement", "en"),
}

_PARTNER_HEADERS: dict[str, Role] = {
    "osatoteuttajat": Role.CO_IMPLEMENTER,
    "osatoteuttaja": Role.CO_IMPLEMENTER,
    "tuen siirronsaajat": Role.SUPPORT_TRANSFEREE,
    "tuen siirronsaaja": Role.SUPPORT_TRANSFEREE,
    "co-implementers": Role.CO_IMPLEMENTER,
    "co-implementer": Role.CO_IMPLEMENTER,
    "partial implementers": Role.CO_IMPLEMENTER,
    "sub-implementers": Role.CO_IMPLEMENTER,
    "recipients of subsidy transfer": Role.SUPPORT_TRANSFEREE,
    "recipients of the subsidy transfer": Role.SUPPORT_TRANSFEREE,
    "subsidy transfer recipients": Role.SUPPORT_TRANSFEREE,
    "recipients of support transfer": Role.SUPPORT_TRANSFEREE,
    "support transferees": Role.SUPPORT_TRANSFEREE,
    "transferees of support": Role.SUPPORT_TRANSFEREE,
}

_CONTACT_HEADERS = {
    "yhteyshenkilö", "yhteyshenkilöt", "yhteystiedot", "yhteyshenkilön tiedot",
    "contact person", "contact persons", "contact details", "contact information",
}
"""Header lines after which bare lines are contact data until the next label or section."""

_CONTACT_LABEL = re.compile(
    r"yhteyshenkil|sähköpost|s-posti|puhelin|matkapuh|gsm|tehtävänimike|nimike|"
    r"contact|e-?mail|phone|mobile|position|job title|^title$|^nimi$|^name$|^fax|^faksi",
    re.IGNORECASE,
)
"""Labels whose values are personal data: the line is dropped whatever the value is."""

_CONTACT_START = re.compile(
    r"^(?:yhteyshenkil|sähköpost|puhelin|matkapuh|tehtävänimike|contact person|e-?mail|phone|telephone)",
    re.IGNORECASE,
)
"""Outside the summary, an unlabelled line starting so is contact data."""
_EMAIL = re.compile(
    r"[\w.%+\-]+@[\w\-]+(?:\.[\w\-]+)+"
    r"|[\w.\-]+\s?(?:\(at\)|\[at\]|\{at\}|\(a\)|\[a\])\s?[\w\-]+(?:\.[\w\-]+)+",
    re.IGNORECASE,
)
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\s?358|00358|\(0\d{1,3}\)|0[1-9]\d{0,2})(?:[\s\-/]?\d){5,10}(?!\d)"
)
"""A Finnish phone number: +358…, 00358…, (09) …, 040 123 4567, 040-1234567, 09 1234 5678."""
_BUSINESS_ID_TOKEN = re.compile(r"(?<![\d\-])\d{7}-\d(?![\d\-])")

_LABEL_LINE = re.compile(r"^(?P<label>[^:]{1,80}?)\s*:(?:\s+(?P<value>.*?))?\s*$")
_HEADING = re.compile(r"^(?P<number>[1-9])\s+(?P<title>[A-ZÅÄÖa-zåäö][^:]{1,80})$")
_LATER_HEADING = re.compile(r"^[4-9]\s+[A-ZÅÄÖ][^.:!?]{2,60}$")
_SUMMARY_TITLE = re.compile(r"tiivistelmä|summary", re.IGNORECASE)
_PARTNER_LINE = re.compile(r"^(?P<name>.*\S)\s*,\s*(?P<bid>\d{7}-\d)\s*$")
_PARTNER_NAME_LABEL = re.compile(r"^(?P<label>[^:]{1,60}\b(?:nimi|name)\)?)\s*:\s+(?P<rest>\S.*)$",
                                 re.IGNORECASE)
_AXIS = re.compile(r"^(?P<number>[0-9]{1,2})\s*\.?\s+(?P<label>\S.*)$")
_OBJECTIVE = re.compile(r"^(?P<code>[0-9]{1,2}\.[0-9]{1,2})\s*\.?\s+(?P<label>\S.*)$")
_DATE = r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4})"
_START = re.compile(r"\b(?:alkaa|start|starts|begins)\s*:?\s*" + _DATE, re.IGNORECASE)
_END = re.compile(r"\b(?:päättyy|end|ends)\s*:?\s*" + _DATE, re.IGNORECASE)
_GOOD_URL = re.compile(r"^https?://[^\s/?#]+\.[^\s]*$|^https?://[^\s/?#.]+/?$", re.IGNORECASE)
_BANNER = re.compile(r"euroopan unioni|vipuvoimaa|rahoittaman hankkeen kuvaus|"
                     r"european union|description of the project funded", re.IGNORECASE)
_CONTROL_SHARE = 0.02


def contains_personal_data(line: str) -> bool:
    """True when ``line`` holds an e-mail address or something shaped like a Finnish phone number.

    Business IDs (``1234567-8``) are not phone numbers.
    """
    if _EMAIL.search(line):
        return True
    return bool(_PHONE.search(_BUSINESS_ID_TOKEN.sub("#", line)))


def read_registry_page(path: str | Path) -> RegistryRecord:
    """Read and parse a saved registry page (``.txt``, or ``.html``/``.htm`` via :mod:`.html`).

    The bytes are decoded as a card file is (BOM, UTF-8, cp1252, latin-1). When the file
    stem is a project code other than the page's, the record carries a ``code-mismatch``
    problem.

    Raises:
        RegistryError: if the file is empty, binary, larger than MAX_BYTES (1 MB), or has no project code.
    """
    path = Path(path)
    check_size(path, RegistryError, "a registry page")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RegistryError(f"cannot read: {exc.strerror or exc}", path) from exc
    try:
        text, encoding = decode(data, path)
    except CardError as exc:
        raise RegistryError(exc.message.replace("not a card", "not a registry page"), path,
                            exc.line) from exc
    log.debug("read %s as %s", path, encoding)
    if path.suffix.lower() in {".html", ".htm"}:
        from hankekg.registry.html import html_to_text

        text = html_to_text(text)
    record = parse_registry_page(text, str(path))
    if PROJECT_CODE.match(path.stem) and path.stem != record.code:
        line = record.field_lines.get("code", (None, None))[0]
        problem = Problem(str(path), line, "code-mismatch",
                          f"the page is of {record.code}, the file is named {path.stem}", "warning")
        record = _with_problem(record, problem)
    return record


def _with_problem(record: RegistryRecord, problem: Problem) -> RegistryRecord:
    return replace(record, problems=record.problems + (problem,), field_lines=record.field_lines)


# --------------------------------------------------------------------------- parsing


@dataclass
class _State:
    source: str
    values: dict[str, tuple[int, str]] = field(default_factory=dict)
    languages: dict[str, str] = field(default_factory=dict)
    partners: list[Partner] = field(default_factory=list)
    partner_span: tuple[int, int] | None = None
    summary: list[tuple[int, str]] = field(default_factory=list)
    partner_headers: int = 0
    problems: list[Problem] = field(default_factory=list)

    def problem(self, line: int | None, kind: str, message: str, severity: str = "warning") -> None:
        self.problems.append(Problem(self.source, line, kind, message, severity))


def parse_registry_page(text: str, source: str = "<registry>") -> RegistryRecord:
    """Parse the text of a EURA2014 project page.

    Args:
        text: the page as text, one label per line (see :func:`hankekg.registry.html.html_to_text`).
        source: the file name, used in problems and errors.

    Raises:
        RegistryError: if the text is empty, binary, or has no valid project code.
    """
    text = normalise(text)
    if not text.strip():
        raise RegistryError("empty file", source, 1)
    _check_text(text, source)
    state = _State(source)
    _walk(text, state)
    return _record(state)


def _check_text(text: str, source: str) -> None:
    control = text.count("\ufffd")
    # isprintable() is false for every Cc, Cs, Co and Cn character (and for some others), so
    # a page it passes has none: the per-character count is only needed for the rest.
    if not text.replace("\n", "").replace("\t", "").isprintable():
        control += sum(1 for c in text if unicodedata.category(c) in {"Cc", "Cs", "Co", "Cn"} and c not in "\n\t")
    if control / len(text) > _CONTROL_SHARE:
        raise RegistryError("binary file, not a registry page (control characters)", source, 1)


def _walk(text: str, state: _State) -> None:
    """Read the page line by line into ``state``."""
    mode = "fields"  # fields | partners | contact | summary | after
    role: Role | None = None
    seen_arrangement = False
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.strip()
        if line and contains_personal_data(line):
            state.problem(number, "personal-data-dropped",
                          "a line with an e-mail address or a phone number was dropped")
            continue
        if mode == "summary":
            if _LATER_HEADING.match(line):
                mode = "after"
                state.problem(number, "unknown-section",
                              f"section {line.split()[0]} is not read; the summary ends here")
                continue
            label = _LABEL_LINE.match(line)
            if label and _CONTACT_LABEL.search(label["label"]):
                _drop_contact(label, number, state)
                continue
            if _CONTACT_START.match(line):  # "Yhteyshenkilönä toimii <name>." names a person
                state.problem(number, "personal-data-dropped", "a contact-person line was dropped")
                continue
            state.summary.append((number, raw.rstrip()))
            continue
        if mode == "after" or not line:
            continue
        key = _key(line)
        heading = _HEADING.match(line)
        if heading and heading["number"] == "3" and _SUMMARY_TITLE.search(line):
            mode = "summary"
            continue
        if heading and heading["number"] in {"1", "2"} and key not in _PARTNER_HEADERS:
            mode = "fields"
            continue
        if key in _PARTNER_HEADERS:
            mode, role = "partners", _PARTNER_HEADERS[key]
            if state.partner_headers:
                state.problem(number, "duplicate-field", "a second partner header")
            state.partner_headers += 1
            first = state.partner_span[0] if state.partner_span else number
            state.partner_span = (first, number)
            continue
        if key in _CONTACT_HEADERS:
            mode = "contact"
            continue
        label = _LABEL_LINE.match(line)
        if mode == "partners" and _PARTNER_LINE.match(line):
            _partner(line, number, role, state)
            continue
        if label:
            lkey = _key(label["label"])
            if lkey in _LABELS:
                mode = "fields"
                seen_arrangement |= _LABELS[lkey][0] == "arrangement"
                _field(lkey, label["value"] or "", number, state)
            elif _CONTACT_LABEL.search(label["label"]):
                _drop_contact(label, number, state)
            elif mode == "contact":
                state.problem(number, "personal-data-dropped", "a contact-person line was dropped")
            else:
                state.problem(number, "unknown-field",
                              f"unknown label {label['label'][:60]!r}; the line is not read")
            continue
        if mode == "contact" or _CONTACT_START.match(line):
            state.problem(number, "personal-data-dropped", "a contact-person line was dropped")
        elif mode == "partners":
            _partner(line, number, role, state)
        elif _PARTNER_LINE.match(line) and seen_arrangement:
            _partner(line, number, None, state)
            state.problem(number, "partner-without-header",
                          "an organisation line under no partner header; its role is unknown")
        elif _BANNER.search(line) and not state.values:
            continue
        else:
            state.problem(number, "unknown-line",
                          f"a line of {len(line)} characters that is no field is not read")


def _key(text: str) -> str:
    return " ".join(text.split()).rstrip(":").strip().lower()


def _drop_contact(label: re.Match, number: int, state: _State) -> None:
    if label["value"]:
        state.problem(number, "personal-data-dropped", "a contact-person line was dropped")


def _field(key: str, value: str, number: int, state: _State) -> None:
    name, language = _LABELS[key]
    if name.startswith("_"):
        return  # street address, postal code, phone: never kept
    if name in state.values:
        state.problem(number, "duplicate-field", f"{name} given again; the first value is kept")
        return
    state.values[name] = (number, value.strip())
    state.languages[name] = language


def _partner(line: str, number: int, role: Role | None, state: _State) -> None:
    match = _PARTNER_LINE.match(line)
    name, business_id = (match["name"], match["bid"]) if match else (line, None)
    labelled = _PARTNER_NAME_LABEL.match(name)
    if labelled:
        name = labelled["rest"].strip()
        state.problem(number, "partner-name-label",
                      f"the partner name began with the label {labelled['label']!r}; dropped")
    if business_id is None:
        state.problem(number, "partner-without-business-id",
                      "a partner line with no business ID (Y-tunnus)")
    elif any(p.business_id == business_id and p.role == role for p in state.partners):
        state.problem(number, "duplicate-partner",
                      f"business ID {business_id} is listed twice; both lines are kept")
    state.partners.append(Partner(name, business_id, role, number))
    if state.partner_span is None:
        state.partner_span = (number, number)
    state.partner_span = (state.partner_span[0], number)


# --------------------------------------------------------------------------- the record


_FIELD_NAMES = {
    "applicant_name": "applicant.name",
    "org_type": "applicant.org_type",
    "business_id": "applicant.business_id",
}
"""Keys of ``field_lines`` that differ from the parser's field names."""


def _record(state: _State) -> RegistryRecord:
    values, source = state.values, state.source
    if "code" not in values:
        raise RegistryError("no project code (Hankekoodi / Project code)", source, None)
    code_line, code = values["code"]
    if not PROJECT_CODE.match(code):
        raise RegistryError(f"not a EURA2014 project code: {code[:20]!r}", source, code_line)
    text = {name: (value or None) for name, (_, value) in values.items()}
    lines = {_FIELD_NAMES.get(name, name): (line, line) for name, (line, _) in values.items()}
    start, end = _period(values.get("period"), state)
    applicant = None
    if any(text.get(k) for k in ("applicant_name", "org_type", "business_id")):
        applicant = Applicant(text.get("applicant_name"), text.get("org_type"),
                              _business_id(values.get("business_id"), state))
    if state.partner_span:
        lines["partners"] = state.partner_span
    summary = _summary(state)
    if summary is not None:
        lines["summary"] = (state.summary[0][0], state.summary[-1][0])
    if "period" in lines:
        lines["start"] = lines["end"] = lines.pop("period")
    return RegistryRecord(
        source=source,
        language=state.languages.get("code", "fi"),
        code=code,
        name=text.get("name"),
        priority_axis=_axis(values.get("priority_axis"), state),
        specific_objective=_objective(values.get("specific_objective"), state),
        start=start,
        end=end,
        status=text.get("status"),
        responsible_authority=text.get("responsible_authority"),
        applicant=applicant,
        arrangement=text.get("arrangement"),
        partners=tuple(state.partners),
        municipality=text.get("municipality"),
        www=_www(values.get("www"), state),
        summary=summary,
        problems=tuple(sorted(state.problems, key=lambda p: p.line or 0)),
        field_lines=lines,
    )


def _axis(value: tuple[int, str] | None, state: _State) -> PriorityAxis | None:
    if not value or not value[1]:
        return None
    match = _AXIS.match(value[1])
    if not match:
        state.problem(value[0], "bad-priority-axis", "a priority axis is '<number>. <label>'")
        return None
    return PriorityAxis(int(match["number"]), match["label"].strip())


def _objective(value: tuple[int, str] | None, state: _State) -> SpecificObjective | None:
    if not value or not value[1]:
        return None
    match = _OBJECTIVE.match(value[1])
    if not match:
        state.problem(value[0], "bad-specific-objective",
                      "a specific objective is '<n>.<m>. <label>'")
        return None
    return SpecificObjective(match["code"], match["label"].strip())


def _period(value: tuple[int, str] | None, state: _State) -> tuple[date | None, date | None]:
    if not value or not value[1]:
        return None, None
    number, text = value
    dates = []
    for pattern, which in ((_START, "start"), (_END, "end")):
        match = pattern.search(text)
        day = None
        if match:
            try:
                day = date(int(match[3]), int(match[2]), int(match[1]))
            except ValueError:
                state.problem(number, "bad-date", f"the {which} date is not a date")
        else:
            state.problem(number, "bad-date", f"no {which} date in the implementation period")
        dates.append(day)
    if dates[0] and dates[1] and dates[1] < dates[0]:
        state.problem(number, "bad-date", "the period ends before it starts")
    return dates[0], dates[1]


def _business_id(value: tuple[int, str] | None, state: _State) -> str | None:
    if not value or not value[1]:
        return None
    if not BUSINESS_ID.match(value[1]):
        state.problem(value[0], "bad-business-id", f"not a business ID (Y-tunnus): {value[1][:20]!r}")
        return None
    return value[1]


def _www(value: tuple[int, str] | None, state: _State) -> str | None:
    if not value or not value[1]:
        return None
    url = "".join(value[1].split())
    if not _GOOD_URL.match(url):
        state.problem(value[0], "bad-www", f"not an http(s) address: {url[:80]!r}")
        return None
    return url


def _summary(state: _State) -> str | None:
    lines = state.summary
    while lines and not lines[0][1].strip():
        lines.pop(0)
    while lines and not lines[-1][1].strip():
        lines.pop()
    if not lines:
        return None
    return "\n".join(text for _, text in lines)
