"""A synthetic corpus for benchmarks: Sokra cards as OCR left them, and their registry pages.

``generate(n, seed, out)`` writes::

    out/cards/S1xxxx.txt (A1xxxx.txt)    n cards in the layout of the seed card, OCR-damaged
    out/registry/eura2014/S1xxxx.txt     the matching EURA2014 project pages (clean Finnish)
    out/reference/                       a copy of the reference data (data/reference)

Project codes are ``S10000 + i`` (i = 0 … 89,999, the five digits of an EURA2014 code),
then, as ERDF projects, ``A10000 + i - 90,000``: at most 180,000 projects. The output is a
function of (n, seed) and of the word pool alone: the same arguments give byte-identical
files (``generate`` never reads the clock or the environment and iterates over nothing
unordered).

What the cards look like (see shared/design/card-format.md and the seed card):

* the header line, the title line ``<code>, <name>`` and every label split over lines
  as on the seed (``Hankkeen nimi, S-numero ja`` / blank / ``toteutusaika``,
  ``Erityishuomioita, kehittä-`` / blank / ``mistyön ongelmia``);
* every ä and ö replaced as the OCR engine replaced them (the confusion table of
  card-format.md: ä → a, d, é, &; ö → o, d, é, 6, dé; ää → da, dd, éd, aa; Ä → A,
  Ö → O), each occurrence drawn anew, so the two copies of the name differ;
* values wrapped at about 90 characters, now and then with a blank line inside;
* prose fields of 200–800 characters made of words of the registry summaries
  (``data/registry/eura2014/*.txt``), drawn with their corpus frequencies;
* 1–2 funders (ELY centres) with amounts ``368 136 €``; 1–5 implementers drawn from a
  pool of about n/5 organisations (so organisations recur); 1–4 target groups; 0–5
  outputs ``<title> (<publisher>, <year>) (pdf <size> Mt)`` with parts missing now and
  then; the promising-practices field empty on most cards, as on the seed;
* the logo garbage of the seed, and the URL list: the registry link first, then the
  links of the outputs, a duplicate now and then.

The registry page of each card gives the official name of the main implementer as
applicant with a valid business ID (Y-tunnus, check digit computed), the other
implementers with theirs under ``Osatoteuttajat`` or ``Tuen siirronsaajat``, the
responsible authority (the funder's ELY centre spelled out) and a summary.
"""

from __future__ import annotations

import random
import re
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from hankekg import paths
from hankekg.cards import finnish

FIRST_CODE = 10000
CODE_LETTERS = "SA"
"""EURA2014 code letters in the order they are used: S (ESF projects), then A (ERDF)."""
PER_LETTER = 90000
MAX_PROJECTS = PER_LETTER * len(CODE_LETTERS)


def project_code(i: int) -> str:
    """The code of the i-th synthetic project: S10000 … S99999, then A10000 … A99999."""
    return f"{CODE_LETTERS[i // PER_LETTER]}{FIRST_CODE + i % PER_LETTER}"
SUMMARY_HEADING = "3 Suunnitelman mukainen tiivistelmä toteutuksesta"
WRAP = 90

# ----------------------------------------------------------------------- OCR damage

# How often each confusion of card-format.md is chosen (in the order of finnish.DAMAGE_A,
# DAMAGE_O and DAMAGE_AA), weighted roughly as the seed card shows them (a and d most often).
DAMAGE_WEIGHTS = {"ä": (45, 35, 15, 5), "ö": (45, 25, 15, 5, 10), "ää": (40, 30, 10, 20)}


def damage(text: str, rng: random.Random) -> str:
    """``text`` as the card OCR would have left it: no ä, ö, Ä or Ö survives."""
    return finnish.damage(text, rng, DAMAGE_WEIGHTS)


# ----------------------------------------------------------------------- fixed vocabularies

