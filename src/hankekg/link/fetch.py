"""Fetching EURA2014 project pages politely, into a cache that is filled once.

A page lives at ``<cache_dir>/<CODE>.html``, always stored as UTF-8 whatever the registry
served. A page in the cache is never fetched again, and offline (the default) nothing
touches the network at all: a page not in the cache is reported ``offline-missing``.

Online, requests are spaced at least ``delay`` seconds apart, carry an identifying
User-Agent and a timeout, and are retried with exponential backoff on connection errors,
timeouts, 5xx and 429 (honouring a numeric Retry-After, capped). Network faults never
escape as exceptions: they end in a :class:`FetchResult` with status ``failed`` and a
message naming the code, the URL and what happened.
"""

from __future__ import annotations

import codecs
import logging
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import httpx

from hankekg import __version__
from hankekg.errors import HankekgError, InputError
from hankekg.iris import PROJECT_CODE
from hankekg.publish.files import write_atomic

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.eura2014.fi/rrtiepa/projekti.php"
DEFAULT_USER_AGENT = f"hankekg/{__version__} (+https://w3id.org/hankekg; ESF project knowledge graph)"

Status = Literal["cached", "fetched", "offline-missing", "failed"]

# Servers labelling a page ISO-8859-1 or ASCII almost always mean windows-1252 (it is
# what browsers decode them as): the difference is the € sign and typographic quotes.
_WINDOWS_1252_ALIASES = {"latin-1", "iso8859-1", "ascii"}
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_META_CHARSET_TEXT = re.compile(r"""(<meta\b[^>]*?\bcharset\s*=\s*["']?\s*)([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_META_SNIFF_BYTES = 4096


@dataclass(frozen=True)
class FetchResult:
    """What became of one project page.

    Attributes:
        code: The project code.
        status: ``cached`` (already on disk), ``fetched`` (downloaded and stored now),
            ``offline-missing`` (not on disk and offline) or ``failed``.
        path: The cache file, for ``cached`` and ``fetched``; otherwise None.
        message: One line for a person: what happened, with the URL when the network was used.
    """

    code: str
    status: Status
    path: Path | None
    message: str

    @property
    def ok(self) -> bool:
        """True when the page is on disk."""
        return self.status in ("cached", "fetched")


class _Retry(Exception):
    """An attempt failed in a way worth trying again."""

    def __init__(self, reason: str, retry_after: float | None = None):
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


class _Fail(Exception):
    """An attempt failed in a way that trying again will not mend."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


class RegistryFetcher:
    """Fetches EURA2014 project pages into a cache folder, one request at a time.

    Use it as a context manager (or call :meth:`close`) to close the HTTP client it made;
    a client passed in is left for the caller to close.

    Args:
        cache_dir: Folder of ``<CODE>.html`` files.
        base_url: The registry's project page; the code goes in its ``projektikoodi`` parameter.
        online: Whether the network may be used. Offline no HTTP client is even made.
        delay: Least seconds from the end of one request to the start of the next (retries included).
        timeout: Seconds allowed for connecting and for each read.
        retries: Attempts made after the first before giving up.
        backoff: Seconds waited before the first retry; doubled before each further one.
        user_agent: Sent with every request, so the registry knows who is asking.
        client: An httpx client to use instead of making one (online only).
        max_retry_after: Cap on the seconds a server's Retry-After may make us wait.
        sleep: Called to wait; ``time.sleep`` unless a test gives a fake.
        clock: A monotonic clock in seconds; ``time.monotonic`` unless a test gives a fake.
    """

    def __init__(
        self,
        cache_dir: Path,
        base_url: str = DEFAULT_BASE_URL,
        online: bool = False,
        delay: float = 1.0,
        timeout: float = 20.0,
        retries: int = 3,
        backoff: float = 2.0,
        user_agent: str = DEFAULT_USER_AGENT,
        client: httpx.Client | None = None,
        *,
        max_retry_after: float = 60.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        if delay < 0 or timeout <= 0 or retries < 0 or backoff < 0 or max_retry_after < 0:
            raise ValueError("delay, retries, backoff and max_retry_after must be >= 0 and timeout > 0")
        self.cache_dir = Path(cache_dir)
        self.base_url = base_url
        self.online = online
        self.delay = delay
        self.timeout = timeout
        self.retries = retries
        self.backoff = backoff
        self.user_agent = user_agent
        self.max_retry_after = max_retry_after
        self._sleep = sleep
        self._clock = clock
        self._client = client
        self._owns_client = False
        self._last_request: float | None = None

    def __enter__(self) -> RegistryFetcher:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client if this fetcher made it."""
        if self._owns_client and self._client is not None:
            self._client.close()
            self._client = None
            self._owns_client = False

    def page_url(self, code: str) -> str:
        """The registry URL of the project page of ``code``.

        Raises:
            InputError: if ``code`` is not a EURA2014 project code.
        """
        _check_code(code)
        return str(httpx.URL(self.base_url).copy_merge_params({"projektikoodi": code}))

    def cache_path(self, code: str) -> Path:
        """Where the page of ``code`` is cached.

        Raises:
            InputError: if ``code`` is not a EURA2014 project code.
        """
        _check_code(code)
        return self.cache_dir / f"{code}.html"

    def fetch(self, code: str) -> FetchResult:
        """The page of ``code``: from the cache, else (online) from the registry.

        Raises:
            InputError: if ``code`` is not a EURA2014 project code.
            HankekgError: if a fetched page cannot be written to the cache.
        """
        path = self.cache_path(code)
        if path.is_file():
            log.debug("%s: cached at %s", code, path)
            return FetchResult(code, "cached", path, f"{code}: cached at {path}")
        url = self.page_url(code)
        if not self.online:
            log.debug("%s: not cached and offline", code)
            return FetchResult(code, "offline-missing", None, f"{code}: not in {self.cache_dir} and offline")
        try:
            text, encoding = self._download(code, url)
        except _Fail as failure:
            log.warning("%s: %s", code, failure.reason)
            return FetchResult(code, "failed", None, f"{code}: {url}: {failure.reason}")
        data = text.encode("utf-8")
        try:
            write_atomic(path, data)
        except OSError as error:
            raise HankekgError(f"cannot write the cached page of {code}: {error}", path) from error
        log.info("%s: fetched %s (%d bytes, %s)", code, url, len(data), encoding)
        return FetchResult(code, "fetched", path, f"{code}: fetched {url} ({encoding}) to {path}")

    def fetch_all(
        self, codes: Iterable[str], progress: Callable[[FetchResult], None] | None = None
    ) -> list[FetchResult]:
        """Fetch the page of each code in turn, going on after failures.

        Every code is checked before anything is fetched.

        Args:
            codes: Project codes, in the order to fetch them.
            progress: Called with each result as soon as it is known.

        Raises:
            InputError: if any code is not a EURA2014 project code.
        """
        codes = list(codes)
        for code in codes:
            _check_code(code)
        results = []
        for code in codes:
            result = self.fetch(code)
            results.append(result)
            if progress is not None:
                progress(result)
        return results

    def _http(self) -> httpx.Client:
        if self._client is None:
            self._client = httpx.Client(
                timeout=httpx.Timeout(self.timeout),
                follow_redirects=True,
                headers={"User-Agent": self.user_agent},
            )
            self._owns_client = True
        return self._client

    def _download(self, code: str, url: str) -> tuple[str, str]:
        """The decoded page and its encoding, after as many attempts as allowed.

        Raises:
            _Fail: with the reason, when no attempt gave a good page.
        """
        attempts = self.retries + 1
        for attempt in range(1, attempts + 1):
            try:
                return self._attempt(code, url)
            except _Retry as retry:
                if attempt == attempts:
                    raise _Fail(f"gave up after {attempts} attempt{'s' * (attempts != 1)}: {retry.reason}") from None
                wait = self.backoff * 2 ** (attempt - 1)
                if retry.retry_after is not None:
                    wait = min(retry.retry_after, self.max_retry_after)
                log.info("%s: %s; retry %d of %d in %.1f s", code, retry.reason, attempt, self.retries, wait)
                if wait > 0:
                    self._sleep(wait)
        raise AssertionError("unreachable")

    def _attempt(self, code: str, url: str) -> tuple[str, str]:
        """One request, and the checks on its answer.

        Raises:
            _Retry: on a connection error, a timeout, a 5xx or a 429.
            _Fail: on any other non-200 answer or a malformed page.
        """
        self._wait_turn()
        try:
            response = self._http().get(
                url,
                headers={"User-Agent": self.user_agent, "Accept": "text/html"},
                timeout=httpx.Timeout(self.timeout),
            )
        except httpx.TimeoutException as error:
            raise _Retry(f"timed out after {self.timeout:g} s ({type(error).__name__})") from error
        except httpx.TransportError as error:
            raise _Retry(f"connection failed ({type(error).__name__}: {error})") from error
        except httpx.RequestError as error:
            raise _Fail(f"request failed ({type(error).__name__}: {error})") from error
        finally:
            # Counted from the end of a request, not its start: the server sees a request
            # only once the connection is made, and must never see two closer than delay.
            self._last_request = self._clock()
        status = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
        if response.status_code == 429 or response.status_code >= 500:
            raise _Retry(status, _retry_after(response))
        if response.status_code != 200:
            raise _Fail(f"{status} (not retried)")
        return _decode_page(code, response)

    def _wait_turn(self) -> None:
        """Sleep until ``delay`` seconds have passed since the last request ended."""
        if self._last_request is not None:
            wait = self.delay - (self._clock() - self._last_request)
            if wait > 0:
                self._sleep(wait)


def _check_code(code: str) -> None:
    if not isinstance(code, str) or not PROJECT_CODE.match(code):
        raise InputError(f"not a EURA2014 project code: {code!r}")


def _retry_after(response: httpx.Response) -> float | None:
    """The seconds of a numeric Retry-After header; None if absent or a date."""
    value = response.headers.get("Retry-After", "").strip()
    try:
        seconds = float(value)
    except ValueError:
        return None
    return max(seconds, 0.0) if seconds == seconds else None  # NaN is not a number of seconds


def _decode_page(code: str, response: httpx.Response) -> tuple[str, str]:
    """The page as text, with any meta charset rewritten to utf-8, and the encoding used.

    The encoding is the byte-order mark's, else the Content-Type header's, else a meta
    charset's, else UTF-8.

    Raises:
        _Fail: if the page is empty, cannot be decoded or does not mention ``code``.
    """
    body = response.content
    if not body.strip():
        raise _Fail("malformed page: the body is empty")
    if body.startswith(codecs.BOM_UTF8):
        label, body = "utf-8", body[len(codecs.BOM_UTF8):]
    else:
        meta = _META_CHARSET.search(body[:_META_SNIFF_BYTES])
        label = response.charset_encoding or (meta.group(1).decode("ascii") if meta else "utf-8")
    try:
        encoding = codecs.lookup(label).name
    except LookupError:
        raise _Fail(f"malformed page: unknown charset {label!r}") from None
    if encoding in _WINDOWS_1252_ALIASES:
        encoding = "cp1252"
    try:
        text = body.decode(encoding)
    except UnicodeDecodeError as error:
        if encoding != "cp1252":
            raise _Fail(f"malformed page: not decodable as {encoding} ({error.reason} at byte {error.start})") from None
        # Five bytes are undefined in windows-1252; ISO-8859-1 proper reads every byte.
        encoding, text = "latin-1", body.decode("latin-1")
    if re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![0-9])", text) is None:
        raise _Fail(f"malformed page: the project code {code} does not appear in it")
    # Stored as UTF-8, so a declaration of the original charset would now be a lie.
    text = _META_CHARSET_TEXT.sub(lambda m: m.group(1) + "utf-8", text, count=1)
    return text, encoding
