"""Find a project's item in Kohesio / the EU Knowledge Graph (linkedopendata.eu).

No Kohesio property is known to carry the national project code (S21684), so a project is matched
on its name, dates and beneficiary:

1. Retrieval (:meth:`KohesioMatcher.candidates`): Finnish projects (``wdt:P35 wd:Q9934 ;
   wdt:P32 wd:Q10``) any of whose labels contains one of a few distinctive, lower-cased word
   stems of the name. The stems are passed as escaped string literals in a ``VALUES`` block
   (:func:`sparql_string_literal`); no text from the caller reaches the query any other way.
2. Scoring (:func:`score_candidate`), each part in [0, 1], weighted sum in [0, 1]:

   ======================  ======  ========================================================
   part                    weight  value
   ======================  ======  ========================================================
   name                    0.5     best over the labels of rapidfuzz ``token_set_ratio`` of
                                   the case-folded name and label (a label with a prefix still
                                   scores high), times the square of the word coverage when
                                   both sides have words the other lacks (a swapped word such
                                   as a region marks it down); see :func:`name_similarity`
   start date (P20)        0.2     1 if equal, 0.6 if within 31 days, else 0
   beneficiary (P889)      0.2     1 if a beneficiary label and one of the project's
                                   beneficiary forms are >= 0.9 similar (same measure as the
                                   name), 0.5 if >= 0.8, else 0
   end date (P33)          0.1     1 if equal, 0.5 if within 366 days (Kohesio's end dates
                                   lag or lead the registry's: Sokra's differs by 11 months),
                                   else 0
   ======================  ======  ========================================================

   Missing facts on either side score 0: absent evidence is not evidence.
3. Decision (:meth:`KohesioMatcher.assess`), conservative because a wrong link is worse than a
   missing one: the best candidate must have a name score >= ``name_floor``, a total >=
   ``min_score``, and lead every other candidate by at least ``min_margin``; otherwise there is
   no match and :attr:`MatchOutcome.reason` says why (no candidate, names too different, score too
   low, or ambiguous with the runner-up named).

:meth:`KohesioMatcher.match` returns just the :class:`KohesioMatch` or ``None`` (logging the reason);
:meth:`KohesioMatcher.assess` and :meth:`KohesioMatcher.match_all` return :class:`MatchOutcome`.
Endpoint failures (down, timeout, HTTP error, an answer that is not SPARQL JSON) raise
:class:`hankekg.errors.LinkError` naming the endpoint.
"""

from __future__ import annotations

import http.client
import json
import logging
import re
import urllib.error
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.utils import default_process
from SPARQLWrapper import JSON, POST, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import SPARQLWrapperException
from rdflib import Literal

from hankekg.errors import LinkError
from hankekg.query.catalogue import term_sparql

log = logging.getLogger(__name__)

#: The public EU Knowledge Graph endpoint.
KOHESIO_ENDPOINT = "https://query.linkedopendata.eu/sparql"
ENTITY = "https://linkedopendata.eu/entity/"

WEIGHTS = {"name": 0.5, "start": 0.2, "beneficiary": 0.2, "end": 0.1}

#: Words too generic to find a project by (they occur in thousands of labels).
GENERIC_WORDS = frozenset(
    """hanke hankkeen hankkeessa hankkeet hankkeiden projekti projektin ohjelma kehittäminen
    kehittämishanke kehittämisen kehittämis osallisuus osallisuuden sosiaalinen sosiaalisen
    pilotti pilotointi toiminta toiminnan palvelut palveluiden tuki tukeminen
    project development social inclusion""".split()
)

_WORD = re.compile(r"\w+", re.UNICODE)
_DATE = re.compile(r"^\+?(\d{4})-(\d{2})-(\d{2})")

_QUERY_TEMPLATE = """\
PREFIX wd: <https://linkedopendata.eu/entity/>
PREFIX wdt: <https://linkedopendata.eu/prop/direct/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?item ?label ?start ?end ?beneficiaryLabel WHERE {
  {
    SELECT DISTINCT ?item WHERE {
      VALUES ?term { %(terms)s }
      ?item wdt:P35 wd:Q9934 ;
            wdt:P32 wd:Q10 ;
            rdfs:label ?matched .
      FILTER(CONTAINS(LCASE(STR(?matched)), ?term))
    }
    LIMIT %(limit)d
  }
  ?item rdfs:label ?label .
  FILTER(LANG(?label) IN ("fi", "sv", "en", ""))
  OPTIONAL { ?item wdt:P20 ?start }
  OPTIONAL { ?item wdt:P33 ?end }
  OPTIONAL {
    ?item wdt:P889 ?beneficiary .
    ?beneficiary rdfs:label ?beneficiaryLabel .
    FILTER(LANG(?beneficiaryLabel) IN ("fi", "sv", "en", ""))
  }
}
"""

