"""Serve page-cache hits below Flask: a WSGI layer answering from this process's memory.

A hit through Flask costs its request context, URL matching, session, hooks and headers
for an answer already made. This layer sits in front of the Flask app (inside ProxyFix)
and learns from it: when Flask serves a hit (`server.web.cached_pages.lookup`), the hit
leaves what it decided in the environ (`HitNote`: batch, variant, entry, coding, the
page) and this layer keeps the complete answer Flask sent: status, every header (the
security headers, Vary, ETag, Cache-Control…) and body. A later request for the same
path, query, host and Accept is answered from that copy when

- the Accept-Encoding chooses the same coding and the Accept-Language the same locale,
  by the same functions the Flask path calls (`choose_coding`, `request_locale`);
- the page cache still holds that entry in memory with its revision checked less than
  PAGE_REVALIDATE_SECONDS ago (`PageCache.remembered`, the rule `find` applies), and it is
  the same page (digest and generation stamp) the copy was made from;
- 304 or not (`not_modified`) is what the copy was.

Anything else (another method, a cookie, a miss, a stale entry, a request never seen)
goes to Flask unchanged, which answers it and refreshes what this layer may serve. When an
entry is due for its revision check, one request of the route asks Flask (one Redis round
trip); the others arriving meanwhile wait for it up to FLIGHT_WAIT, then take its fresh
answer or ask Flask themselves: a popular page makes one round trip a process, not one a
thread. Each
answer gets its own request id (echoed, or new), its log line and its Prometheus timing;
a view is counted the way the Flask path counts it, through a per-process buffer pushed
to Redis in batches (`server.services.scan_batcher`).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import Flask
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from server.adapters import metrics
from server.core.http_caching import choose_coding, not_modified
from server.core.page_revision import entry_key
from server.services.page_cache import page_cache
from server.services.readiness import fail_fast_redis
from server.services.scan_batcher import PUSH_TIMEOUT, ScanBatcher
from server.services.scan_recorder import VIEW_NOTE, recorder, view_of
from server.web.cached_pages import NOTE, UNLOCALIZED, HitNote, request_locale
from server.web.request_logging import HEADER, log_request, request_id

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

EXTENSION = "originxr.fast_path"
MAX_KEPT = 4096  # routes and answers a process keeps (then it starts over)
FLIGHT_WAIT = 0.05  # seconds a request waits for another's revalidation of its route
RouteKey = tuple[str, str, str, str, str]
AnswerKey = tuple[RouteKey, str, str, bool]


@dataclass(frozen=True)
class Route:
    """What a request's path, query, host and Accept led the Flask path to."""

    gtin: str
    lot: str
    variant: str
    localized: bool
    lang: str | None
    entry: str  # the entry of an unlocalized answer (a localized one depends on the request)
    rule: str  # the URL rule, for metrics and the log line
    view: tuple[int, str, str, str] | None  # brand, gtin, lot, kind of the view it counts


@dataclass(frozen=True)
class Answer:
    """A complete answer as Flask sent it, but for its request id."""

    digest: str
    stamp: str
    status: str
    code: int
    headers: tuple[tuple[str, str], ...]
    id_at: int  # where the X-Request-ID header goes
    body: bytes


@lru_cache(maxsize=1024)
def _languages(header: str | None) -> tuple[tuple[str, float], ...]:
    # The parse Flask's `request.accept_languages` makes; the same few headers come back.
    return tuple(parse_accept_header(header, LanguageAccept))


def _header(environ: WSGIEnvironment) -> Callable[[str], str]:
    def read(name: str) -> str:
        return str(environ.get("HTTP_" + name.upper().replace("-", "_"), ""))

    return read


