"""`evidencekb site serve`: a static file server for the built site (serves .wasm as application/wasm)."""

from __future__ import annotations

import functools
import http.server
import sys
from pathlib import Path
from typing import Any

from evidencekb.errors import InputError
from evidencekb.site.build import build_site


class _Handler(http.server.SimpleHTTPRequestHandler):
    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map, ".wasm": "application/wasm",
                      ".jsonld": "application/ld+json", ".ttl": "text/turtle", ".mjs": "text/javascript"}

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 – signature of the base class
        pass


def make_server(directory: Path, port: int = 8000, host: str = "127.0.0.1") -> http.server.ThreadingHTTPServer:
    """A static file server for the built site (serves .wasm as application/wasm)."""
    handler = functools.partial(_Handler, directory=str(directory))
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve_site(port: int = 8000) -> int:
    """Build the site into build/site, then serve it on http://127.0.0.1:PORT until Ctrl-C."""
    folder = build_site()
    try:
        server = make_server(folder, port)
    except OSError as error:
        raise InputError(f"--port {port}: cannot listen on 127.0.0.1 ({error.strerror}); choose another port") from None
    print(f"Serving {folder} on http://127.0.0.1:{server.server_address[1]}/ (Ctrl-C stops)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
