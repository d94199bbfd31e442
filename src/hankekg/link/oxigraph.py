"""Run a real Oxigraph SPARQL server as a child process on a loopback port.

Typical use::

    with OxigraphServer(Path("graph.ttl")) as server:      # a data file: loaded into a temp store
        SPARQLWrapper(server.query_url) ...

    server = OxigraphServer(Path("store/"), read_only=False, port=7878)
    server.load(Path("extra.nt"))                          # `oxigraph load`, before start
    server.start()
    try:
        ...
    finally:
        server.stop()

``location`` is either an RDF file (Turtle, N-Triples, TriG, …; its format is guessed from the
suffix), which is loaded into a fresh temporary store that is deleted on ``stop()``, or a store
directory (existing or new), which is served in place. ``read_only=True`` uses
``oxigraph serve-read-only``: updates are refused with HTTP 403.

The server is always stopped: by ``stop()``, by leaving the ``with`` block, or, as a last resort,
when the object is garbage-collected or the interpreter exits.
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import weakref
from pathlib import Path

from hankekg.errors import LinkError

log = logging.getLogger(__name__)

#: Environment variable naming the ``oxigraph`` executable, if not next to the interpreter or on PATH.
EXECUTABLE_ENV = "HANKEKG_OXIGRAPH"

_HOST = "127.0.0.1"
_BIND_ATTEMPTS = 3  # a free port found by the OS may be taken before the server binds it
_BANNER = b"Listening for requests at"  # what `oxigraph serve` writes to stderr once bound
_NO_BANNER_GRACE = 1.0  # seconds alive after answering, should a future version drop the banner


def find_executable() -> str:
    """Return the path of the ``oxigraph`` CLI.

    Looks at ``$HANKEKG_OXIGRAPH``, then next to the running interpreter (the venv's ``bin/``),
    then on ``PATH``.

    Raises:
        LinkError: no executable was found.
    """
    candidates = [os.environ.get(EXECUTABLE_ENV), str(Path(sys.executable).parent / "oxigraph")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    found = shutil.which("oxigraph")
    if found:
        return found
    raise LinkError(
        f"the oxigraph server CLI was not found (set ${EXECUTABLE_ENV}, or install it into the venv)"
    )


def free_port(host: str = _HOST) -> int:
    """Return a TCP port on ``host`` that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def _stop_process(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Terminate ``proc``, kill it if it does not exit within ``grace`` seconds, and reap it."""
    if proc.poll() is not None:
        return
    proc.terminate()
    try:
        proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=grace)


def _finalize(proc_box: list[subprocess.Popen], tmp_box: list[str]) -> None:
    """Last-resort cleanup; must not reference the server object itself."""
    for proc in proc_box:
        _stop_process(proc)
    proc_box.clear()
    for tmp in tmp_box:
        shutil.rmtree(tmp, ignore_errors=True)
    tmp_box.clear()


class OxigraphServer:
    """An ``oxigraph serve`` child process on ``127.0.0.1``.

    Args:
        location: an RDF data file to serve (copied into a temporary store), or a store directory.
        read_only: serve with ``serve-read-only`` (updates answer 403).
        port: the port to bind; ``None`` picks a free one.
        executable: the ``oxigraph`` CLI; default: see :func:`find_executable`.
        startup_timeout: seconds to wait for the server to answer a query after starting it.
        query_timeout_s: passed as ``--timeout-s`` (server-side query timeout), if given.

    Attributes:
        store_dir: the store directory actually served (a temp dir when ``location`` is a file).
    """

    def __init__(
        self,
        location: Path,
        read_only: bool = True,
        port: int | None = None,
        *,
        executable: str | Path | None = None,
        startup_timeout: float = 30.0,
        query_timeout_s: int | None = None,
    ):
        self.location = Path(location)
        self.read_only = read_only
        self.requested_port = port
        self.executable = str(executable) if executable else None
        self.startup_timeout = startup_timeout
        self.query_timeout_s = query_timeout_s
        self.port: int | None = None
        self.store_dir: Path | None = None
        self._proc_box: list[subprocess.Popen] = []
        self._tmp_box: list[str] = []
        self._finalizer = weakref.finalize(self, _finalize, self._proc_box, self._tmp_box)

    # -- URLs ----------------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no trailing slash)."""
        if self.port is None:
            raise LinkError(f"the Oxigraph server for {self.location} has not been started")
        return f"http://{_HOST}:{self.port}"

    @property
    def query_url(self) -> str:
        """The SPARQL query endpoint."""
        return self.base_url + "/query"

    @property
    def update_url(self) -> str:
        """The SPARQL update endpoint (refused when read-only)."""
        return self.base_url + "/update"

    @property
    def store_url(self) -> str:
        """The SPARQL 1.1 Graph Store HTTP Protocol endpoint."""
        return self.base_url + "/store"

    @property
    def running(self) -> bool:
        """Whether the child process is alive."""
        return bool(self._proc_box) and self._proc_box[0].poll() is None

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs."""
        return self._proc_box[0].pid if self.running else None

    # -- store preparation -----------------------------------------------------------------------

    def _exe(self) -> str:
        if self.executable is None:
            self.executable = find_executable()
        return self.executable

    def _ensure_store(self) -> Path:
        """Decide which store directory to serve, loading ``location`` first if it is a file."""
        if self.store_dir is not None:
            return self.store_dir
        if self.location.is_file():
            tmp = tempfile.mkdtemp(prefix="hankekg-oxigraph-")
            self._tmp_box.append(tmp)
            self.store_dir = Path(tmp) / "store"
            self._run_load(self.location)
        elif self.location.exists() and not self.location.is_dir():
            raise LinkError(f"not a data file or a store directory: {self.location}")
        elif not self.location.exists() and self.location.suffix:
            # Looks like a file name; a typo here should not silently create an empty store.
            raise LinkError(f"no such data file: {self.location}")
        else:
            self.store_dir = self.location
        return self.store_dir

    def _run_load(self, file: Path, graph: str | None = None) -> None:
        assert self.store_dir is not None
        cmd = [self._exe(), "load", "--location", str(self.store_dir), "--file", str(file)]
        if graph:
            cmd += ["--graph", graph]
        log.debug("loading %s into %s", file, self.store_dir)
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise LinkError(f"oxigraph load failed: {exc}", path=file) from exc
        if done.returncode != 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise LinkError(
                f"oxigraph load failed (exit {done.returncode}): {' / '.join(detail[-5:])}", path=file
            )

    def load(self, file: Path, graph: str | None = None) -> None:
        """Load an RDF file into the store with ``oxigraph load``; only before :meth:`start`.

        Args:
            file: the RDF file; its format is guessed from the suffix.
            graph: a named graph IRI to load a triples file into; default graph if ``None``.

        Raises:
            LinkError: the server is running, or the file could not be loaded.
        """
        if self.running:
            raise LinkError(f"cannot load {file} while the Oxigraph server at {self.base_url} runs")
        file = Path(file)
        if not file.is_file():
            raise LinkError("no such data file", path=file)
        self._ensure_store()
        self._run_load(file, graph)

    # -- lifecycle -------------------------------------------------------------------------------

    def start(self) -> OxigraphServer:
        """Start the server and wait until it answers a query.

        Returns:
            ``self``, started.

        Raises:
            LinkError: the executable is missing, the store cannot be prepared, or the server did
                not answer within ``startup_timeout`` seconds.
        """
        if self.running:
            return self
        store = self._ensure_store()
        attempts = 1 if self.requested_port is not None else _BIND_ATTEMPTS
        last_error = ""
        for _ in range(attempts):
            port = self.requested_port if self.requested_port is not None else free_port()
            ok, last_error = self._spawn(store, port)
            if ok:
                log.info("Oxigraph serving %s at %s (read_only=%s)", store, self.base_url, self.read_only)
                return self
        self.stop()
        self.port = None
        raise LinkError(f"the Oxigraph server over {store} did not start: {last_error}")

    def _spawn(self, store: Path, port: int) -> tuple[bool, str]:
        """Start one process on ``port``; return whether it answers, else an error description."""
        command = "serve-read-only" if self.read_only else "serve"
        cmd = [self._exe(), command, "--location", str(store), "--bind", f"{_HOST}:{port}"]
        if self.query_timeout_s is not None:
            cmd += ["--timeout-s", str(self.query_timeout_s)]
        # stderr goes to a file, not a pipe, so a chatty server can never block on a full pipe.
        errlog = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=errlog)
        except OSError as exc:
            errlog.close()
            raise LinkError(f"cannot run {cmd[0]}: {exc}") from exc
        self._proc_box.append(proc)
        self.port = port
        deadline = time.monotonic() + self.startup_timeout
        probe = f"{self.query_url}?{urllib.parse.urlencode({'query': 'ASK {}'})}"
        answered_at: float | None = None
        try:
            while time.monotonic() < deadline:
                if proc.poll() is not None:
                    errlog.seek(0)
                    tail = errlog.read().decode("utf-8", "replace").strip().splitlines()[:3]
                    self._proc_box.clear()
                    return False, f"exit code {proc.returncode} on port {port}: {' / '.join(tail)}"
                # An answer alone could come from another server already on the port (this process
                # would then exit with "Address already in use"), so also wait for our own banner.
                errlog.seek(0)
                banner = _BANNER in errlog.read()
                if answered_at is None and self._answers(probe):
                    answered_at = time.monotonic()
                if answered_at is not None and (banner or time.monotonic() - answered_at > _NO_BANNER_GRACE):
                    return True, ""
                time.sleep(0.05)
            _stop_process(proc)
            self._proc_box.clear()
            return False, f"no answer at {self.query_url} within {self.startup_timeout} s"
        finally:
            errlog.close()

    @staticmethod
    def _answers(probe: str) -> bool:
        try:
            with urllib.request.urlopen(probe, timeout=1.0) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            return False

    def stop(self) -> None:
        """Stop the server (SIGTERM, then SIGKILL after 5 s), wait for it, remove any temp store.

        Safe to call more than once. A temporary store made from a data file is deleted, so a
        later :meth:`start` reloads that file (but not files added with :meth:`load`).
        """
        if self._proc_box:
            log.info("stopping Oxigraph at %s", f"http://{_HOST}:{self.port}")
        _finalize(self._proc_box, self._tmp_box)
        if self.store_dir is not None and not self.store_dir.exists():
            self.store_dir = None  # it was a temp store; a restart reloads the data file

    def __enter__(self) -> OxigraphServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def __repr__(self) -> str:
        state = f"running at {self.base_url}" if self.running else "stopped"
        return f"OxigraphServer({str(self.location)!r}, read_only={self.read_only}, {state})"
