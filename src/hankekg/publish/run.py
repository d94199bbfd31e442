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

Streamed: no dump is ever held whole in memory. Each is written straight into its temporary
file (:func:`hankekg.publish.dumps.write_dumps`, from the graphs' sorted lines and the
N-Triples file already written), its size and SHA-256 counted as the bytes go out; each
``.gz`` is made by reading its plain file back, in a thread; the statistics of void.ttl
are counted over the graphs' lines in one pass. The graphs are read only through
``Graphs.lines`` and ``Graphs.union_lines`` (:mod:`hankekg.rdf.sink`); beyond what those
iterators hold, memory stays bounded by the distinct objects the statistics count (a
digest each) and a few blocks of a megabyte.

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
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import BinaryIO

from rdflib import Graph

from hankekg.iris import Minter
from hankekg.namespaces import DEFAULT_DATA_BASE
from hankekg.pipeline import BuildResult
from hankekg.publish.dumps import (
    DUMP_FILES,
    dump_prefixes,
    json_bytes,
    ntriples_bytes,
    sorted_turtle_bytes,
    write_dumps,
)
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
    statistics_of_lines,
    survey_graphs,
)
from hankekg.query.endpoint import split_userinfo
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


def manifest_bytes(files: Mapping[str, FileInfo], dataset: str, now: datetime) -> bytes:
    """manifest.json: the dataset, the publish time, and per file its bytes, SHA-256 and media type."""
    return json_bytes({
        "dataset": dataset,
        "published": iso_time(now),
        "files": {name: {"bytes": info.size, "sha256": info.sha256, "media_type": media_type(name)}
                  for name, info in sorted(files.items())},
    })


def sha256sums_bytes(files: Mapping[str, FileInfo]) -> bytes:
    """SHA256SUMS in the format of ``sha256sum`` (checked with ``sha256sum -c SHA256SUMS``)."""
    return "".join(f"{info.sha256}  {name}\n" for name, info in sorted(files.items())).encode("ascii")


class HashingWriter:
    """A binary writer that passes every write on to ``raw``, counting and hashing the bytes."""

    def __init__(self, raw: BinaryIO):
        self.raw = raw
        self.size = 0
        self._sha256 = hashlib.sha256()

    def write(self, data) -> int:
        self.raw.write(data)
        self._sha256.update(data)
        n = len(data) if isinstance(data, bytes) else memoryview(data).nbytes
        self.size += n
        return n

    def flush(self) -> None:
        self.raw.flush()

    def info(self) -> FileInfo:
        """Size and SHA-256 of what was written so far."""
        return FileInfo(self.size, self._sha256.hexdigest())


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


