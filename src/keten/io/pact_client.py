"""HTTP edge of keten's PACT client: token, version discovery, paged listing, events.

Bounded in every direction, so that a partner host can neither hang keten nor fill its memory:

- each HTTP call times out (``timeout_s``: connect, read, write and pool);
- each response body is read as a stream and refused past ``max_page_bytes``;
- a whole ``fetch`` stops at ``deadline_s`` and after ``max_pages`` pages, even if the partner
  keeps answering slowly (a read timeout alone restarts with every byte);
- ``Link: <...>; rel="next"`` pages are followed only on the partner's own host and scheme.

Retry schedule (documented in the README): a call that fails with a connection error, a
timeout, HTTP 429 or HTTP 5xx is tried again after 0.5 s, 1 s and 2 s (:data:`RETRY_DELAYS_S`,
4 tries at most; a ``Retry-After`` header of up to 5 s replaces the delay). Other 4xx answers
are final: retrying a refused credential or a malformed request cannot help.
"""

from __future__ import annotations

import json
import ssl
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from keten.errors import AuthError, KetenError

RETRY_DELAYS_S: tuple[float, ...] = (0.5, 1.0, 2.0)
MAX_RETRY_AFTER_S = 5.0
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})


class PartnerError(KetenError):
    """A partner host could not be reached or answered in a way keten cannot use."""

    exit_code = 7


@dataclass
class Page:
    """One page of footprints as received: the raw JSON items and the body's size."""

    items: list[Any]
    body_bytes: int


