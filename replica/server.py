"""Serve a built replica over real HTTP on 127.0.0.1 (the paper) and 127.0.0.2 (the mirror).

Like a real CMS it gives every page an ETag and a Last-Modified and answers a conditional
request for an unchanged page with 304. It can be told to misbehave (`faults`): answer a path
with 429 or 503 (and a Retry-After), 500, or reset the connection, N times before serving it,
and to answer slowly (`latency`). `GET /__replica/log` on 127.0.0.1 returns every request
seen so far (time, host, path, status), so tests can check how a harvester behaved.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import socket
import struct
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from email.utils import formatdate, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit

from replica import templates
from replica.site import MAIN, MIRROR, Page, Site

logger = logging.getLogger(__name__)

MAIN_ADDRESS, MIRROR_ADDRESS = "127.0.0.1", "127.0.0.2"
LOG_PATH = "/__replica/log"
FAULT_KINDS = ("429", "503", "500", "reset")


@dataclass(frozen=True)
class Fault:
    kind: str  # one of FAULT_KINDS
    pattern: str  # fnmatch pattern on the path, e.g. /news/*/index.html
    times: int  # how many requests of each matching URL get the fault before it is served


def parse_faults(spec: str) -> list[Fault]:
    """`KIND:GLOB[:TIMES],…` (e.g. `429:/news/xczx/index.html:2,reset:/news/*/t*_5003.html`)."""
    faults = []
    for part in filter(None, (p.strip() for p in spec.split(","))):
        kind, _, rest = part.partition(":")
        pattern, _, times = rest.partition(":")
        if kind not in FAULT_KINDS or not pattern:
            raise ValueError(f"bad fault {part!r}: want KIND:GLOB[:TIMES], KIND one of {FAULT_KINDS}")
        faults.append(Fault(kind, pattern, int(times or 1)))
    return faults


@dataclass
class Behaviour:
    """What the server does beyond serving pages; shared by both hosts' handlers."""

    faults: list[Fault] = field(default_factory=list)
    retry_after: str = "1"  # the Retry-After value sent with 429 and 503
    latency: float = 0.0  # seconds to wait before answering
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

    def record(self, handler: BaseHTTPRequestHandler, host: str, path: str, status: int) -> None:
        headers = handler.headers
        entry = {
            "t": time.time(),
            "host": host,
            "path": path,
            "status": status,
            "conditional": bool(headers.get("If-None-Match") or headers.get("If-Modified-Since")),
            "user_agent": headers.get("User-Agent", ""),
        }
        with self.lock:
            self.log.append(entry)


def etag_of(body: bytes) -> str:
    return '"' + hashlib.sha1(body).hexdigest()[:20] + '"'


class _Handler(BaseHTTPRequestHandler):
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
        if fault is not None:
            status = 0 if fault.kind == "reset" else int(fault.kind)
            self.behaviour.record(self, self.host_key, path, status)
            return self._fail(fault)
        page = self.pages.get((self.host_key, path))
        if page is None:
            page = Page(404, templates.not_found().encode("utf-8"), "text/html; charset=utf-8")
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

    def log_message(self, format: str, *args: object) -> None:
        logger.debug(format, *args)


def serve(
    site: Site, port: int = 0, behaviour: Behaviour | None = None
) -> tuple[list[ThreadingHTTPServer], int]:
    """Start one server per host on the same port (0: any free one); return them and the port."""
    behaviour = behaviour or Behaviour()
    servers: list[ThreadingHTTPServer] = []
    for address, key in ((MAIN_ADDRESS, MAIN), (MIRROR_ADDRESS, MIRROR)):
        attributes = {"pages": site.pages, "host_key": key, "behaviour": behaviour}
        handler = type(f"Handler_{key}", (_Handler,), attributes)
        server = ThreadingHTTPServer((address, port), handler)
        server.daemon_threads = True
        port = server.server_address[1]
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers, port