def sparql_string_literal(text: str) -> str:
    """Return ``text`` as a SPARQL double-quoted string literal: the query catalogue's own
    escaping (:func:`hankekg.query.catalogue.term_sparql`), so that no text can end the literal
    on any store, even one that expands ``\\u`` escapes before parsing."""
    return term_sparql(Literal(text))


@dataclass(frozen=True)
class ProjectFacts:
    """What we know of a project, to find it in Kohesio.

    Attributes:
        code: the EURA2014 code, e.g. ``S21684``.
        name: the project name as the registry or card gives it.
        start: planned start date.
        end: planned end date.
        beneficiaries: names of the main implementer / applicant (official and card forms).
    """

    code: str
    name: str
    start: date | None = None
    end: date | None = None
    beneficiaries: tuple[str, ...] = ()


@dataclass(frozen=True)
class KohesioCandidate:
    """A Kohesio project item as retrieved (all labels of the accepted languages)."""

    item: str
    labels: tuple[str, ...]
    start: date | None
    end: date | None
    beneficiaries: tuple[str, ...]

    @property
    def qid(self) -> str:
        """The item's local name, e.g. ``Q3757214``."""
        return self.item.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class ScoredCandidate:
    """A candidate with its part scores (each in [0, 1]) and the weighted total."""

    candidate: KohesioCandidate
    label: str
    name: float
    start: float
    end: float
    beneficiary: float
    score: float
    evidence: tuple[str, ...]

    @property
    def method(self) -> str:
        """The kinds of evidence that agreed, e.g. ``label+dates+beneficiary``."""
        parts = ["label"]
        if self.start > 0 or self.end > 0:
            parts.append("dates")
        if self.beneficiary > 0:
            parts.append("beneficiary")
        return "+".join(parts)


@dataclass(frozen=True)
class KohesioMatch:
    """An accepted link from a project to a Kohesio item.

    Attributes:
        code: the project's EURA2014 code.
        item: the full item IRI, ``https://linkedopendata.eu/entity/Q…``.
        label: the item label that matched the name best.
        score: the weighted total in [0, 1].
        method: the kinds of evidence that agreed, e.g. ``label+dates+beneficiary``.
        evidence: one readable line per comparison made.
    """

    code: str
    item: str
    label: str
    score: float
    method: str
    evidence: tuple[str, ...]


@dataclass(frozen=True)
class MatchOutcome:
    """The decision for one project: a match, or ``None`` and the reason.

    Attributes:
        code: the project's EURA2014 code.
        match: the accepted match, or ``None``.
        reason: why it was accepted or refused, for a report.
        candidates: every scored candidate, best first.
    """

    code: str
    match: KohesioMatch | None
    reason: str
    candidates: tuple[ScoredCandidate, ...] = field(default=())

    @property
    def matched(self) -> bool:
        """Whether a match was accepted."""
        return self.match is not None


def _fold(text: str) -> str:
    return default_process(text.casefold())


def _coverage(words: Sequence[str], other: Sequence[str]) -> float:
    """The share of ``words`` that have a near-equal word (ratio >= 80) in ``other``."""
    if not words:
        return 1.0
    hits = sum(1 for word in words if any(fuzz.ratio(word, o) >= 80 for o in other))
    return hits / len(words)


def name_similarity(name: str, label: str) -> tuple[float, float, float]:
    """Compare a project name with an item label.

    Returns:
        (score, token_set_ratio, word coverage), each in [0, 1]. The score is the token set
        ratio times the square of the better of the two word coverages: a label that only adds
        or drops words (a prefix, an acronym) keeps its score, but one that swaps a word
        ("Etelä-Savossa" for "Etelä-Karjalassa") is marked down. Near-equal words
        (inflections like kehittäminen / kehittämisen) count as present.
    """
    ours, theirs = _fold(name).split(), _fold(label).split()
    base = fuzz.token_set_ratio(" ".join(ours), " ".join(theirs)) / 100.0
    coverage = max(_coverage(ours, theirs), _coverage(theirs, ours))
    return base * coverage**2, base, coverage


