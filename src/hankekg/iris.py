"""The one module that mints hankekg IRIs, and parses them back.

IRIs are made from stable keys only: a project code, a business ID (Y-tunnus), a
normalised name, a position in a card. Nothing here counts, hashes a whole record or
asks the network. Under a data base (configurable, default
``https://w3id.org/hankekg/id/``) the forms are::

    project/S21684                              a project
    project/S21684/id/eura2014                  its EURA2014 code as an adms:Identifier
    project/S21684/role/<org-key>/<role>        an organisation's role in it
    project/S21684/grant/<funder-key>           a grant from one funder
    project/S21684/grant/<funder-key>/amount    the realised public funding of that grant
    project/S21684/output/<n>                   its n-th output (1-based, card order)
    project/S21684/practice/<n>                 its n-th promising practice
    organisation/<business-id>                  an organisation with a Y-tunnus
    organisation/<business-id>/id/ytunnus       that Y-tunnus as an adms:Identifier
    organisation/name/<slug>                    an organisation known only by name
    project/S21684/conflict/<n>                 the n-th disagreement between its sources
    target-group/<slug>                         a target-group concept
    region/<NUTS-3 code>                        a region (maakunta)
    source/card/<code>                          a project card (a prov:Entity)
    source/eura2014/<code>                      a EURA2014 registry record (a prov:Entity)
    dataset                                     the dataset itself (VoID / DCAT)
    linkset/<name>                              a set of outgoing links (void:Linkset)

``<org-key>`` is a business ID or ``name/<slug>`` rewritten to ``n-<slug>``.
Programme, priority axis and specific objective live under the fixed programme
base ``https://w3id.org/hankekg/programme/``: ``<CCI>``, ``<CCI>/axis/<n>``,
``<CCI>/objective/<code>``.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from rdflib import URIRef

from hankekg.errors import IriError
from hankekg.model import Role
from hankekg.namespaces import DEFAULT_DATA_BASE, PROGRAMME_BASE

PROJECT_CODE = re.compile(r"^[A-Z][0-9]{5}$")
"""A EURA2014 project code: a letter (S for ESF, A for ERDF) and five digits."""

BUSINESS_ID = re.compile(r"^[0-9]{7}-[0-9]$")
"""The form of a Finnish business ID (Y-tunnus); the check digit is not verified here."""

_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ROLE_SLUGS = {
    Role.MAIN_IMPLEMENTER: "paatoteuttaja",
    Role.CO_IMPLEMENTER: "osatoteuttaja",
    Role.SUPPORT_TRANSFEREE: "tuen-siirronsaaja",
}
_SLUG_ROLES = {v: k for k, v in _ROLE_SLUGS.items()}


def slug(text: str) -> str:
    """A lower-case ASCII key of ``text``: accents dropped, other runs of characters to ``-``.

    ä and ö become a and o, so a name damaged by OCR and the same name repaired give
    the same key.

    Raises:
        IriError: if nothing of ``text`` is left.
    """
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    key = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    if not key:
        raise IriError(f"cannot make a key of {text!r}")
    return key


@dataclass(frozen=True)
class Parsed:
    """What an IRI names: its kind and the keys it was minted from."""

    kind: str
    keys: tuple[str, ...]


class Minter:
    """Mints the IRIs of one graph under a data base.

    Args:
        base: the data base IRI; must end in ``/`` or ``#``.
    """

    def __init__(self, base: str = DEFAULT_DATA_BASE):
        if not base.endswith(("/", "#")) or not base.startswith(("http://", "https://")):
            raise IriError(f"data base IRI must be http(s) and end in '/' or '#': {base!r}")
        self.base = base

    def _iri(self, *parts: str) -> URIRef:
        return URIRef(self.base + "/".join(parts))

    @staticmethod
    def _code(code: str) -> str:
        if not PROJECT_CODE.match(code):
            raise IriError(f"not a EURA2014 project code: {code!r}")
        return code

    @staticmethod
    def org_key(name: str | None = None, business_id: str | None = None) -> str:
        """The key of an organisation: its business ID if known, else ``n-<slug of name>``."""
        if business_id:
            if not BUSINESS_ID.match(business_id):
                raise IriError(f"not a business ID (Y-tunnus): {business_id!r}")
            return business_id
        if not name:
            raise IriError("an organisation needs a name or a business ID")
        return "n-" + slug(name)

    def project(self, code: str) -> URIRef:
        return self._iri("project", self._code(code))

    def project_identifier(self, code: str) -> URIRef:
        return self._iri("project", self._code(code), "id", "eura2014")

    def organisation(self, name: str | None = None, business_id: str | None = None) -> URIRef:
        key = self.org_key(name, business_id)
        if key.startswith("n-"):
            return self._iri("organisation", "name", key[2:])
        return self._iri("organisation", key)

    def organisation_by_key(self, key: str) -> URIRef:
        """The organisation IRI of a key made by :meth:`org_key`."""
        if key.startswith("n-"):
            return self._iri("organisation", "name", key[2:])
        return self.organisation(business_id=key)

    def business_identifier(self, business_id: str) -> URIRef:
        return self._iri("organisation", self.org_key(business_id=business_id), "id", "ytunnus")

    def role(self, code: str, org_key: str, role: Role) -> URIRef:
        return self._iri("project", self._code(code), "role", org_key, _ROLE_SLUGS[role])

    def grant(self, code: str, funder_key: str) -> URIRef:
        return self._iri("project", self._code(code), "grant", funder_key)

    def amount(self, code: str, funder_key: str) -> URIRef:
        return self._iri("project", self._code(code), "grant", funder_key, "amount")

    def output(self, code: str, position: int) -> URIRef:
        return self._iri("project", self._code(code), "output", _position(position))

    def practice(self, code: str, position: int) -> URIRef:
        return self._iri("project", self._code(code), "practice", _position(position))

    def target_group(self, label: str) -> URIRef:
        return self._iri("target-group", slug(label))

    def conflict(self, code: str, position: int) -> URIRef:
        return self._iri("project", self._code(code), "conflict", _position(position))

    def region(self, nuts3: str) -> URIRef:
        if not re.match(r"^FI[0-9A-Z]{3}$", nuts3):
            raise IriError(f"not a Finnish NUTS-3 code: {nuts3!r}")
        return self._iri("region", nuts3)

    def registry_record(self, code: str) -> URIRef:
        return self._iri("source", "eura2014", self._code(code))

    def dataset(self) -> URIRef:
        return self._iri("dataset")

    def linkset(self, name: str) -> URIRef:
        if not _SLUG.match(name):
            raise IriError(f"not a link set name: {name!r}")
        return self._iri("linkset", name)

    def card(self, code: str) -> URIRef:
        return self._iri("source", "card", self._code(code))

    def parse(self, iri: str) -> Parsed:
        """Tell what a minted IRI names.

        Raises:
            IriError: if ``iri`` is not under this base or not of a known form.
        """
        if not iri.startswith(self.base):
            raise IriError(f"not under {self.base}: {iri}")
        parts = tuple(iri[len(self.base):].split("/"))
        for kind, pattern, keys in _FORMS:
            if len(parts) == len(pattern) and all(
                p == q if not q.startswith("{") else _KEY_CHECKS[q](p) for p, q in zip(parts, pattern)
            ):
                return Parsed(kind, tuple(parts[i] for i in keys))
        raise IriError(f"not a hankekg IRI form: {iri}")


def _position(n: int) -> str:
    if n < 1:
        raise IriError(f"positions start at 1, not {n}")
    return str(n)


def _is_org_key(p: str) -> bool:
    return bool(BUSINESS_ID.match(p)) or (p.startswith("n-") and bool(_SLUG.match(p[2:])))


_KEY_CHECKS = {
    "{code}": lambda p: bool(PROJECT_CODE.match(p)),
    "{bid}": lambda p: bool(BUSINESS_ID.match(p)),
    "{slug}": lambda p: bool(_SLUG.match(p)),
    "{org}": _is_org_key,
    "{role}": lambda p: p in _SLUG_ROLES,
    "{n}": lambda p: p.isdigit() and not p.startswith("0"),
    "{nuts}": lambda p: bool(re.match(r"^FI[0-9A-Z]{3}$", p)),
}

_FORMS: tuple[tuple[str, tuple[str, ...], tuple[int, ...]], ...] = (
    ("project", ("project", "{code}"), (1,)),
    ("project-identifier", ("project", "{code}", "id", "eura2014"), (1,)),
    ("role", ("project", "{code}", "role", "{org}", "{role}"), (1, 3, 4)),
    ("grant", ("project", "{code}", "grant", "{org}"), (1, 3)),
    ("amount", ("project", "{code}", "grant", "{org}", "amount"), (1, 3)),
    ("output", ("project", "{code}", "output", "{n}"), (1, 3)),
    ("practice", ("project", "{code}", "practice", "{n}"), (1, 3)),
    ("organisation", ("organisation", "{bid}"), (1,)),
    ("business-identifier", ("organisation", "{bid}", "id", "ytunnus"), (1,)),
    ("organisation-by-name", ("organisation", "name", "{slug}"), (2,)),
    ("conflict", ("project", "{code}", "conflict", "{n}"), (1, 3)),
    ("target-group", ("target-group", "{slug}"), (1,)),
    ("region", ("region", "{nuts}"), (1,)),
    ("registry-record", ("source", "eura2014", "{code}"), (2,)),
    ("dataset", ("dataset",), ()),
    ("linkset", ("linkset", "{slug}"), (1,)),
    ("card", ("source", "card", "{code}"), (2,)),
)


def role_from_slug(key: str) -> Role:
    """The :class:`Role` of a role key in a role IRI."""
    return _SLUG_ROLES[key]


PROGRAMME_CCI = "2014FI16M2OP001"
"""CCI of the ESF/ERDF programme "Kestävää kasvua ja työtä 2014–2020"."""


def programme(cci: str = PROGRAMME_CCI) -> URIRef:
    return URIRef(PROGRAMME_BASE + cci)


def priority_axis(number: int, cci: str = PROGRAMME_CCI) -> URIRef:
    return URIRef(f"{PROGRAMME_BASE}{cci}/axis/{number}")


def specific_objective(code: str, cci: str = PROGRAMME_CCI) -> URIRef:
    if not re.match(r"^[0-9]+\.[0-9]+$", code):
        raise IriError(f"not a specific objective code: {code!r}")
    return URIRef(f"{PROGRAMME_BASE}{cci}/objective/{code}")
