#!/usr/bin/env python3
"""A fake Kubernetes API server on loopback that fails on purpose, for the
client's retry tests. Prints "listening on PORT" once ready.

  GET  /api                          429 Retry-After: 1, then 200
  GET  /apis                         503 without Retry-After, then 200
  GET  /api/v1                       200 (configmaps)
  GET  .../configmaps/reset          connection closed without a response (twice), then 200
  GET  .../configmaps/always-500     500 every time (not retried: no Retry-After)
  GET  .../configmaps/slow           answers after 3 seconds
  POST anything                      503 every time (not idempotent: never retried)
  PATCH .../configmaps/warned        200 with two Warning headers (one repeated)
"""
import http.server
import json
import socket
import sys
import time

seen = {}


def first_time(key, times=1):
    seen[key] = seen.get(key, 0) + 1
    return seen[key] <= times


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def send_json(self, code, body, headers=()):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def status(self, code, reason, message):
        return {"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "message": message,
                "code": code}

    def cm(self, name):
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": "default"}}

    def do_GET(self):
        path = self.path.split("?")[0]
        if path == "/api":
            if first_time(path):
                return self.send_json(429, self.status(429, "TooManyRequests", "slow down"), [("Retry-After", "1")])
            return self.send_json(200, {"kind": "APIVersions", "versions": ["v1"]})
        if path == "/apis":
            if first_time(path):
                return self.send_json(503, self.status(503, "ServiceUnavailable", "warming up"))
            return self.send_json(200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": []})
        if path == "/api/v1":
            return self.send_json(200, {"kind": "APIResourceList", "groupVersion": "v1", "resources": [
                {"name": "configmaps", "kind": "ConfigMap", "namespaced": True, "verbs": ["get", "list", "patch"]}]})
        name = path.rsplit("/", 1)[-1]
        # Twice: libcurl itself retries once when a reused connection dies.
        if name == "reset" and first_time(path, 2):
            self.connection.shutdown(socket.SHUT_RDWR)
            self.connection.close()
            return
        if name == "slow":
            time.sleep(3)
        if name == "huge-retry-after" and first_time(path):
            return self.send_json(429, self.status(429, "TooManyRequests", "slow down"),
                                  [("Retry-After", "99999999999999999999")])
        if name == "always-500":
            return self.send_json(500, self.status(500, "InternalError", "boom"))
        if name == "warned":
            return self.send_json(404, self.status(404, "NotFound", 'configmaps "warned" not found'))
        return self.send_json(200, self.cm(name))

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.send_json(503, self.status(503, "ServiceUnavailable", "try later"))

    def do_PATCH(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        name = self.path.split("?")[0].rsplit("/", 1)[-1]
        headers = [("Warning", '299 - "the first warning"'), ("Warning", '299 - "the second warning"')]
        self.send_json(201, self.cm(name), headers)


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on {server.server_address[1]}", flush=True)
server.serve_forever()