@dataclass
class PactClient:
    """A PACT v2/v3 client for one partner host (``base_url`` without a trailing slash)."""

    base_url: str
    client_id: str
    client_secret: str
    transport: httpx.BaseTransport | None = None
    verify: bool | str | ssl.SSLContext = True
    timeout_s: float = 15.0
    deadline_s: float = 120.0
    max_page_bytes: int = 20 * 1024 * 1024
    max_pages: int = 1000
    sleep: Callable[[float], None] = time.sleep
    _token: str | None = field(default=None, init=False, repr=False)
    _started: float = field(default_factory=time.monotonic, init=False, repr=False)
    _client: httpx.Client | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        split = urlsplit(self.base_url)
        if split.scheme not in ("https", "http") or not split.netloc:
            raise KetenError(f"partner URL '{self.base_url}' is not an http(s) URL")

    # -- plumbing ------------------------------------------------------------------------

    def __enter__(self) -> PactClient:
        self._started = time.monotonic()
        # A path names a CA bundle or a partner's self-signed certificate to trust.
        verify = (
            ssl.create_default_context(cafile=self.verify)
            if isinstance(self.verify, str)
            else self.verify
        )
        self._client = httpx.Client(
            transport=self.transport,
            verify=verify,
            timeout=httpx.Timeout(self.timeout_s),
            follow_redirects=False,
            headers={"User-Agent": "keten-pact-client", "Accept": "application/json"},
        )
        return self

    def __exit__(self, *exc: object) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _remaining_s(self) -> float:
        return self.deadline_s - (time.monotonic() - self._started)

    def _check_deadline(self, what: str) -> None:
        if self._remaining_s() <= 0:
            raise PartnerError(f"{what}: gave up after the {self.deadline_s:g} s deadline")

    def _read_body(self, response: httpx.Response, what: str) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_page_bytes:
            raise PartnerError(
                f"{what}: the answer is {int(declared):,} bytes, over the "
                f"{self.max_page_bytes:,}-byte limit"
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > self.max_page_bytes:
                raise PartnerError(
                    f"{what}: the answer is over the {self.max_page_bytes:,}-byte limit"
                )
            self._check_deadline(what)
            chunks.append(chunk)
        return b"".join(chunks)

    def _send(
        self, method: str, url: str, what: str, *, retry: bool = True, **kwargs: Any
    ) -> tuple[httpx.Response, bytes]:
        """One call with the retry schedule; returns the response and its (bounded) body."""
        assert self._client is not None, "use PactClient as a context manager"
        delays = RETRY_DELAYS_S if retry else ()
        last = ""
        for attempt in range(len(delays) + 1):
            self._check_deadline(what)
            try:
                with self._client.stream(method, url, **kwargs) as response:
                    if response.status_code not in RETRYABLE_STATUS or not retry:
                        return response, self._read_body(response, what)
                    last = f"HTTP {response.status_code}"
                    retry_after = response.headers.get("retry-after", "")
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                last = f"{type(exc).__name__}: {exc}"
                retry_after = ""
            if attempt == len(delays):
                break
            delay = delays[attempt]
            if retry_after.isdigit():
                delay = min(float(retry_after), MAX_RETRY_AFTER_S)
            if delay >= self._remaining_s():
                break
            self.sleep(delay)
        tries = attempt + 1
        plural = "try" if tries == 1 else "tries"
        raise PartnerError(f"{what}: failed after {tries} {plural} ({last})")

    @staticmethod
    def _json(body: bytes, what: str) -> Any:
        try:
            return json.loads(body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise PartnerError(f"{what}: the answer is not JSON ({exc})") from exc

    # -- PACT ----------------------------------------------------------------------------

    def token_endpoint(self) -> str:
        """``token_endpoint`` of the host's OpenID discovery document, else ``/auth/token``
        (PACT v2.1+ and v3: "Authentication flow")."""
        default = f"{self.base_url}/auth/token"
        try:
            response, body = self._send(
                "GET",
                f"{self.base_url}/.well-known/openid-configuration",
                "OpenID discovery",
                retry=False,
            )
        except PartnerError:
            return default
        if response.status_code != 200:
            return default
        try:
            endpoint = json.loads(body).get("token_endpoint")
        except (json.JSONDecodeError, UnicodeDecodeError, AttributeError):
            return default
        if isinstance(endpoint, str) and self._same_origin(endpoint):
            return endpoint
        return default

    def token(self) -> str:
        """An access token (client credentials grant, HTTP Basic), cached per client."""
        if self._token is not None:
            return self._token
        response, body = self._send(
            "POST",
            self.token_endpoint(),
            "token",
            auth=(self.client_id, self.client_secret),
            data={"grant_type": "client_credentials"},
        )
        if response.status_code in (400, 401, 403):
            raise AuthError(
                f"the partner refused the client credentials (HTTP {response.status_code})"
            )
        if response.status_code != 200:
            raise PartnerError(f"token: HTTP {response.status_code}")
        doc = self._json(body, "token")
        token = doc.get("access_token") if isinstance(doc, dict) else None
        if not isinstance(token, str) or not token:
            raise PartnerError("token: the answer has no access_token")
        self._token = token
        return token

    def _auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token()}"}

    def _same_origin(self, url: str) -> bool:
        mine, theirs = urlsplit(self.base_url), urlsplit(url)
        return (mine.scheme, mine.netloc) == (theirs.scheme, theirs.netloc)

    def discover_version(self) -> int:
        """3 if the host answers ``GET /3/footprints``, else 2 if it answers ``/2/footprints``."""
        for version in (3, 2):
            response, _ = self._send(
                "GET",
                f"{self.base_url}/{version}/footprints",
                f"discovery /{version}/footprints",
                params={"limit": "1"},
                headers=self._auth(),
            )
            if response.status_code in (200, 202):
                return version
            if response.status_code in (401, 403):
                raise AuthError(
                    f"the partner refused the access token on /{version}/footprints "
                    f"(HTTP {response.status_code})"
                )
        raise PartnerError("the partner serves neither /3/footprints nor /2/footprints")

    def pages(
        self, version: int, params: Mapping[str, str] | None = None, page_size: int = 100
    ) -> Iterator[Page]:
        """Pages of ``GET /{version}/footprints``, following ``Link rel="next"`` on the same
        host; raises ``PartnerError`` on a malformed page (not JSON, no ``data`` list)."""
        url: str | None = f"{self.base_url}/{version}/footprints"
        query: dict[str, str] | None = {"limit": str(page_size), **(params or {})}
        seen: set[str] = set()
        for number in range(1, self.max_pages + 2):
            if url is None:
                return
            if number > self.max_pages:
                raise PartnerError(f"more than {self.max_pages} pages: stopped")
            what = f"page {number} of /{version}/footprints"
            response, body = self._send("GET", url, what, params=query, headers=self._auth())
            if response.status_code not in (200, 202):
                raise PartnerError(f"{what}: HTTP {response.status_code}: {body[:200]!r}")
            doc = self._json(body, what)
            if not isinstance(doc, dict) or not isinstance(doc.get("data"), list):
                raise PartnerError(f"{what}: the answer must be an object with a 'data' list")
            yield Page(doc["data"], len(body))
            url, query = self._next_link(response, what), None
            if url is not None:
                if url in seen:
                    raise PartnerError(f"{what}: the next link repeats an earlier page")
                seen.add(url)

    def _next_link(self, response: httpx.Response, what: str) -> str | None:
        for link in response.headers.get_list("link", split_commas=True):
            target, _, params = link.partition(";")
            if 'rel="next"' in params.replace(" ", "") or "rel=next" in params.replace(" ", ""):
                url = urljoin(f"{self.base_url}/", target.strip().strip("<>"))
                if not self._same_origin(url):
                    raise PartnerError(f"{what}: the next link leaves the partner's host ({url})")
                return url
        return None

    def get_json(self, path: str, params: Mapping[str, str] | None = None) -> Any:
        """``GET`` a JSON document from a path of the partner's host (e.g. keten's
        ``/keten/v1/statements/heads``), with the same token, retries and size limits."""
        what = f"GET {path}"
        response, body = self._send("GET", f"{self.base_url}{path}", what, params=params,
                                    headers=self._auth())
        if response.status_code in (401, 403):
            raise AuthError(f"{what}: the partner refused the access token "
                            f"(HTTP {response.status_code})")
        if response.status_code != 200:
            raise PartnerError(f"{what}: HTTP {response.status_code}: {body[:200]!r}")
        return self._json(body, what)

    def send_event(self, version: int, event: Mapping[str, Any]) -> int:
        """POST a CloudEvent to ``/{version}/events``; returns the HTTP status (200 = accepted)."""
        response, body = self._send(
            "POST",
            f"{self.base_url}/{version}/events",
            f"POST /{version}/events",
            content=json.dumps(event).encode(),
            headers={
                **self._auth(),
                "Content-Type": "application/cloudevents+json; charset=UTF-8",
            },
        )
        if response.status_code not in (200, 202, 204):
            raise PartnerError(
                f"POST /{version}/events: HTTP {response.status_code}: {body[:300]!r}"
            )
        return response.status_code