class Staging:
    """Files of one publish written to temporary names in ``out``, renamed into place by :meth:`commit`.

    A :class:`hankekg.publish.dumps.DumpTarget`: ``create`` may run in several threads.
    Each file is written to ``.NAME.publish-XXXX.tmp`` in its own folder, through a
    :class:`HashingWriter` (``info`` holds its size and SHA-256 once written), flushed,
    fsynced and made world-readable; then, with ``HANKEKG_PUBLISH_PAUSE`` set, publish
    sleeps that many seconds.

    Args:
        out: the output folder.
        pause: seconds to sleep after each file (fault injection for tests).
    """

    BUFFER = 1 << 20

    def __init__(self, out: Path, pause: float = 0.0):
        self.out = out
        self.pause = pause
        self.info: dict[str, FileInfo] = {}
        self._temps: dict[str, Path] = {}
        self._lock = threading.Lock()

    @contextmanager
    def create(self, name: str) -> Iterator[HashingWriter]:
        target = self.out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.publish-", suffix=".tmp", dir=target.parent)
        with self._lock:
            if name in self._temps:
                os.close(fd)
                os.unlink(tmp)
                raise ValueError(f"{name} is written twice in one publish")
            self._temps[name] = Path(tmp)
        with os.fdopen(fd, "wb", buffering=self.BUFFER) as f:
            writer = HashingWriter(f)
            yield writer
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o644)
        with self._lock:
            self.info[name] = writer.info()
        if self.pause:
            time.sleep(self.pause)

    def put(self, name: str, data: bytes) -> None:
        """Write a small file whole."""
        with self.create(name) as f:
            f.write(data)

    def source(self, name: str) -> Path:
        """The temporary file of ``name``, once written (to read it back)."""
        if name not in self.info:
            raise KeyError(f"{name} is not written yet")
        return self._temps[name]

    def commit(self, last: tuple[str, ...] = ()) -> None:
        """Rename every file into place, ``last`` after all others in this order, then fsync the folders."""
        missing = sorted(set(self._temps) - set(self.info))
        if missing:
            raise RuntimeError(f"not all files were written: {missing}")
        order = [n for n in sorted(self._temps) if n not in last] + [n for n in last if n in self._temps]
        for name in order:
            os.replace(self._temps[name], self.out / name)
        for folder in sorted({(self.out / n).parent for n in order}):
            _fsync_dir(folder)
        self._temps.clear()

    def discard(self) -> None:
        """Remove every temporary file not yet renamed."""
        for tmp in self._temps.values():
            tmp.unlink(missing_ok=True)
        self._temps.clear()


def _pause() -> float:
    return float(os.environ.get(PAUSE_ENV) or 0)


def write_all(out: Path, files: Mapping[str, bytes], last: tuple[str, ...] = ()) -> None:
    """Write ``files`` (relative path → bytes) into ``out``: all to temporary files first, then renamed.

    Args:
        out: the output folder.
        files: what to write.
        last: paths renamed after all others (the manifest), in this order.
    """
    staging = Staging(out, _pause())
    try:
        for name in [n for n in sorted(files) if n not in last] + [n for n in last if n in files]:
            staging.put(name, files[name])
        staging.commit(last)
    except BaseException:
        staging.discard()
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
    # Each graph as a function giving its sorted lines afresh: nothing here holds a graph whole.
    graphs = {g: partial(result.graphs.lines, g) for g in PUBLISHED_GRAPHS}
    sources = {"cards": len(result.outcomes), "eura2014": len(result.records)}
    prefixes = dump_prefixes(VOID_PREFIXES)
    dump_names = list(DUMP_FILES)

    survey = survey_graphs(graphs, Minter(base), data_graph=DATA_GRAPH,
                           stats=statistics_of_lines(result.graphs.union_lines()))
    core = describe(graphs, settings, dump_names, sources=sources, survey=survey)
    ontology = Graph().parse(data=b"".join(result.graphs.lines(ONTOLOGY_GRAPH)), format="nt")

    with _locked(out):
        clean_stale(out)
        staging = Staging(out, _pause())
        try:
            write_dumps({**graphs, VOID_GRAPH: ntriples_bytes(core)}, staging, prefixes)
            for name, data in ontology_files(ontology).items():
                staging.put(name, data)
            full = describe(graphs, settings, dump_names, sources=sources, survey=survey,
                            files={n: staging.info[n] for n in dump_names}, now=now)
            staging.put(VOID_FILE, sorted_turtle_bytes(full, prefixes))
            listed = dict(staging.info)
            staging.put(MANIFEST, manifest_bytes(listed, str(Minter(base).dataset()), now))
            staging.put(SHA256SUMS, sha256sums_bytes(listed))
            staging.commit(last=(MANIFEST, SHA256SUMS))
        except BaseException:
            staging.discard()
            raise
    seconds = time.perf_counter() - started
    log.info("published %d files into %s in %.2f s", len(listed) + 2, out, seconds)
    return PublishResult(
        out=out,
        files=tuple(PublishedFile(n, info.size, info.sha256, media_type(n)) for n, info in sorted(listed.items())),
        manifest=out / MANIFEST, void=out / VOID_FILE, seconds=seconds,
    )