ELY_CENTRES = (
    # (short name as a card writes it, official name as the registry writes it)
    ("Etelä-Savon ELY-keskus", "Etelä-Savon elinkeino-, liikenne- ja ympäristökeskus"),
    ("Hämeen ELY-keskus", "Hämeen elinkeino-, liikenne- ja ympäristökeskus"),
    ("Keski-Suomen ELY-keskus", "Keski-Suomen elinkeino-, liikenne- ja ympäristökeskus"),
    ("Pohjois-Pohjanmaan ELY-keskus", "Pohjois-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus"),
    ("Uudenmaan ELY-keskus", "Uudenmaan elinkeino-, liikenne- ja ympäristökeskus"),
    ("Varsinais-Suomen ELY-keskus", "Varsinais-Suomen elinkeino-, liikenne- ja ympäristökeskus"),
    ("Pirkanmaan ELY-keskus", "Pirkanmaan elinkeino-, liikenne- ja ympäristökeskus"),
    ("Kaakkois-Suomen ELY-keskus", "Kaakkois-Suomen elinkeino-, liikenne- ja ympäristökeskus"),
    ("Pohjois-Savon ELY-keskus", "Pohjois-Savon elinkeino-, liikenne- ja ympäristökeskus"),
    ("Pohjois-Karjalan ELY-keskus", "Pohjois-Karjalan elinkeino-, liikenne- ja ympäristökeskus"),
    ("Etelä-Pohjanmaan ELY-keskus", "Etelä-Pohjanmaan elinkeino-, liikenne- ja ympäristökeskus"),
    ("Lapin ELY-keskus", "Lapin elinkeino-, liikenne- ja ympäristökeskus"),
)

# (genitive as in an organisation name, municipality as the registry writes it)
PLACES = (
    ("Helsingin", "Helsinki"), ("Espoon", "Espoo"), ("Vantaan", "Vantaa"), ("Tampereen", "Tampere"),
    ("Turun", "Turku"), ("Oulun", "Oulu"), ("Jyväskylän", "Jyväskylä"), ("Kuopion", "Kuopio"),
    ("Lahden", "Lahti"), ("Porin", "Pori"), ("Joensuun", "Joensuu"), ("Mikkelin", "Mikkeli"),
    ("Kotkan", "Kotka"), ("Kouvolan", "Kouvola"), ("Vaasan", "Vaasa"), ("Seinäjoen", "Seinäjoki"),
    ("Rovaniemen", "Rovaniemi"), ("Kajaanin", "Kajaani"), ("Savonlinnan", "Savonlinna"),
    ("Hämeenlinnan", "Hämeenlinna"), ("Lappeenrannan", "Lappeenranta"), ("Porvoon", "Porvoo"),
    ("Järvenpään", "Järvenpää"), ("Keravan", "Kerava"), ("Raahen", "Raahe"), ("Kemin", "Kemi"),
    ("Tornion", "Tornio"), ("Iisalmen", "Iisalmi"), ("Varkauden", "Varkaus"), ("Salon", "Salo"),
    ("Rauman", "Rauma"), ("Forssan", "Forssa"), ("Riihimäen", "Riihimäki"), ("Hyvinkään", "Hyvinkää"),
    ("Lohjan", "Lohja"), ("Kokkolan", "Kokkola"), ("Imatran", "Imatra"), ("Kuusamon", "Kuusamo"),
    ("Nurmijärven", "Nurmijärvi"), ("Tuusulan", "Tuusula"), ("Nokian", "Nokia"),
    ("Äänekosken", "Äänekoski"), ("Pieksämäen", "Pieksämäki"), ("Heinolan", "Heinola"),
    ("Loviisan", "Loviisa"), ("Kangasalan", "Kangasala"), ("Ylöjärven", "Ylöjärvi"),
    ("Sastamalan", "Sastamala"),
)

