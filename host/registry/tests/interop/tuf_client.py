"""Downloads targets from a juzhu registry with python-tuf's ngclient.

Usage: tuf_client.py <registry dir> <trusted root.json> <target> [<target>...]

Serves the registry directory over HTTP on a random loopback port (any
static file server would do), refreshes the metadata the TUF way, and
downloads each target. Prints one JSON line per target: its name, length,
sha256 and custom fields, as ngclient verified them. Exits non-zero on any
verification failure.
"""

import functools
import hashlib
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading

from tuf.ngclient import Updater


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def main() -> int:
    registry, trusted_root, targets = sys.argv[1], sys.argv[2], sys.argv[3:]
    handler = functools.partial(QuietHandler, directory=registry)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    work = tempfile.mkdtemp()
    try:
        metadata_dir = os.path.join(work, "metadata")
        download_dir = os.path.join(work, "downloads")
        os.makedirs(metadata_dir)
        os.makedirs(download_dir)
        with open(trusted_root, "rb") as f:
            bootstrap = f.read()
        updater = Updater(
            metadata_dir=metadata_dir,
            metadata_base_url=f"{base}/metadata/",
            target_base_url=f"{base}/targets/",
            target_dir=download_dir,
            bootstrap=bootstrap,
        )
        updater.refresh()
        for name in targets:
            info = updater.get_targetinfo(name)
            if info is None:
                print(f"error: {name} is not a target of the registry", file=sys.stderr)
                return 1
            path = updater.download_target(info, os.path.join(download_dir, name.replace("/", "_")))
            with open(path, "rb") as f:
                data = f.read()
            print(json.dumps({
                "target": name,
                "length": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
                "custom": info.custom,
            }, sort_keys=True))
        return 0
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