class PageFastPath:
    """The WSGI layer in front of `app`: cached answers from memory, everything else to Flask."""

    def __init__(self, app: Flask, inner: WSGIApplication) -> None:
        self.app = app
        self.inner = inner
        self.cache = page_cache(app)
        redis = fail_fast_redis(app.config["REDIS_URL"], PUSH_TIMEOUT)
        self.batcher = ScanBatcher(recorder(app), redis)
        self.served = 0  # answers this layer gave (a test reads it)
        self._routes: dict[RouteKey, Route] = {}
        self._answers: dict[AnswerKey, Answer] = {}
        self._flights: dict[RouteKey, threading.Event] = {}  # routes being asked of Flask

    def _route_key(self, environ: WSGIEnvironment) -> RouteKey:
        return (
            str(environ.get("PATH_INFO", "")),
            str(environ.get("QUERY_STRING", "")),
            str(environ.get("HTTP_HOST", "")),
            str(environ.get("HTTP_ACCEPT", "")),
            str(self.app.config["SCAN_COUNTING"]),
        )

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        """Answer from memory when the Flask path would send the same, else ask Flask."""
        if environ.get("REQUEST_METHOD") != "GET" or "HTTP_COOKIE" in environ:
            return self.inner(environ, start_response)
        started = time.perf_counter()
        key = self._route_key(environ)
        route = self._routes.get(key)
        if route is None:
            return self._through(environ, start_response, key)
        found = self._find(environ, key, route)
        if found is None:
            found = self._after_flight(environ, key, route)
        if found is None:
            return self._revalidate(environ, start_response, key)
        answer, locale = found
        rid = request_id(environ.get("HTTP_X_REQUEST_ID"))
        headers = list(answer.headers)
        headers.insert(answer.id_at, (HEADER, rid))
        start_response(answer.status, headers)
        self.served += 1
        if route.view is not None and self.app.config["SCAN_COUNTING"] == "page":
            self._count(environ, route.view, locale)
        elapsed = time.perf_counter() - started
        metrics.observe_request(route.rule, "GET", answer.code, elapsed)
        log_request("GET", route.rule, answer.code, elapsed * 1000, request_id=rid)
        return [answer.body]

    def _after_flight(
        self, environ: WSGIEnvironment, key: RouteKey, route: Route
    ) -> tuple[Answer, str] | None:
        # Another thread is asking Flask (and Redis) for this route: its answer refreshes the
        # entry, so wait for it a little rather than make the same round trip at once.
        flight = self._flights.get(key)
        if flight is None or not flight.wait(FLIGHT_WAIT):
            return None
        return self._find(environ, key, route)

    def _revalidate(
        self, environ: WSGIEnvironment, start_response: StartResponse, key: RouteKey
    ) -> Iterable[bytes]:
        own = threading.Event()
        if self._flights.setdefault(key, own) is not own:
            return self._through(environ, start_response, key)
        try:
            return self._through(environ, start_response, key)
        finally:
            del self._flights[key]
            own.set()

    def _find(
        self, environ: WSGIEnvironment, key: RouteKey, route: Route
    ) -> tuple[Answer, str] | None:
        coding = choose_coding(environ.get("HTTP_ACCEPT_ENCODING"))
        if coding is None:
            return None  # Flask answers the 406
        if route.localized:
            info = self.cache.brand_of(route.gtin)  # in memory once known
            if info is None:
                return None
            accept = _languages(environ.get("HTTP_ACCEPT_LANGUAGE"))
            locale = request_locale(info, route.lang, accept)
            entry = entry_key(route.gtin, route.lot, route.variant, locale)
        else:
            locale, entry = UNLOCALIZED, route.entry
        page = self.cache.remembered(entry, coding)
        if page is None:
            return None
        unchanged = page.status == 200 and not_modified(
            environ.get("HTTP_IF_NONE_MATCH"), page.digest
        )
        answer = self._answers.get((key, entry, coding, unchanged))
        if answer is None or (answer.digest, answer.stamp) != (page.digest, page.stamp):
            return None
        return answer, locale

    def _count(
        self, environ: WSGIEnvironment, view: tuple[int, str, str, str], locale: str
    ) -> None:
        brand_id, gtin, lot, kind = view
        item = view_of(
            brand_id,
            gtin,
            lot,
            locale,
            kind,
            method="GET",
            ip=str(environ.get("REMOTE_ADDR") or ""),
            header=_header(environ),
        )
        if item is not None:
            self.batcher.add(item)

    def _through(
        self, environ: WSGIEnvironment, start_response: StartResponse, key: RouteKey
    ) -> Iterable[bytes]:
        environ[NOTE] = None  # asks a hit to say what it decided
        environ.pop(VIEW_NOTE, None)
        sent: list[Any] = []

        def catch(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            sent[:] = [status, headers]
            return start_response(status, headers, exc_info)

        result = self.inner(environ, catch)
        note = environ.get(NOTE)
        if not isinstance(note, HitNote) or not sent or sent[0][:3] not in ("200", "304"):
            return result
        if any(name.lower() == "set-cookie" for name, _ in sent[1]):
            return result  # that reader's own answer: never replayed to another
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        self._learn(environ, key, note, sent[0], sent[1], body)
        return [body]

    def _learn(
        self,
        environ: WSGIEnvironment,
        key: RouteKey,
        note: HitNote,
        status: str,
        headers: list[tuple[str, str]],
        body: bytes,
    ) -> None:
        view = environ.get(VIEW_NOTE)
        route = Route(
            note.gtin,
            note.lot,
            note.variant,
            note.localized,
            note.lang,
            note.entry,
            note.route,
            (view[0], view[1], view[2], view[4]) if view else None,
        )
        kept = [(name, value) for name, value in headers if name != HEADER]
        id_at = next((i for i, (name, _) in enumerate(headers) if name == HEADER), len(kept))
        code = int(status[:3])
        answer = Answer(note.page.digest, note.page.stamp, status, code, tuple(kept), id_at, body)
        if len(self._answers) >= MAX_KEPT or len(self._routes) >= MAX_KEPT:
            self._answers, self._routes = {}, {}
        self._routes[key] = route
        self._answers[(key, note.entry, note.coding, code == 304)] = answer


def init_app(app: Flask) -> None:
    """Put the fast path in front of `app` (call after the page cache and scan recorder)."""
    fast = PageFastPath(app, app.wsgi_app)
    app.extensions[EXTENSION] = fast
    app.wsgi_app = fast  # type: ignore[method-assign]


def fast_path(app: Flask) -> PageFastPath:
    """Return the fast path in front of `app`."""
    found: PageFastPath = app.extensions[EXTENSION]
    return found
