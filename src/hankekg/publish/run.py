"""Publish a build into a folder (dist/): dumps, dataset description, ontology docs, manifest.

What :func:`publish` writes into ``out``::

    hankekg.ttl  hankekg.nt  hankekg.jsonld  hankekg.trig     the dumps (see hankekg.publish.dumps)
    hankekg.ttl.gz … hankekg.trig.gz                          each gzipped (no name, no time in the header)
    context.jsonld                                            the JSON-LD context the .jsonld embeds
    void.ttl                                                  the dataset description, with build time,
                                                              sizes and checksums (see hankekg.publish.void)
    ontology/index.html  ontology/hankekg.ttl  ontology/hankekg.jsonld
    manifest.json                                             per file: bytes, sha256, media type
    SHA256SUMS                                                the same checksums for ``sha256sum -c``

The dumps, the .gz files, context.jsonld and ontology/ are byte-identical for the same
build input and settings; void.ttl, manifest.json and SHA256SUMS change with the build time.

Atomic: every file is first written to a dot-prefixed temporary name in its own folder
(``.NAME.publish-XXXX.tmp``) and fsynced; only when all are written is each renamed into
place, the manifest and SHA256SUMS last, then the folders are fsynced. A publish killed
while writing leaves every previous file untouched; killed during the renames (a few
milliseconds), every file is still whole, old or new, and the old manifest tells which.
Leftover temporary files are never taken for dumps (dot-prefixed, ``.tmp``) and the next
publish removes them. A lock file (``.publish.lock``) keeps two publishes into one folder
apart.

Fault injection for tests: with ``HANKEKG_PUBLISH_PAUSE`` set to a number of seconds,
publish sleeps that long after writing each temporary file.
"""

from __future__ import annotations

import fcntl
import hashlib
import logging
import os
import re
import tempfile
import time
from collections.abc import Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from rdflib import Graph, URIRef

from hankekg.iris import Minter
from hankekg.namespaces import DEFAULT_DATA_BASE
from hankekg.pipeline import BuildResult
from hankekg.query.endpoint import split_userinfo
from hankekg.publish.dumps import dump_files, dump_prefixes, json_bytes, sorted_turtle_bytes
from hankekg.publish.ontology_docs import ontology_files
from hankekg.publish.void import (
    CC_BY_4,
    DEFAULT_DOWNLOAD_BASE,
    VOID_GRAPH,
    VOID_PREFIXES,
    Agent,
    FileInfo,
    Settings,
    describe,
    iso_time,
    media_type,
    statistics,
)
from hankekg.rdf.mapping import DATA_GRAPH, LINKS_GRAPH, ONTOLOGY_GRAPH, PROVENANCE_GRAPH

log = logging.getLogger(__name__)

PUBLISHED_GRAPHS = (DATA_GRAPH, PROVENANCE_GRAPH, LINKS_GRAPH, ONTOLOGY_GRAPH)
MANIFEST = "manifest.json"
SHA256SUMS = "SHA256SUMS"
VOID_FILE = "void.ttl"
LOCK_FILE = ".publish.lock"
PAUSE_ENV = "HANKEKG_PUBLISH_PAUSE"
_TEMP = re.compile(r"^\..+\.publish-[A-Za-z0-9_]+\.tmp$")


@dataclass(frozen=True)
class PublishedFile:
    """One file written by :func:`publish`, by its path relative to the output folder."""

    path: str
    size: int
    sha256: str
    media_type: str


@dataclass(frozen=True)
class PublishResult:
    """What :func:`publish` wrote.

    Attributes:
        out: the output folder.
        files: every file listed in the manifest, sorted by path.
        manifest: the path of manifest.json.
        void: the path of void.ttl.
        seconds: wall time of the publish.
    """

    out: Path
    files: tuple[PublishedFile, ...]
    manifest: Path
    void: Path
    seconds: float

    def path(self, name: str) -> Path:
        """The absolute path of a published file given its relative path."""
        return self.out / name


def _info(data: bytes) -> FileInfo:
    return FileInfo(len(data), hashlib.sha256(data).hexdigest())


def manifest_bytes(files: Mapping[str, bytes], dataset: str, now: datetime) -> bytes:
    """manifest.json: the dataset, the publish time, and per file its bytes, SHA-256 and media type."""
    return json_bytes({
        "dataset": dataset,
        "published": iso_time(now),
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest(),
                         "media_type": media_type(name)} for name, data in sorted(files.items())},
    })