# (name pattern, registry organisation type); {p} is a place genitive, {w} a capitalised word
ORG_KINDS = (
    ("{p} kaupunki", "Kunta"),
    ("{p} ammattiopisto", "Kuntayhtymä"),
    ("{p} kansanopisto", "Muu oppilaitos"),
    ("{p} seurakuntayhtymä", "Seurakunta"),
    ("{p} Setlementti ry", "Kansalaisjärjestö"),
    ("{p} Nuorisoseura ry", "Kansalaisjärjestö"),
    ("{p} Mielenterveysseura ry", "Kansalaisjärjestö"),
    ("{p} Työttömät ry", "Muu järjestö tai yhdistys"),
    ("{p} Kylätoiminta ry", "Muu järjestö tai yhdistys"),
    ("{p} Katulähetys ry", "Kansalaisjärjestö"),
    ("{p} Sosiaalipalvelusäätiö sr", "Säätiö"),
    ("{p} Kehitys Oy", "Pieni yritys"),
    ("{p} {w}keskus ry", "Muu järjestö tai yhdistys"),
    ("{p} {w}yhdistys ry", "Kansalaisjärjestö"),
    ("{w}säätiö sr", "Säätiö"),
    ("{p} {w}palvelut Oy", "Mikroyritys"),
)

UNIVERSITIES = (
    # (card name, registry official name, short publisher name)
    ("Kaakkois-Suomen ammattikorkeakoulu", "Kaakkois-Suomen Ammattikorkeakoulu Oy", "Xamk"),
    ("Diakonia-ammattikorkeakoulu", "Diakonia-ammattikorkeakoulu Oy", "Diak"),
    ("Jyväskylän ammattikorkeakoulu", "Jyväskylän ammattikorkeakoulu Oy", "JAMK"),
    ("Lapin ammattikorkeakoulu", "Lapin ammattikorkeakoulu Oy", "Lapin AMK"),
    ("Savonia-ammattikorkeakoulu", "Savonia-ammattikorkeakoulu Oy", "Savonia"),
    ("Karelia-ammattikorkeakoulu", "Karelia-ammattikorkeakoulu Oy", "Karelia"),
    ("Turun ammattikorkeakoulu", "Turun ammattikorkeakoulu Oy", "Turku AMK"),
    ("Metropolia Ammattikorkeakoulu", "Metropolia Ammattikorkeakoulu Oy", "Metropolia"),
)

KNOWN_IDS = {"Kaakkois-Suomen Ammattikorkeakoulu Oy": "2472908-2"}
"""Organisations of data/reference/organisations.csv keep their real business ID."""

TARGET_GROUPS = (
    "maahanmuuttajat", "maahanmuuttajaperheet", "nuoret", "itsenäisesti asuvat nuoret", "lapsiperheet",
    "ikääntyneet", "vammaiset", "työnhakijat", "mielenterveyskuntoutujat", "päihdekuntoutujat",
    "pitkäaikaistyöttömät", "osatyökykyiset", "yksinhuoltajat", "omaishoitajat", "asunnottomat",
    "romanit", "vapautuvat vangit", "kehitysvammaiset", "syrjäytymisvaarassa olevat nuoret",
    "työelämän ulkopuolella olevat", "sosiaalisesti heikossa asemassa olevat", "vapaaehtoiset",
    "järjestötoimijat", "sosiaali- ja terveysalan ammattilaiset", "nuoret aikuiset",
    "maahanmuuttajanaiset", "eläkeläiset", "opiskelijat",
)
MAIN_GROUPS = (
    "Asuinalueilla pilotteihin osallistuvat", "Heikossa työmarkkina-asemassa olevat",
    "Hankkeen toimialueen asukkaat", "Työelämän ulkopuolella olevat", "Järjestöjen toimintaan osallistuvat",
    "Palveluiden käyttäjät", "Kuntien asukkaat",
)
MONTHS = ("tammikuu", "helmikuu", "maaliskuu", "huhtikuu", "toukokuu", "kesäkuu", "heinäkuu", "elokuu",
          "syyskuu", "lokakuu", "marraskuu", "joulukuu")
