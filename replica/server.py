"""Serve a built replica over real HTTP on 127.0.0.1 (the paper) and 127.0.0.2 (the mirror)."""

from __future__ import annotations

import logging
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import urlsplit

from replica import templates
from replica.site import MAIN, MIRROR, Page, Site

logger = logging.getLogger(__name__)

MAIN_ADDRESS, MIRROR_ADDRESS = "127.0.0.1", "127.0.0.2"


class _Handler(BaseHTTPRequestHandler):
    pages: ClassVar[dict[tuple[str, str], Page]] = {}
    host_key: ClassVar[str] = MAIN
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out at once, no 40 ms delayed-ACK stall

    def do_GET(self) -> None:
        page = self.pages.get((self.host_key, urlsplit(self.path).path))
        if page is None:
            page = Page(404, templates.not_found().encode("utf-8"), "text/html; charset=utf-8")
        self.send_response(page.status)
        self.send_header("Content-Type", page.content_type)
        self.send_header("Content-Length", str(len(page.body)))
        self.end_headers()
        self.wfile.write(page.body)

    def log_message(self, format: str, *args: object) -> None:
        logger.debug(format, *args)


def serve(site: Site, port: int = 0) -> tuple[list[ThreadingHTTPServer], int]:
    """Start one server per host on the same port (0: any free one); return them and the port."""
    servers: list[ThreadingHTTPServer] = []
    for address, key in ((MAIN_ADDRESS, MAIN), (MIRROR_ADDRESS, MIRROR)):
        handler = type(f"Handler_{key}", (_Handler,), {"pages": site.pages, "host_key": key})
        server = ThreadingHTTPServer((address, port), handler)
        server.daemon_threads = True
        port = server.server_address[1]
        servers.append(server)
        threading.Thread(target=server.serve_forever, daemon=True).start()
    return servers, port
