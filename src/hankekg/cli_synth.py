"""``hankekg synth``: write a synthetic corpus of cards and registry pages (for benchmarks)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer) -> None:
    """Add the ``synth`` command to ``app``."""

    @app.command()
    def synth(
        n: Annotated[int, typer.Option("--n", help="How many projects (codes S10000 … S10000+N-1).")] = 1000,
        seed: Annotated[int, typer.Option("--seed", help="Random seed: the same seed gives the same bytes.")] = 1,
        out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write cards/, registry/ and reference/.")]
        = Path("synth"),
    ) -> None:
        """Write a synthetic corpus: `OUT/cards/*.txt` (OCR-damaged Sokra cards as the seed card),
        `OUT/registry/eura2014/*.txt` (matching EURA2014 pages) and OUT/reference/.

        Examples:

        * `hankekg synth --n 1000 --seed 1 --out /tmp/corpus && hankekg build /tmp/corpus --out /tmp/kg`
        """
        import time

        from hankekg.synth import MAX_PROJECTS, generate

        if not 1 <= n <= MAX_PROJECTS:
            typer.echo(f"error: --n must be between 1 and {MAX_PROJECTS}", err=True)
            raise typer.Exit(2)
        start = time.perf_counter()
        summary = generate(n, seed, out)
        typer.echo(f"{summary.projects} projects ({summary.organisations} organisations), "
                   f"{summary.bytes_written / 2**20:.1f} MiB in {time.perf_counter() - start:.1f} s → {out}")