COMPILER = "Sosiaalisen osallisuuden edistämisen koordinaatiohanke — Sokra"

# Labels as the seed card splits them over lines ("" is a blank line inside the label).
LABELS = {
    "name": ("Hankkeen nimi, S-numero ja", "", "toteutusaika"),
    "funders": ("Rahoittaja ja toteutunut", "julkinen rahoitus"),
    "implementers": ("Toteuttajat",),
    "target_groups": ("Varsinaiset kohderyhmät",),
    "background": ("Hankkeen tausta",),
    "goals": ("Tavoitteet",),
    "method": ("Toimintatapa",),
    "outputs": ("Tuotokset",),
    "practices": ("Lupaavat osallisuuden", "käytännöt ja palaset"),
    "results": ("Muut tulokset ja vaikutukset",),
    "dissemination": ("Levittäminen ja juurrutus",),
    "notes": ("Erityishuomioita, kehittä-", "", "mistyön ongelmia"),
}

# The logo garbage of the seed card, verbatim.
LOGO_GARBAGE = """eN Osy,
\\’\\5 <’\\S‘

\\V'v ) ) OO
(2] 'R (o]
o & ™
%] r4

SOKRA
"c‘) e 9
pe eoc e ~

\\p)fv'» ee e V\\VV

’ o
SEN KOOQ

thl Diak

* *
* 5k
E U : I-ta- Euroopan unioni

201 4—2020 Euroopan sosiaalirahasto
"""

FALLBACK_WORDS = (
    "hankkeen tavoitteena on edistää osallisuutta ja vahvistaa yhteisöllisyyttä alueella sekä "
    "kehittää uusia toimintamalleja ja palveluita asukkaiden kanssa yhdessä työllisyyttä ja "
    "hyvinvointia tukien ohjausta neuvontaa koulutusta verkostoja kokeiluja menetelmiä"
).split()


# ----------------------------------------------------------------------- word pool

_WORD = re.compile(r"[a-zåäö]+(?:-[a-zåäö]+)*")


def registry_summary_dirs() -> list[Path]:
    """Where the registry pages whose summaries feed the word pool may be."""
    root = paths.shapes_dir().parent
    return [root / "data" / "registry" / "eura2014"]


def word_pool(folders: list[Path] | None = None) -> tuple[str, ...]:
    """Lower-case words of the Finnish registry summaries, each as often as it occurs.

    Sorted by (descending count, word) and expanded, so the pool, and with it the
    corpus, does not depend on file-system order.
    """
    counts: Counter[str] = Counter()
    for folder in folders if folders is not None else registry_summary_dirs():
        if not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.txt")):
            text = path.read_text(encoding="utf-8")
            if SUMMARY_HEADING not in text:
                continue
            body = text.split(SUMMARY_HEADING, 1)[1]
            body = body.rsplit(None, 1)[0]  # the last word is cut off on every page
            for token in body.split():
                token = token.strip(".,;:()\"'”“!?")
                if token and token == token.lower() and _WORD.fullmatch(token) and len(token) > 1:
                    counts[token] += 1
    if not counts:
        counts.update(FALLBACK_WORDS)
    ordered = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    return tuple(w for w, c in ordered for _ in range(c))


# ----------------------------------------------------------------------- business IDs

_YTUNNUS_WEIGHTS = (7, 9, 10, 5, 8, 4, 2)


def ytunnus_check_digit(body: str) -> int | None:
    """The check digit of a 7-digit Y-tunnus body, or None when no digit makes it valid."""
    remainder = sum(int(d) * w for d, w in zip(body, _YTUNNUS_WEIGHTS)) % 11
    if remainder == 0:
        return 0
    if remainder == 1:
        return None
    return 11 - remainder


def ytunnus(number: int) -> str:
    """The first valid Y-tunnus at or after the 7-digit ``number`` (as ``1234567-8``)."""
    while True:
        body = f"{number:07d}"
        check = ytunnus_check_digit(body)
        if check is not None:
            return f"{body}-{check}"
        number += 1