def search_terms(name: str, limit: int = 4) -> tuple[str, ...]:
    """Choose a few distinctive lower-cased word stems of ``name`` to retrieve candidates by.

    Words of four or more letters, minus :data:`GENERIC_WORDS`, rarest first (by Finnish word
    frequency, so an acronym like "Sokra" ranks first), cut to a stem so that inflected forms
    (yhteisöllisen / yhteisöllinen) still match as substrings.
    """
    from wordfreq import zipf_frequency  # loaded lazily: it reads its word lists on first use

    words = {w for w in _WORD.findall(name.casefold()) if not w.isdigit()}
    usable = [w for w in words if len(w) >= 4 and w not in GENERIC_WORDS]
    if not usable:
        usable = [w for w in words if len(w) >= 3]
    ranked = sorted(usable, key=lambda w: (zipf_frequency(w, "fi"), -len(w), w))
    stems: list[str] = []
    for word in ranked:
        stem = word[: max(5, len(word) - 3)] if len(word) > 6 else word
        if stem not in stems:
            stems.append(stem)
        if len(stems) == limit:
            break
    return tuple(stems)


def _parse_date(value: str | None) -> date | None:
    """Read ``2014-10-01``, ``2014-10-01T00:00:00Z`` or ``+2014-10-01T…`` (Wikibase) as a date."""
    if not value:
        return None
    found = _DATE.match(value.strip())
    if not found:
        return None
    try:
        return date(int(found[1]), int(found[2]), int(found[3]))
    except ValueError:
        return None


def _date_part(
    what: str, ours: date | None, theirs: date | None, close_days: int, close_value: float, note: str = ""
) -> tuple[float, str]:
    if ours is None or theirs is None:
        return 0.0, f"{what}: not compared (ours {ours or 'unknown'}, Kohesio {theirs or 'unknown'})"
    days = abs((ours - theirs).days)
    if days == 0:
        return 1.0, f"{what}: {ours.isoformat()} equal"
    if days <= close_days:
        return close_value, (
            f"{what}: ours {ours.isoformat()}, Kohesio {theirs.isoformat()}, {days} days apart{note}"
        )
    return 0.0, f"{what}: ours {ours.isoformat()}, Kohesio {theirs.isoformat()}, {days} days apart: disagree"


def score_candidate(facts: ProjectFacts, candidate: KohesioCandidate) -> ScoredCandidate:
    """Score one candidate against the project's facts; see the module docstring for the rule."""
    label, name, ratio, coverage = "", 0.0, 0.0, 0.0
    for candidate_label in candidate.labels:
        similarity = name_similarity(facts.name, candidate_label)
        if similarity[0] > name or not label:
            label, (name, ratio, coverage) = candidate_label, similarity
    evidence = [
        f"label: {label!r} ~ {facts.name!r} token_set_ratio {ratio * 100:.0f}, "
        f"word coverage {coverage:.2f}: name {name:.2f}"
    ]

    start, note = _date_part("start", facts.start, candidate.start, 31, 0.6)
    evidence.append(note)
    end, note = _date_part("end", facts.end, candidate.end, 366, 0.5, " (weak evidence)")
    evidence.append(note)

    beneficiary, best_pair = 0.0, None
    best_similarity = 0.0
    for ours in facts.beneficiaries:
        for theirs in candidate.beneficiaries:
            similarity = name_similarity(ours, theirs)[0]
            if best_pair is None or similarity > best_similarity:
                best_similarity, best_pair = similarity, (ours, theirs)
    if best_pair is None:
        evidence.append("beneficiary: not compared (none known on one side)")
    else:
        beneficiary = 1.0 if best_similarity >= 0.9 else 0.5 if best_similarity >= 0.8 else 0.0
        verdict = "agree" if beneficiary == 1.0 else "partly agree" if beneficiary else "disagree"
        evidence.append(
            f"beneficiary: {best_pair[1]!r} ~ {best_pair[0]!r} similarity "
            f"{best_similarity:.2f}: {verdict}"
        )

    total = (
        WEIGHTS["name"] * name
        + WEIGHTS["start"] * start
        + WEIGHTS["beneficiary"] * beneficiary
        + WEIGHTS["end"] * end
    )
    return ScoredCandidate(
        candidate=candidate, label=label, name=name, start=start, end=end,
        beneficiary=beneficiary, score=round(total, 4), evidence=tuple(evidence),
    )


