"""Human decisions that every rebuild applies: data/curation/*.yaml.

Each file is a YAML list of decisions (read with ``yaml.safe_load`` only); every decision
needs a ``reason``. Three kinds::

    - action: same-organisation        # these names are one organisation
      names: [Xamk, Kaakkois-Suomen ammattikorkeakoulu]   # the first is its name in the graph
      reason: the university of applied sciences' own short name

    - action: business-id              # this name is the organisation with this Y-tunnus
      name: ViaDia Mikkeli ry
      business_id: 2551672-4
      reason: EURA2014 page of S21684

    - action: keep-word                # the ä/ö repair must leave this word as written
      card: S21684.txt                 # a file name under data/cards/ (no folders)
      word: Lintumaki
      reason: the place is spelt so in the source

A malformed decision is an error naming the file and the decision's number; a card
path that would leave data/cards/ is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from stdnum.fi import ytunnus

from hankekg.errors import ReferenceDataError
from hankekg.resolve.reference import load_yaml_list

ACTIONS = ("same-organisation", "business-id", "keep-word")


@dataclass(frozen=True)
class Curation:
    """Every decision of a data folder's curation/ files, by kind."""

    same: tuple[tuple[str, ...], ...] = ()
    business_ids: tuple[tuple[str, str], ...] = ()
    keep_words: dict[str, frozenset[str]] = field(default_factory=dict)

    def keep_for(self, card_file: str) -> frozenset[str]:
        """Words to keep as written on one card (by its file name)."""
        return self.keep_words.get(Path(card_file).name, frozenset())


def load_curation(folder: Path) -> Curation:
    """Read every ``*.yaml`` file of ``folder`` (sorted by name)."""
    same: list[tuple[str, ...]] = []
    bids: list[tuple[str, str]] = []
    keep: dict[str, set[str]] = {}
    if not folder.is_dir():
        return Curation()
    for path in sorted(folder.glob("*.yaml")):
        for n, entry in enumerate(load_yaml_list(path), start=1):
            where = f"decision {n}"
            action = entry.get("action")
            if action not in ACTIONS:
                raise ReferenceDataError(f"{where}: action must be one of {', '.join(ACTIONS)}", path)
            if not str(entry.get("reason") or "").strip():
                raise ReferenceDataError(f"{where}: every decision needs a reason", path)
            if action == "same-organisation":
                names = entry.get("names")
                if not isinstance(names, list) or len(names) < 2 or not all(isinstance(x, str) for x in names):
                    raise ReferenceDataError(f"{where}: names must list two or more names", path)
                same.append(tuple(x.strip() for x in names))
            elif action == "business-id":
                name, bid = entry.get("name"), str(entry.get("business_id") or "")
                if not isinstance(name, str) or not ytunnus.is_valid(bid):
                    raise ReferenceDataError(f"{where}: needs a name and a valid business_id", path)
                bids.append((name.strip(), ytunnus.format(bid)))
            else:
                card, word = entry.get("card"), entry.get("word")
                if not isinstance(card, str) or not isinstance(word, str) or not word.strip():
                    raise ReferenceDataError(f"{where}: needs a card file name and a word", path)
                if Path(card).name != card or card in ("", ".", ".."):
                    raise ReferenceDataError(f"{where}: card must be a file name under data/cards/, "
                                             f"not a path: {card!r}", path)
                keep.setdefault(card, set()).add(word.strip())
    return Curation(tuple(same), tuple(bids), {k: frozenset(v) for k, v in keep.items()})
