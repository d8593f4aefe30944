"""Serve the browser app from its own origin: `python examples/browser/serve.py [--port 8000]`.

The page's files come from this folder; `vendor/aws4fetch.js` from the npm package that `make node-deps`
installs into node_modules/ (pinned by package-lock.json), so the library is vendored at serve time and never
committed. Open the printed address; pass the stack in the form or in the URL fragment, e.g.
`http://127.0.0.1:8000/#url=<invoke url>&region=us-east-1&bucket=my-bucket&accessKeyId=...&secretAccessKey=...`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

APP = Path(__file__).resolve().parent
ROOT = APP.parents[1]
VENDORED = {"/vendor/aws4fetch.js": ROOT / "node_modules" / "aws4fetch" / "dist" / "aws4fetch.esm.mjs"}


class AppHandler(SimpleHTTPRequestHandler):
    def guess_type(self, path: str | os.PathLike[str]) -> str:
        if str(path).endswith((".js", ".mjs")):
            return "text/javascript"  # a module script is refused under any other type
        return super().guess_type(path)

    def translate_path(self, path: str) -> str:
        vendored = VENDORED.get(path.split("?", 1)[0])
        return str(vendored) if vendored else super().translate_path(path)

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")
        super().end_headers()

    def log_message(self, format: str, *args: object) -> None:  # quiet unless asked: tests serve many files
        if getattr(self.server, "verbose", False):
            super().log_message(format, *args)


def make_server(host: str = "127.0.0.1", port: int = 0, verbose: bool = False) -> ThreadingHTTPServer:
    """The app's server, bound (port 0: a free port); call `serve_forever()` on it."""
    missing = [str(path) for path in VENDORED.values() if not path.is_file()]
    if missing:
        raise FileNotFoundError(f"{', '.join(missing)} is missing: run `make node-deps` (npm ci) first")
    server = ThreadingHTTPServer((host, port), partial(AppHandler, directory=str(APP)))
    server.verbose = verbose  # type: ignore[attr-defined]  # read by AppHandler.log_message
    return server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    options = parser.parse_args(argv)
    try:
        server = make_server(options.host, options.port, verbose=True)
    except FileNotFoundError as error:
        print(f"serve: {error}", file=sys.stderr)
        return 1
    print(f"Serving the browser app on http://{options.host}:{server.server_address[1]}/ (Ctrl-C stops)", flush=True)
    with contextlib.suppress(KeyboardInterrupt):
        server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
