"""Serve a built replica over real HTTP on 127.0.0.1 (the paper) and 127.0.0.2 (the mirror).

Like a real CMS it gives every page an ETag and a Last-Modified and answers a conditional
request for an unchanged page with 304. It can be told to misbehave (`faults`): answer a path
with 429 or 503 (and a Retry-After), 500, or reset the connection, N times before serving it,
and to answer slowly (`latency`). It also serves the hostile web of `replica.site.PAGE_FAULTS`
(truncated and lying bodies, broken gzip, binary, huge and deep pages, invalid bytes, redirect
loops, offsite redirects, stalls), on the paths a `--faults` glob names or on the pages the
site's fault plan chose at random (`plan_faults`), and the crawl traps of `add_traps`.
`GET /__replica/log` on 127.0.0.1 returns every request seen so far (time, host, path,
status, fault), so tests can check how a harvester behaved.
"""

from __future__ import annotations

import fnmatch
import gzip
import hashlib
import json
import logging
import random
import re
import socket
import struct
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

from replica import templates
from replica.faults import PAGE_FAULTS
from replica.model import MAIN, MIRROR, Page, Site
from replica.traps import trap_page

logger = logging.getLogger(__name__)

MAIN_ADDRESS, MIRROR_ADDRESS = "127.0.0.1", "127.0.0.2"
LOG_PATH = "/__replica/log"
STATUS_FAULTS = ("429", "503", "500", "reset")
FAULT_KINDS = (*STATUS_FAULTS, *PAGE_FAULTS)
MAXSIZE = 20 * 1024 * 1024  # the "huge" page is 20 MB + 1 byte, twice the harvester's DOWNLOAD_MAXSIZE
BIG_SIZE = 8 * 1024 * 1024  # the "big" page: under DOWNLOAD_MAXSIZE, over the extractor's limit
DEEP_LEVELS = 10_000  # the "deep" page's nesting
STALL_SECONDS = 30.0  # the "stall" page's wait before its first byte
_CLOSE_TAG = re.compile(rb"</(p|h1|h3)>")


@dataclass(frozen=True)
class Fault:
    kind: str  # one of FAULT_KINDS
    pattern: str  # fnmatch pattern on the path, e.g. /news/*/index.html
    times: int  # how many requests of each matching URL get the fault before it is served


def parse_faults(spec: str) -> list[Fault]:
    """`KIND:GLOB[:TIMES],…` (e.g. `429:/news/xczx/index.html:2,stall:/news/*/t*_5003.html:*`).

    TIMES is 1 by default; `*` means every request.
    """
    faults = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, rest = part.partition(":")
        pattern, _, times = rest.partition(":")
        if kind not in FAULT_KINDS or not pattern:
            raise ValueError(f"bad fault {part!r}: want KIND:GLOB[:TIMES], KIND one of {FAULT_KINDS}")
        faults.append(Fault(kind, pattern, sys.maxsize if times == "*" else int(times or 1)))
    return faults


