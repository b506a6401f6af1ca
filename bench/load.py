"""How many requests per second a server sustains: keep-alive GETs from N connections."""

from __future__ import annotations

import asyncio
import time
from urllib.parse import urlsplit


async def _worker(host: str, port: int, paths: list[str], offset: int, deadline: float) -> int:
    reader, writer = await asyncio.open_connection(host, port)
    done = 0
    try:
        while time.monotonic() < deadline:
            path = paths[(offset + done) % len(paths)]
            writer.write(f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode("ascii"))
            head = await reader.readuntil(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            await reader.readexactly(length)
            done += 1
    finally:
        writer.close()
    return done


async def _run(urls: list[str], connections: int, seconds: float) -> float:
    parts = urlsplit(urls[0])
    paths = [urlsplit(u).path for u in urls]
    deadline = time.monotonic() + seconds
    started = time.monotonic()
    counts = await asyncio.gather(
        *(
            _worker(parts.hostname or "", parts.port or 80, paths, i * 97, deadline)
            for i in range(connections)
        )
    )
    return sum(counts) / (time.monotonic() - started)


def requests_per_second(urls: list[str], connections: int = 16, seconds: float = 3.0) -> float:
    """Requests per second served for `urls` (all on one host) over `seconds`."""
    return asyncio.run(_run(urls, connections, seconds))
