"""Test support: the repository's own data and a way to run the command line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SEED = REPO / "data" / "cards" / "S21684.txt"


def run_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m hankekg ARGS`` in a fresh process; output captured as text."""
    full_env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "hankekg", *args],
        cwd=cwd or REPO, env=full_env, capture_output=True, text=True, timeout=600,
    )


SEED_PROSE = {
    "background": "Huono-osaisuuden ja yksinäisyyden lisääntyminen Etelä-Savossa ollut huolestuttavaa",
    "goals": (
        "Ehkäistä syrjäytymistä ja asuinalueiden eriarvoistumista; vahvistaa yhteisöllisyyttä, "
        "asukasviihtyvyyttä ja -osallisuutta; kehittää yhteismanagerointia; kehittää, pilotoida ja "
        "mallintaa asukasosallisuuden kehittämistä ja menetelmiä sekä levittää niitä alueellisesti"
    ),
    "method": (
        "Asukaslähtöiset kokeilut taloyhtiöissä ja asuinalueilla työpajatyönä tai teematyönä; "
        "sisällöllinen ja menetelmällinen valmennus asukkaiden löytämiseksi, kohtaamiseksi, "
        "ohjaamiseksi ja innostamiseksi; toiminnan mallintaminen, levittäminen ja juurruttaminen"
    ),
    "results": (
        "Alueellinen osallisuustyö ja yhteisöllinen toimintakulttuuri taloyhtiöissä ja asuinalueilla "
        "vahvistuivat; yhteistyöverkostot (mm. asukasaktiivi-toimijaverkosto); asuinympäristöjen "
        "viihtyvyys, elinvoimaisuus ja kiinnostavuus paranivat ja tietoisuus kestävästä elämäntavasta "
        "lisääntyi; yhteisöllisen asumisen ja yhteisömanageroinnin toimintamallit"
    ),
    "dissemination": (
        "Monet asukkaiden kanssa ideoidut ja toteutetut toiminnot sekä asukasaktiiviverkostot jatkavat "
        "toimintaa hankkeen päätyttyä; tapahtumien ja toimintojen ympärille syntyneet verkostot jatkavat "
        "asuinalueiden osallisuustyötä ja yhteisöllisyyden kehittämistä"
    ),
    "notes": (
        "Tehtiin aktiivisesti yhteistyötä Mikkelin kaupungin kanssa; kokeiluja ja tuloksia "
        "hyödynnetään Mikkelin kaupungin osallisuusstrategian suunnitelmissa"
    ),
}
"""The seed card's prose fields with every ä/ö restored, written by reading the OCR text
(card-format.md); the seed-card and PDF tests both expect them."""