class KohesioMatcher:
    """Match projects to Kohesio items over a SPARQL endpoint.

    Args:
        endpoint: the SPARQL query URL, e.g. :data:`KOHESIO_ENDPOINT` or an Oxigraph ``/query``.
        timeout: seconds to wait for each answer.
        min_score: the weighted total the best candidate needs.
        min_margin: how far the best must lead the runner-up.
        name_floor: the name similarity the best candidate needs, whatever its total.
        max_candidates: at most this many items are retrieved per project.
        user_agent: sent with each request.
    """

    def __init__(
        self,
        endpoint: str = KOHESIO_ENDPOINT,
        timeout: float = 30,
        min_score: float = 0.75,
        *,
        min_margin: float = 0.1,
        name_floor: float = 0.75,
        max_candidates: int = 100,
        user_agent: str = "hankekg/0.1 (ESF project knowledge graph; SPARQLWrapper)",
    ):
        self.endpoint = endpoint
        self.timeout = timeout
        self.min_score = min_score
        self.min_margin = min_margin
        self.name_floor = name_floor
        self.max_candidates = max_candidates
        self.user_agent = user_agent

    # -- endpoint ------------------------------------------------------------------------------

    def build_query(self, terms: Sequence[str]) -> str:
        """The candidate query for ``terms``, each bound as an escaped literal in ``VALUES``."""
        literals = " ".join(sparql_string_literal(term.casefold()) for term in terms)
        return _QUERY_TEMPLATE % {"terms": literals, "limit": self.max_candidates}

    def select(self, query: str) -> list[dict[str, dict]]:
        """Run a SELECT query; return its JSON bindings.

        Raises:
            LinkError: the endpoint is unreachable, too slow, answers an HTTP error, or answers
                something that is not SPARQL JSON results.
        """
        sparql = SPARQLWrapper(self.endpoint, agent=self.user_agent)
        sparql.setMethod(POST)
        sparql.setReturnFormat(JSON)
        sparql.setQuery(query)
        # setTimeout() truncates to whole seconds (0.5 would become "no timeout"); keep the float.
        sparql.timeout = self.timeout
        where = f"SPARQL endpoint {self.endpoint}"
        try:
            result = sparql.query()
            body = result.response.read()
        except SPARQLWrapperException as exc:
            # QueryBadFormed, EndPointNotFound, EndPointInternalError (500), Unauthorized, URITooLong
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise LinkError(f"{where} refused the query: {type(exc).__name__}: {first}") from exc
        except urllib.error.HTTPError as exc:
            raise LinkError(f"{where} answered HTTP {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            reason = exc.reason
            if isinstance(reason, TimeoutError) or "timed out" in str(reason):
                raise LinkError(f"{where} did not answer within {self.timeout} s") from exc
            raise LinkError(f"{where} is unreachable: {reason}") from exc
        except TimeoutError as exc:
            raise LinkError(f"{where} did not answer within {self.timeout} s") from exc
        except (OSError, http.client.HTTPException) as exc:
            raise LinkError(f"{where} failed: {type(exc).__name__}: {exc}") from exc
        try:
            data = json.loads(body.decode("utf-8"))
            bindings = data["results"]["bindings"]
            if not isinstance(bindings, list) or not all(isinstance(row, dict) for row in bindings):
                raise TypeError("bindings is not a list of objects")
        except (UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise LinkError(f"{where} answered something that is not SPARQL JSON results: {exc}") from exc
        return bindings

    # -- retrieval and scoring -----------------------------------------------------------------

    def candidates(self, facts: ProjectFacts) -> list[KohesioCandidate]:
        """Retrieve the Finnish Kohesio projects whose label contains a search term of the name."""
        terms = search_terms(facts.name)
        if not terms:
            log.info("%s: no usable search words in %r", facts.code, facts.name)
            return []
        rows = self.select(self.build_query(terms))
        grouped: dict[str, dict] = {}
        for row in rows:
            item = row.get("item", {})
            if item.get("type") != "uri":
                continue
            entry = grouped.setdefault(
                item["value"], {"labels": [], "start": None, "end": None, "beneficiaries": []}
            )
            for key, target in (("label", "labels"), ("beneficiaryLabel", "beneficiaries")):
                value = row.get(key, {}).get("value")
                if value and value not in entry[target]:
                    entry[target].append(value)
            for key in ("start", "end"):
                parsed = _parse_date(row.get(key, {}).get("value"))
                # Several values: keep the earliest start and the latest end.
                if parsed and (entry[key] is None or (parsed < entry[key]) == (key == "start")):
                    entry[key] = parsed
        if len(grouped) >= self.max_candidates:
            log.warning("%s: candidate limit %d reached for terms %s", facts.code, self.max_candidates, terms)
        found = [
            KohesioCandidate(
                item=item, labels=tuple(entry["labels"]), start=entry["start"], end=entry["end"],
                beneficiaries=tuple(entry["beneficiaries"]),
            )
            for item, entry in sorted(grouped.items())
        ]
        log.debug("%s: %d candidates for terms %s", facts.code, len(found), terms)
        return found

    def rank(self, facts: ProjectFacts, candidates: Iterable[KohesioCandidate]) -> list[ScoredCandidate]:
        """Score candidates, best first (ties broken by item IRI, for a stable order)."""
        scored = [score_candidate(facts, candidate) for candidate in candidates]
        return sorted(scored, key=lambda s: (-s.score, s.candidate.item))

    # -- decision ------------------------------------------------------------------------------

    def decide(self, facts: ProjectFacts, ranked: Sequence[ScoredCandidate]) -> MatchOutcome:
        """Apply the acceptance rule to already ranked candidates (no endpoint access)."""
        code = facts.code
        ranked = tuple(ranked)
        if not ranked:
            return MatchOutcome(code, None, "no candidate: no Finnish Kohesio project label contains "
                                f"any of {list(search_terms(facts.name))}", ranked)
        best = ranked[0]
        qid = best.candidate.qid
        if best.name < self.name_floor:
            return MatchOutcome(code, None, f"no similar label: best {qid} {best.label!r} has name "
                                f"similarity {best.name:.2f} < {self.name_floor}", ranked)
        if best.score < self.min_score:
            return MatchOutcome(code, None, f"too weak: best {qid} scored {best.score:.2f} < "
                                f"{self.min_score} ({best.method})", ranked)
        if len(ranked) > 1 and best.score - ranked[1].score < self.min_margin:
            runner = ranked[1]
            return MatchOutcome(code, None, f"ambiguous: {qid} scored {best.score:.2f} and "
                                f"{runner.candidate.qid} {runner.score:.2f}, less than "
                                f"{self.min_margin} apart", ranked)
        match = KohesioMatch(
            code=code, item=best.candidate.item, label=best.label, score=best.score,
            method=best.method, evidence=best.evidence,
        )
        margin = f", runner-up {ranked[1].candidate.qid} {ranked[1].score:.2f}" if len(ranked) > 1 else ""
        reason = f"matched {qid} with {best.score:.2f} ({best.method}){margin}"
        return MatchOutcome(code, match, reason, ranked)

    def assess(self, facts: ProjectFacts) -> MatchOutcome:
        """Retrieve, score and decide for one project.

        Raises:
            LinkError: the endpoint failed.
        """
        outcome = self.decide(facts, self.rank(facts, self.candidates(facts)))
        log.log(logging.INFO if outcome.matched else logging.DEBUG, "%s: %s", facts.code, outcome.reason)
        return outcome

    def match(self, facts: ProjectFacts) -> KohesioMatch | None:
        """The accepted match for one project, or ``None`` (the reason is logged at INFO).

        Raises:
            LinkError: the endpoint failed.
        """
        outcome = self.assess(facts)
        if not outcome.matched:
            log.info("%s: no Kohesio match: %s", facts.code, outcome.reason)
        return outcome.match

    def match_all(
        self,
        facts_list: Iterable[ProjectFacts],
        progress: Callable[[int, int, MatchOutcome], None] | None = None,
    ) -> list[MatchOutcome]:
        """Assess every project in order; stops at the first endpoint failure.

        Args:
            facts_list: the projects.
            progress: called after each project with (done, total, outcome).

        Raises:
            LinkError: the endpoint failed.
        """
        projects = list(facts_list)
        outcomes: list[MatchOutcome] = []
        for done, facts in enumerate(projects, start=1):
            outcomes.append(self.assess(facts))
            if progress is not None:
                progress(done, len(projects), outcomes[-1])
        return outcomes
