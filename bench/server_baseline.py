"""Baseline for bench/server_bench.sh: what a user would otherwise put up, a Python
ThreadingHTTPServer answering GET /api/v1/customers/{id} from a pandas DataFrame of
profiles.csv (indexed by customer_id) as JSON, with the same bearer-token check.
Usage: server_baseline.py PROFILES_CSV PORT_FILE TOKEN"""
import hashlib
import json
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pandas as pd

profiles = pd.read_csv(sys.argv[1], dtype={"customer_id": str}).set_index("customer_id")
digest = hashlib.sha256(sys.argv[3].encode()).hexdigest()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def answer(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        auth = self.headers.get("Authorization", "")
        if not auth.startswith("Bearer ") or hashlib.sha256(auth[7:].encode()).hexdigest() != digest:
            return self.answer(401, {"error": {"code": "unauthorized", "message": ""}})
        prefix = "/api/v1/customers/"
        cid = urllib.parse.unquote(self.path[len(prefix):]) if self.path.startswith(prefix) else None
        if cid is None or cid not in profiles.index:
            return self.answer(404, {"error": {"code": "not_found", "message": ""}})
        row = profiles.loc[cid]
        self.answer(200, {"customer_id": cid, **{k: (None if pd.isna(v) else v.item() if hasattr(v, "item") else v)
                                               for k, v in row.items()}})


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(sys.argv[2], "w") as f:
    f.write(str(server.server_address[1]))
server.serve_forever()
