"""cdk-blue-green-ec2 demo app (Python 3 standard library only).

Answers HEALTH_PATH with 200 and / with the version, colour and hostname: JSON, or a small page
for a browser. Environment: APP_PORT (or PORT), HEALTH_PATH, APP_VERSION, APP_COLOUR, and
BIND_ADDRESS (default 0.0.0.0, all interfaces, for the load balancer).
"""

import html
import json
import os
import socket
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("APP_PORT") or os.environ.get("PORT") or "8080")
HEALTH_PATH = os.environ.get("HEALTH_PATH") or "/health"
INFO = {
    "version": os.environ.get("APP_VERSION", "unknown"),
    "colour": os.environ.get("APP_COLOUR", "unknown"),
    "hostname": socket.gethostname(),
}
PAGE = (
    "<!doctype html><title>{version}</title>"
    '<body style="font-family:sans-serif;background:{background}">'
    "<h1>Version {version}</h1><p>{colour} fleet, instance {hostname}</p></body>\n"
)


class Handler(BaseHTTPRequestHandler):
    server_version = "bluegreen-demo"

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        if path == HEALTH_PATH:
            self.reply(200, "text/plain", "ok\n")
        elif path != "/":
            self.reply(404, "text/plain", "not found\n")
        elif "text/html" in self.headers.get("Accept", ""):
            shown = {key: html.escape(value) for key, value in INFO.items()}
            background = "#cfe3ff" if INFO["colour"] == "blue" else "#d4f5d4"
            self.reply(200, "text/html", PAGE.format(background=background, **shown))
        else:
            self.reply(200, "application/json", json.dumps(INFO) + "\n")

    def reply(self, status, content_type, body):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type + "; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format, *args):
        # Health checks arrive every few seconds from each load balancer node: keep them out of the journal.
        if not self.path.startswith(HEALTH_PATH):
            super().log_message(format, *args)


if __name__ == "__main__":
    server = ThreadingHTTPServer((os.environ.get("BIND_ADDRESS") or "0.0.0.0", PORT), Handler)
    print(f"demo app {INFO['version']} ({INFO['colour']}) on port {PORT}, health {HEALTH_PATH}", flush=True)
    server.serve_forever()