def isbn13(rng: random.Random) -> str:
    """A valid Finnish ISBN-13 (978-952-…) without hyphens."""
    body = "978952" + "".join(str(rng.randrange(10)) for _ in range(6))
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


# ----------------------------------------------------------------------- the corpus model


@dataclass(frozen=True)
class Org:
    card_name: str
    official_name: str
    business_id: str
    org_type: str
    municipality: str
    short: str


@dataclass
class SynthProject:
    code: str
    name: str
    start: date
    end: date
    funders: list[tuple[int, int]]  # (ELY index, amount in euros)
    implementers: list[tuple[Org, str]]  # (organisation, role word)
    target_groups: str
    prose: dict[str, str]
    outputs: list[str]
    links: list[str]
    compiled: tuple[str, int]
    summary: str
    status: str = "Toiminta päättynyt"
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SynthSummary:
    """What ``generate`` wrote."""

    out: Path
    projects: int
    organisations: int
    cards: int
    registry_pages: int
    bytes_written: int


class Generator:
    """Draws projects from a seeded random generator; see the module docstring."""

    def __init__(self, n: int, seed: int, words: tuple[str, ...] | None = None):
        if not 1 <= n <= MAX_PROJECTS:
            raise ValueError(f"n must be between 1 and {MAX_PROJECTS}, not {n}")
        self.n = n
        self.seed = seed
        self.rng = random.Random(f"hankekg-synth:{seed}")
        self.words = words if words is not None else word_pool()
        self.capital_words = tuple(sorted({w.split("-")[0] for w in self.words if 5 <= len(w) <= 9}))
        self.orgs = self._organisations(max(10, n // 5))

    # ------------------------------------------------------------------ pools

    def _organisations(self, count: int) -> tuple[Org, ...]:
        rng = random.Random(f"hankekg-synth-orgs:{self.seed}")
        names: dict[str, Org] = {}
        universities = min(len(UNIVERSITIES), count // 10)
        for card, official, short in UNIVERSITIES[:universities]:
            names[card] = Org(card, official, "", "Ammattikorkeakoulu", "", short)
        attempts = 0
        while len(names) < count and attempts < count * 50:
            attempts += 1
            pattern, kind = ORG_KINDS[rng.randrange(len(ORG_KINDS))]
            genitive, municipality = PLACES[rng.randrange(len(PLACES))]
            word = rng.choice(self.capital_words).capitalize() if "{w}" in pattern else ""
            name = pattern.format(p=genitive, w=word)
            if name not in names:
                names[name] = Org(name, name, "", kind, municipality, name)
        # business IDs: unique, increasing in the order of the pool, valid check digits
        out, number = [], 1000000 + rng.randrange(500000)
        for org in list(names.values())[:count]:
            if org.official_name in KNOWN_IDS:
                bid = KNOWN_IDS[org.official_name]
            else:
                bid = ytunnus(number)
                number = int(bid[:7]) + 1 + rng.randrange(37)
            municipality = org.municipality or PLACES[rng.randrange(len(PLACES))][1]
            out.append(Org(org.card_name, org.official_name, bid, org.org_type, municipality, org.short))
        return tuple(out)

    def _words(self, k: int) -> list[str]:
        return self.rng.choices(self.words, k=k)

    def prose(self, low: int = 200, high: int = 800, separator: str = "; ") -> str:
        """Clauses of pool words, 200–800 characters."""
        target = self.rng.randint(low, high)
        clauses: list[str] = []
        while len(separator.join(clauses)) < target:
            clauses.append(" ".join(self._words(self.rng.randint(4, 12))))
        if separator.startswith("."):
            clauses = [c[0].upper() + c[1:] for c in clauses]
        text = separator.join(clauses)
        if len(text) > high:
            text = text[:high].rsplit(" ", 1)[0]
        text = text.rstrip(" ;,")
        return text[0].upper() + text[1:]

    def title(self, low: int = 2, high: int = 7) -> str:
        words = self._words(self.rng.randint(low, high))
        text = " ".join(words)
        return text[0].upper() + text[1:]

    # ------------------------------------------------------------------ one project

    def project(self, i: int) -> SynthProject:
        rng = self.rng
        code = project_code(i)
        name = self.title(2, 6)
        if rng.random() < 0.4:
            name += " – " + " ".join(self._words(rng.randint(2, 5)))
        start = date(2015, 1, 1) + timedelta(days=rng.randrange(5 * 365))
        end = start + timedelta(days=rng.randrange(300, 4 * 365))
        start = start.replace(day=1)
        funders = [(rng.randrange(len(ELY_CENTRES)), rng.randrange(40_000, 2_500_000))]
        if rng.random() < 0.15:
            other = (funders[0][0] + 1 + rng.randrange(len(ELY_CENTRES) - 1)) % len(ELY_CENTRES)
            funders.append((other, rng.randrange(10_000, 600_000)))
        count = rng.choices((1, 2, 3, 4, 5), weights=(30, 30, 20, 12, 8))[0]
        chosen = rng.sample(range(len(self.orgs)), k=min(count, len(self.orgs)))
        transfer = rng.random() < 0.15
        implementers = [(self.orgs[chosen[0]], "päätoteuttaja")]
        for j in chosen[1:]:
            implementers.append((self.orgs[j], "tuen siirronsaaja" if transfer else "osatoteuttaja"))
        groups = rng.sample(TARGET_GROUPS, k=rng.randint(1, 4))
        if len(groups) == 1:
            target = groups[0].capitalize() if rng.random() < 0.5 else rng.choice(MAIN_GROUPS)
            if target != groups[0].capitalize():
                target += ", erityisesti " + groups[0]
        else:
            rest = groups[1:]
            listed = ", ".join(rest[:-1]) + " ja " + rest[-1] if len(rest) > 1 else rest[0]
            target = groups[0].capitalize() + ", erityisesti " + listed
        prose = {
            "background": self.prose(),
            "goals": self.prose(),
            "method": self.prose(),
            "practices": self.prose(200, 400) if rng.random() < 0.2 else "",
            "results": self.prose(),
            "dissemination": self.prose(),
            "notes": self.prose(),
        }
        outputs, links = [], [f"https://www.eura2014.fi/rrtiepa/projekti.php?projektikoodi={code}"]
        for k in range(rng.choices((0, 1, 2, 3, 4, 5), weights=(15, 25, 25, 15, 12, 8))[0]):
            title = self.title(1, 6)
            publisher = rng.choice([imp.short for imp, _ in implementers])
            year = min(end.year, 2022)
            shape = rng.random()
            if shape < 0.55:
                size = f"{rng.randrange(1, 250) / 10:.1f}".replace(".", ",").replace(",0", "")
                outputs.append(f"{title} ({publisher}, {year}) (pdf {size} Mt)")
                slug = "_".join(title.lower().split()[:4])
                if rng.random() < 0.25:
                    isbn = isbn13(rng)
                    links.append(f"https://www.theseus.fi/bitstream/handle/10024/{rng.randrange(100000, 999999)}"
                                 f"/URNISBN{isbn}.pdf?sequence=2&isAllowed=y")
                else:
                    links.append(f"https://www.example.fi/julkaisut/{code.lower()}/{k + 1}/"
                                 f"{_ascii_slug(slug)}.pdf")
            elif shape < 0.85:
                outputs.append(f"{title} ({publisher}, {year})")
            else:
                outputs.append(title)
        if len(links) > 1 and rng.random() < 0.2:
            links.append(links[-1])  # a duplicate, as on the seed
        compiled = (MONTHS[rng.randrange(12)], rng.choice((2021, 2022, 2022, 2023)))
        summary = "\n\n".join(self.prose(300, 900, ". ") + "." for _ in range(rng.randint(1, 3)))
        status = "Toiminta päättynyt" if end.year < 2023 else "Toiminnassa"
        return SynthProject(code, name, start, end, funders, implementers, target, prose, outputs, links,
                            compiled, summary, status)

    # ------------------------------------------------------------------ rendering

    def card_text(self, p: SynthProject) -> str:
        rng = self.rng
        d = lambda s: damage(s, rng)  # noqa: E731 - each call draws anew
        lines: list[str] = [" Koonnut " + d(COMPILER) + f", {d(p.compiled[0])} {p.compiled[1]}", ""]
        lines += [f"{p.code}, {d(p.name)}", ""]

        def label(key: str) -> None:
            lines.extend(d(part) for part in LABELS[key])
            lines.append("")

        def value(text: str) -> None:
            if text:
                lines.extend(self._wrap(d(text)))
            lines.append("")

        label("name")
        period = f"{_fi_date(p.start)} — {_fi_date(p.end)} (hanke RR-tietopalvelussa)"
        value(f"{p.code} — {d(p.name).replace(' – ', ' — ')}, {period}")
        label("funders")
        value("; ".join(f"{d(ELY_CENTRES[e][0])}, {_euros(a)} €" for e, a in p.funders))
        label("implementers")
        value(", ".join(f"{d(o.card_name)} ({d(role)})" for o, role in p.implementers))
        label("target_groups")
        value(p.target_groups)
        for key in ("background", "goals", "method"):
            label(key)
            value(p.prose[key])
        label("outputs")
        value("; ".join(p.outputs))
        label("practices")
        value(p.prose["practices"])
        for key in ("results", "dissemination", "notes"):
            label(key)
            value(p.prose[key])
        lines.append(LOGO_GARBAGE)
        lines.append("")
        lines.extend(p.links)
        return "\n".join(lines) + "\n"

    def _wrap(self, text: str) -> list[str]:
        """Wrap at about WRAP characters; now and then a blank line between two lines."""
        out: list[str] = []
        line = ""
        for word in text.split(" "):
            if line and len(line) + 1 + len(word) > WRAP:
                out.append(line)
                if self.rng.random() < 0.12:
                    out.append("")
                line = word
            else:
                line = f"{line} {word}" if line else word
        if line:
            out.append(line)
        return _unlabel(out)

    def registry_text(self, p: SynthProject) -> str:
        applicant = p.implementers[0][0]
        partners = p.implementers[1:]
        if not partners:
            how = "Vain yksi hakija"
        elif partners[0][1] == "tuen siirronsaaja":
            how = ("Hakija siirtää osan haettavasta tuesta yhdelle tai useammalle taholle hankkeen "
                   "toteuttamista varten (tuen siirto)")
        else:
            how = "Hakijoita on useampi kuin yksi (yhteishanke)"
        lines = [
            "Euroopan unioni Vipuvoimaa EU:lta", "",
            "Euroopan sosiaalirahaston (ESR) rahoittaman hankkeen kuvaus", "",
            "1 Hanke", "",
            f"Hankekoodi: {p.code}", "",
            f"Hankkeen nimi: {p.name.replace(' – ', ' - ')}", "",
            "Toimintalinja: 5. Sosiaalinen osallisuus ja köyhyyden torjunta", "",
            "Erityistavoite: 10.1. Työelämän ulkopuolella olevien työ- ja toimintakyvyn parantaminen", "",
            f"Suunnitelman mukainen toteutusaika: Alkaa {_fi_date(p.start)} ja päättyy {_fi_date(p.end)}", "",
            f"Toiminnan tila: {p.status}", "",
            f"Vastuuviranomainen: {ELY_CENTRES[p.funders[0][0]][1]}", "",
            "2 Hakijan perustiedot", "",
            f"Hakijan virallinen nimi: {applicant.official_name}", "",
            f"Organisaatiotyyppi: {applicant.org_type}", "",
            f"Y-tunnus: {applicant.business_id}", "",
            f"Jakeluosoite: {self.title(1, 1).split()[0]}katu {self.rng.randint(1, 60)}", "",
            "Puhelinnumero:", "",
            f"Postinumero: {self.rng.randrange(100, 990) * 100:05d}", "",
            f"Postitoimipaikka: {applicant.municipality}", "",
            f"WWW-osoite: http://www.{_ascii_slug(applicant.short.lower())}.fi", "",
            f"Hakijoiden lukumäärä tai tuen siirto -menettely: {how}", "",
        ]
        if partners:
            lines.append("Tuen siirronsaajat" if partners[0][1] == "tuen siirronsaaja" else "Osatoteuttajat")
            lines.append("")
            lines.extend(f"{o.official_name}, {o.business_id}" for o, _ in partners)
            lines.append("")
        lines += [SUMMARY_HEADING, "", p.summary]
        return "\n".join(lines) + "\n"


def _unlabel(lines: list[str]) -> list[str]:
    """Join onto its neighbour a short line that the card parser would take for a label.

    Real cards have no prose line such as a lone ``tavoitteena`` (the parser would read
    it as the label ``Tavoitteet``), so the generator does not make one either.
    """
    from hankekg.cards.labels import match_label

    out = list(lines)
    i = 0
    while i < len(out):
        text = out[i].strip()
        if text and len(text) <= 70 and len([t for t in out if t.strip()]) > 1:
            following = next((t for t in out[i + 1:] if t.strip()), None)
            if match_label([text]) or (following and len(following) <= 70 and match_label([text, following])):
                j = max(k for k in range(i) if out[k].strip()) if any(t.strip() for t in out[:i]) else None
                if j is None:  # the first line: take the next one in
                    k = next(k for k in range(i + 1, len(out)) if out[k].strip())
                    out[i] = f"{out[i]} {out[k]}"
                    del out[k]
                else:
                    out[j] = f"{out[j]} {text}"
                    del out[i]
                i = 0
                continue
        i += 1
    return out


def _fi_date(d: date) -> str:
    return f"{d.day}.{d.month}.{d.year}"


def _euros(amount: int) -> str:
    """368136 → ``368 136`` (space as the thousands separator)."""
    return f"{amount:,}".replace(",", " ")


_ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a", "Ä": "A", "Ö": "O", "Å": "A"})


def _ascii_slug(text: str) -> str:
    return re.sub(r"[^a-z0-9_]+", "-", text.translate(_ASCII).lower()).strip("-") or "x"


def _write(path: Path, text: str) -> int:
    data = text.encode("utf-8")
    path.write_bytes(data)
    return len(data)


def generate(n: int, seed: int, out: Path, *, words: tuple[str, ...] | None = None,
             reference: Path | None = None, registry: bool = True) -> SynthSummary:
    """Write a synthetic corpus of ``n`` projects for ``seed`` under ``out`` (see the module doc).

    Existing card and registry files of the same codes are overwritten; other files are
    left alone. ``reference`` is the reference folder copied to ``out/reference``
    (default: hankekg's bundled data/reference).
    """
    gen = Generator(n, seed, words)
    cards_dir = out / "cards"
    registry_dir = out / "registry" / "eura2014"
    cards_dir.mkdir(parents=True, exist_ok=True)
    if registry:
        registry_dir.mkdir(parents=True, exist_ok=True)
    written = pages = 0
    for i in range(n):
        project = gen.project(i)
        written += _write(cards_dir / f"{project.code}.txt", gen.card_text(project))
        if registry:
            written += _write(registry_dir / f"{project.code}.txt", gen.registry_text(project))
            pages += 1
    source = reference or paths.bundled_reference_dir()
    target = out / "reference"
    if target.resolve() != source.resolve():
        shutil.copytree(source, target, dirs_exist_ok=True)
    return SynthSummary(out, n, len(gen.orgs), n, pages, written)