def sha256sums_bytes(files: Mapping[str, bytes]) -> bytes:
    """SHA256SUMS in the format of ``sha256sum`` (checked with ``sha256sum -c SHA256SUMS``)."""
    return "".join(f"{hashlib.sha256(d).hexdigest()}  {n}\n" for n, d in sorted(files.items())).encode("ascii")


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def clean_stale(out: Path) -> list[Path]:
    """Remove temporary files a killed publish left in ``out`` and its subfolders; returns them."""
    removed = []
    if not out.is_dir():
        return removed
    for path in sorted(out.rglob(".*.tmp")):
        if _TEMP.match(path.name) and path.is_file():
            path.unlink()
            removed.append(path)
            log.info("removed %s, left by an interrupted publish", path)
    return removed


@contextmanager
def _locked(out: Path):
    with open(out / LOCK_FILE, "a+b") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def write_all(out: Path, files: Mapping[str, bytes], last: tuple[str, ...] = ()) -> None:
    """Write ``files`` (relative path → bytes) into ``out``: all to temporary files first, then renamed.

    Args:
        out: the output folder.
        files: what to write.
        last: paths renamed after all others (the manifest), in this order.
    """
    pause = float(os.environ.get(PAUSE_ENV) or 0)
    order = [n for n in sorted(files) if n not in last] + [n for n in last if n in files]
    staged: list[tuple[str, Path]] = []
    try:
        for name in order:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.publish-", suffix=".tmp", dir=target.parent)
            staged.append((name, Path(tmp)))
            with os.fdopen(fd, "wb") as f:
                f.write(files[name])
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o644)
            if pause:
                time.sleep(pause)
        for name, tmp in staged:
            os.replace(tmp, out / name)
        for folder in sorted({(out / n).parent for n in order}):
            _fsync_dir(folder)
    except BaseException:
        for _, tmp in staged:
            tmp.unlink(missing_ok=True)
        raise


def publish(
    result: BuildResult,
    out: Path,
    *,
    base: str = DEFAULT_DATA_BASE,
    endpoint: str | None = None,
    licence: str = CC_BY_4,
    now: datetime | None = None,
    download_base: str = DEFAULT_DOWNLOAD_BASE,
    publisher: Agent | None = None,
) -> PublishResult:
    """Write the dumps, void.ttl, ontology docs and the manifest of a build into ``out``.

    Args:
        result: the build (its dataset has the data, provenance, links and ontology graphs).
        out: the output folder (dist/); created if missing.
        base: the data base IRI the build used (names the dataset IRI).
        endpoint: a SPARQL endpoint to name in the description (void:sparqlEndpoint).
        licence: the licence IRI (default CC BY 4.0).
        now: the build time for void.ttl and the manifest (default: now, UTC).
        download_base: where dist/ is downloadable from; dump IRIs are file names under it.
        publisher: the publishing agent (default: the hankekg project).

    Returns:
        What was written, with sizes and checksums.
    """
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    out.mkdir(parents=True, exist_ok=True)
    if endpoint:
        # A published description names the endpoint, never the credentials to it.
        endpoint, credentials = split_userinfo(endpoint)
        if credentials is not None:
            log.warning("left the user name and password out of the endpoint named in void.ttl")
    settings = Settings(base=base, download_base=download_base, endpoint=endpoint, licence=licence,
                        publisher=publisher)
    graphs: dict[URIRef, bytes] = {g: result.graphs.ntriples.get(g, b"") for g in PUBLISHED_GRAPHS}
    sources = {"cards": len(result.outcomes), "eura2014": len(result.records)}
    prefixes = dump_prefixes(VOID_PREFIXES)
    dump_names = [f"hankekg.{fmt}{gz}" for fmt in ("ttl", "nt", "jsonld", "trig") for gz in ("", ".gz")]

    stats = statistics(result.graphs.union_ntriples())
    core = describe(graphs, settings, dump_names, sources=sources, data_graph=DATA_GRAPH, stats=stats)
    files = dump_files({**graphs, VOID_GRAPH: core}, prefixes)
    files.update(ontology_files(Graph().parse(data=graphs[ONTOLOGY_GRAPH], format="nt")))
    full = describe(graphs, settings, dump_names, sources=sources, data_graph=DATA_GRAPH,
                    files={n: _info(files[n]) for n in dump_names}, now=now, stats=stats)
    files[VOID_FILE] = sorted_turtle_bytes(full, prefixes)
    listed = dict(files)
    files[MANIFEST] = manifest_bytes(listed, str(Minter(base).dataset()), now)
    files[SHA256SUMS] = sha256sums_bytes(listed)

    with _locked(out):
        clean_stale(out)
        write_all(out, files, last=(MANIFEST, SHA256SUMS))
    seconds = time.perf_counter() - started
    log.info("published %d files into %s in %.2f s", len(files), out, seconds)
    return PublishResult(
        out=out,
        files=tuple(PublishedFile(n, len(d), hashlib.sha256(d).hexdigest(), media_type(n))
                    for n, d in sorted(listed.items())),
        manifest=out / MANIFEST, void=out / VOID_FILE, seconds=seconds,
    )
