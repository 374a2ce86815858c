"""gzip for every answer a browser accepts it for, with a page's fixed opening compressed once per process.

Every page starts with the same 9 KB for a given language (doctype, meta tags and the inline stylesheet, up to its
</style>). Compressing that again on every request cost a parent's home page about 0.3 ms of CPU, more than the rest
of the page. Instead, the opening is compressed once, into deflate blocks that end on a byte boundary (a sync
flush); each page appends its own deflate blocks for what follows, then gzip's trailer (the CRC-32 continued from
the opening's, and the length). The answer is one ordinary gzip stream, which every browser reads.
"""

from __future__ import annotations

import struct
import zlib

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.web import is_static

LEVEL = 6
# An 8 KB window instead of zlib's 32 KB: a page's repeats (rows, links, classes) lie close together, so the pages
# come out the same size, while setting up the larger window (about 200 KB allocated and cleared on every call)
# cost more than compressing a parent's page itself (0.09 against 0.04 ms). Any gzip reader takes either.
WINDOW_BITS = 13
# zlib's memLevel: the size of its match-finding tables, allocated and cleared on every call. Its default (8) sets up
# 128 KB, which for a page's few KB cost more than compressing them (43 against 19 µs for a 2.4 KB page, the same
# bytes out); below 4 the matches found get worse.
MEM_LEVEL = 5
GZIP = 16 + WINDOW_BITS  # zlib's wbits for a gzip header and trailer
DEFLATE = -WINDOW_BITS  # zlib's wbits for bare deflate blocks
GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no time, unknown OS
MINIMUM_SIZE = 500  # below this, gzip's header and trailer cost more than they save
# Text compresses; photos, spreadsheets (zip inside) and icons are compressed already.
COMPRESSIBLE = (b"text/", b"application/javascript", b"application/json", b"application/manifest+json",
                b"image/svg+xml")
OPENING_END = b"</style>"
OPENING_SEARCH = 16 * 1024  # the stylesheet sits in the <head>, near the top
# One opening per language, and the offline page's; more would mean that the opening is not fixed after all.
MAX_OPENINGS = 4
MAX_FILES = 64  # the static files kept compressed (about twenty today)


def deflate(data: bytes, wbits: int) -> bytes:
    compressor = zlib.compressobj(LEVEL, zlib.DEFLATED, wbits, MEM_LEVEL)
    return compressor.compress(data) + compressor.flush()


class Opening:
    """The fixed start of pages, compressed once."""

    def __init__(self, opening: bytes):
        self.length = len(opening)
        self.crc = zlib.crc32(opening)
        compressor = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS)  # once: the smallest is worth it
        self.compressed = GZIP_HEADER + compressor.compress(opening) + compressor.flush(zlib.Z_SYNC_FLUSH)

    def compress(self, page: bytes) -> bytes:
        """The whole page gzipped (the page must start with this opening)."""
        rest = page[self.length:]
        trailer = struct.pack("<II", zlib.crc32(rest, self.crc), len(page) & 0xFFFFFFFF)
        return self.compressed + deflate(rest, DEFLATE) + trailer


def gzip_headers(headers, length: int) -> list[tuple[bytes, bytes]]:
    """An answer's headers once its body is gzipped (read and written as raw ASGI pairs: Litestar's header classes
    decode every header on each look-up)."""
    kept, vary = [], []
    for name, value in headers:
        lowered = name.lower()
        if lowered == b"vary":
            vary.append(value)
        elif lowered != b"content-length":
            kept.append((name, value))
    vary.append(b"Accept-Encoding")
    return [*kept, (b"content-encoding", b"gzip"), (b"content-length", str(length).encode()),
            (b"vary", b", ".join(vary))]


class Compression(ASGIMiddleware):
    """Replaces Litestar's CompressionMiddleware (which has no way to reuse a compressed opening)."""

    scopes = (ScopeType.HTTP,)

    def __init__(self) -> None:
        self.openings: dict[bytes, Opening] = {}
        self.files: dict[str, tuple[int, bytes]] = {}  # static files, compressed: path -> (size, gzip)

    def compress(self, body: bytes, html: bool, scope: Scope, status: int) -> bytes:
        if status == 200 and is_static(scope):
            # A static file does not change while the process runs (a deploy starts a new one): compressed once,
            # as small as zlib makes it. The size is checked all the same.
            found = self.files.get(scope["path"])
            if found is None or found[0] != len(body):
                if len(self.files) >= MAX_FILES:  # only a probe asking for files that do not exist gets here
                    self.files.clear()
                found = self.files[scope["path"]] = (len(body), zlib.compress(body, 9, 16 + zlib.MAX_WBITS))
            return found[1]
        end = body.find(OPENING_END, 0, OPENING_SEARCH) if html else -1
        if end >= 0:
            opening = body[:end + len(OPENING_END)]
            found = self.openings.get(opening)
            if found is None and len(self.openings) < MAX_OPENINGS:
                found = self.openings[opening] = Opening(opening)
            if found is not None:
                return found.compress(body)
        return deflate(body, GZIP)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        accepted = next((value for name, value in scope["headers"] if name == b"accept-encoding"), b"")
        if b"gzip" not in accepted:
            await next_app(scope, receive, send)
            return
        start: Message | None = None

        async def send_compressed(message: Message) -> None:
            nonlocal start
            if message["type"] == "http.response.start":
                start = message  # held until the body shows whether to compress
                return
            if start is not None and message["type"] == "http.response.body":
                headers = {name.lower(): value for name, value in start["headers"]}
                kind = headers.get(b"content-type", b"")
                body = message.get("body", b"")
                # Whole answers only: one sent in parts (a file over Litestar's 1 MB chunk) goes as it is.
                if (not message.get("more_body", False) and len(body) >= MINIMUM_SIZE
                        and kind.startswith(COMPRESSIBLE) and b"content-encoding" not in headers):
                    body = self.compress(body, kind.startswith(b"text/html"), scope, start["status"])
                    start = {**start, "headers": gzip_headers(start["headers"], len(body))}
                    message = {**message, "body": body}
                await send(start)
                start = None
            await send(message)

        await next_app(scope, receive, send_compressed)