@dataclass
class Behaviour:
    """What the server does beyond serving pages; shared by both hosts' handlers."""

    faults: list[Fault] = field(default_factory=list)
    retry_after: str = "1"  # the Retry-After value sent with 429 and 503
    latency: float = 0.0  # seconds to wait before answering
    stall: float = STALL_SECONDS  # how long a "stall" page waits
    started: float = field(default_factory=time.time)  # every page's Last-Modified
    served: Counter[tuple[int, str, str]] = field(default_factory=Counter)  # (fault, host, path) -> count
    log: list[dict[str, object]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fault_for(self, host: str, path: str) -> Fault | None:
        """The fault to answer `path` of `host` with now (counting it), or None to serve the page."""
        with self.lock:
            for index, fault in enumerate(self.faults):
                key = (index, host, path)
                if fnmatch.fnmatchcase(path, fault.pattern) and self.served[key] < fault.times:
                    self.served[key] += 1
                    return fault
        return None

    def record(
        self, handler: BaseHTTPRequestHandler, host: str, path: str, status: int, fault: str = ""
    ) -> None:
        headers = handler.headers
        entry = {
            "t": time.time(),
            "host": host,
            "path": path,
            "status": status,
            "fault": fault,
            "conditional": bool(headers.get("If-None-Match") or headers.get("If-Modified-Since")),
            "user_agent": headers.get("User-Agent", ""),
        }
        with self.lock:
            self.log.append(entry)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


class _Handler(BaseHTTPRequestHandler):
    site: ClassVar[Site] = Site()
    pages: ClassVar[dict[tuple[str, str], Page]] = {}
    host_key: ClassVar[str] = MAIN
    behaviour: ClassVar[Behaviour] = Behaviour()
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path == LOG_PATH and self.host_key == MAIN:
            with self.behaviour.lock:
                body = json.dumps(self.behaviour.log).encode("utf-8")
            return self._send(Page(200, body, "application/json"))
        if self.behaviour.latency:
            time.sleep(self.behaviour.latency)
        fault = self.behaviour.fault_for(self.host_key, path)
        if fault is not None and fault.kind in STATUS_FAULTS:
            status = 0 if fault.kind == "reset" else int(fault.kind)
            self.behaviour.record(self, self.host_key, path, status)
            return self._fail(fault)
        page = self.pages.get((self.host_key, path)) or trap_page(self.site, self.host_key, path)
        if page is None:
            page = Page(404, templates.not_found().encode("utf-8"), "text/html; charset=utf-8")
        planned = self.site.faults.get((self.host_key, path))
        kind = fault.kind if fault is not None else None
        if kind is None and planned is not None and planned.fault in PAGE_FAULTS:
            kind = planned.fault  # (the traps' entries are pages, served as such)
        if kind is not None:
            self.behaviour.record(self, self.host_key, path, 0, kind)
            return self._hostile(kind, page, path)
        if page.status == 200 and self._not_modified(page):
            self.behaviour.record(self, self.host_key, path, 304)
            self.send_response(304)
            self.send_header("ETag", etag_of(page.body))
            self.end_headers()
            return None
        self.behaviour.record(self, self.host_key, path, page.status)
        return self._send(page)

    def _not_modified(self, page: Page) -> bool:
        """RFC 9110: If-None-Match decides when present, else If-Modified-Since."""
        if_none_match = self.headers.get("If-None-Match")
        if if_none_match:
            return etag_of(page.body) in {tag.strip() for tag in if_none_match.split(",")}
        if_modified_since = self.headers.get("If-Modified-Since")
        if if_modified_since:
            try:
                return parsedate_to_datetime(if_modified_since).timestamp() >= int(self.behaviour.started)
            except (TypeError, ValueError):
                return False
        return False

    def _send(self, page: Page) -> None:
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        if page.status == 200:
            self.send_header("ETag", etag_of(page.body))
            self.send_header("Last-Modified", formatdate(self.behaviour.started, usegmt=True))
        self.end_headers()
        self.wfile.write(page.body)

    def _fail(self, fault: Fault) -> None:
        if fault.kind == "reset":
            # SO_LINGER 0: close() sends a TCP RST instead of a clean FIN.
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.close_connection = True
            return
        body = f"{fault.kind} (replica fault)".encode()
        self.send_response(int(fault.kind))
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        if fault.kind in ("429", "503"):
            self.send_header("Retry-After", self.behaviour.retry_after)
        self.end_headers()
        self.wfile.write(body)

    # --- the hostile web ---------------------------------------------------------------------

    def _hostile(self, kind: str, page: Page, path: str) -> None:
        """Answer with fault `kind` (a key of PAGE_FAULTS) instead of `page` as it should be."""
        try:
            getattr(self, f"_fault_{kind}")(page, path)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (a size limit, a timeout): fine

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()

    def _fault_truncate(self, page: Page, path: str) -> None:
        half = page.body[: len(page.body) // 2]
        self._head(200, {"Content-Type": page.content_type, "Transfer-Encoding": "chunked"})
        self.wfile.write(b"%x\r\n%s\r\n" % (len(half), half))  # and no last chunk
        self.close_connection = True

    def _fault_length(self, page: Page, path: str) -> None:
        self._head(200, {"Content-Type": page.content_type, "Content-Length": str(2 * len(page.body))})
        self.wfile.write(page.body)
        self.close_connection = True

    def _fault_close(self, page: Page, path: str) -> None:
        self.close_connection = True  # not a byte of an answer

    def _fault_gzip(self, page: Page, path: str) -> None:
        head = gzip.compress(b"")[:10]  # a valid gzip header, then a deflate block of invalid type
        body = head + b"\xff" * 64
        self._head(200, {"Content-Type": page.content_type, "Content-Encoding": "gzip",
                         "Content-Length": str(len(body))})  # fmt: skip
        self.wfile.write(body)

    def _fault_binary(self, page: Page, path: str) -> None:
        rng = random.Random(path)
        body = b"\x89PNG\r\n\x1a\n" + rng.randbytes(64 * 1024)
        self._head(200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _fault_huge(self, page: Page, path: str) -> None:
        self._head(200, {"Content-Type": "text/html; charset=utf-8", "Transfer-Encoding": "chunked"})
        chunk = (b"<p>" + "填充文字，".encode() * 20_000 + b"</p>\n")[: 256 * 1024]
        left = MAXSIZE + 1
        while left > 0:
            data = chunk[:left]
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            left -= len(data)
        self.wfile.write(b"0\r\n\r\n")

    def _fault_big(self, page: Page, path: str) -> None:
        padding = b"<!--" + b"x" * BIG_SIZE + b"-->"
        body = page.body.replace(b"<body>", b"<body>" + padding, 1)
        self._head(200, {"Content-Type": page.content_type, "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _fault_deep(self, page: Page, path: str) -> None:
        body = page.body.replace(b"<body>", b"<body>" + b"<div>" * DEEP_LEVELS, 1)
        body = body.replace(b"</body>", b"</div>" * DEEP_LEVELS + b"</body>", 1)
        self._head(200, {"Content-Type": page.content_type, "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _fault_charset(self, page: Page, path: str) -> None:
        # 0xFF is invalid in UTF-8, GB18030 (so GBK, GB2312) and Big5 alike; every 16th byte of
        # the text, and before each paragraph's end, whatever the page says it is.
        label = ("utf-8", "gb2312", "big5")[sum(path.encode()) % 3]
        start, end = page.body.find(b"<body>"), page.body.rfind(b"</body>")
        middle = page.body[start:end]
        middle = b"\xff".join(middle[i : i + 16] for i in range(0, len(middle), 16))
        body = (
            page.body[:start] + _CLOSE_TAG.sub(lambda end_tag: b"\xff" + end_tag[0], middle) + page.body[end:]
        )
        self._head(200, {"Content-Type": f"text/html; charset={label}", "Content-Length": str(len(body))})
        self.wfile.write(body)

    def _fault_loop(self, page: Page, path: str) -> None:
        hop = int(parse_qs(urlsplit(self.path).query).get("hop", ["0"])[0])
        self._head(302, {"Location": f"{path}?hop={hop + 1}", "Content-Length": "0"})

    def _fault_offsite(self, page: Page, path: str) -> None:
        port = self.server.server_address[1]
        self._head(302, {"Location": f"http://localhost:{port}{path}", "Content-Length": "0"})

    def _fault_stall(self, page: Page, path: str) -> None:
        time.sleep(self.behaviour.stall)
        self._send(page)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug(format, *args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hung up (a size limit, a timeout, a reset) is no error of the replica's."""
        if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def serve(
    site: Site, port: int = 0, behaviour: Behaviour | None = None
) -> tuple[list[ThreadingHTTPServer], int]:
    """Start one server per host on the same port (0: any free one); return them and the port."""
    behaviour = behaviour or Behaviour()
    servers: list[ThreadingHTTPServer] = []
    for address, key in ((MAIN_ADDRESS, MAIN), (MIRROR_ADDRESS, MIRROR)):
        attributes = {"site": site, "pages": site.pages, "host_key": key, "behaviour": behaviour}
        handler = type(f"Handler_{key}", (_Handler,), attributes)
        server = _Server((address, port), handler)
        port = server.server_address[1]
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers, port
