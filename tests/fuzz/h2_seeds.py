#!/usr/bin/env python3
"""Writes seed inputs for kube_h2_fuzz and grpc_h2_fuzz: what an HTTP/2 server
sends after the connection preface, byte for byte, for the responses the two
clients meet (API server JSON from tests/testdata/kube, gzip bodies, errors
with Retry-After and Warning; gRPC messages, trailers, Trailers-Only, resets,
GOAWAY).

Usage: h2_seeds.py kube|grpc OUTDIR
"""
import gzip
import os
import struct
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata")


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def hpack_int(value, prefix_bits, first=0):
    limit = (1 << prefix_bits) - 1
    if value < limit:
        return bytes([first | value])
    out = bytearray([first | limit])
    value -= limit
    while value >= 128:
        out.append(value % 128 + 128)
        value //= 128
    out.append(value)
    return bytes(out)


def hpack(headers):
    """Literal header fields without indexing, new names, no Huffman coding."""
    out = b""
    for name, value in headers:
        name, value = name.encode(), value.encode()
        out += b"\x00" + hpack_int(len(name), 7) + name + hpack_int(len(value), 7) + value
    return out


SETTINGS = frame(4, 0, 0, struct.pack(">HI", 3, 100) + struct.pack(">HI", 4, 65535)) + frame(4, 1, 0)
HEADERS, DATA, RST, GOAWAY, PING, WINDOW = 1, 0, 3, 7, 6, 8
END_STREAM, END_HEADERS = 1, 4


def response(stream, status, headers, body, end=True):
    out = frame(HEADERS, END_HEADERS | (0 if body or not end else END_STREAM), stream,
                hpack([(":status", str(status))] + headers))
    if body:
        out += frame(DATA, END_STREAM if end else 0, stream, body)
    return out


def kube_seeds():
    seeds = {}
    bodies = []
    kube = os.path.join(ROOT, "kube")
    for name in sorted(os.listdir(kube)):
        if name.endswith(".json"):
            with open(os.path.join(kube, name), "rb") as f:
                bodies.append((name, f.read()))
    json_ct = [("content-type", "application/json")]
    for name, body in bodies:
        status = int(name.split("-")[1]) if name.startswith("status-") else 200
        seeds["kube-" + name] = SETTINGS + b"".join(response(s, status, json_ct, body) for s in (1, 3, 5))
        seeds["kube-gzip-" + name] = SETTINGS + b"".join(
            response(s, status, json_ct + [("content-encoding", "gzip")], gzip.compress(body)) for s in (1, 3, 5))
    small = bodies[0][1][:200] if bodies else b"{}"
    seeds["kube-retry-after"] = SETTINGS + response(1, 429, json_ct + [("retry-after", "1")], small) + response(
        3, 503, json_ct + [("retry-after", "99999999999999999999")], small) + response(5, 201, json_ct, small)
    seeds["kube-warning"] = SETTINGS + b"".join(
        response(s, 200, json_ct + [("warning", '299 - "deprecated: use v1"'), ("warning", "bad")], small)
        for s in (1, 3, 5))
    seeds["kube-reset"] = SETTINGS + frame(RST, 0, 1, struct.pack(">I", 7)) + response(3, 200, json_ct, small) + frame(
        GOAWAY, 0, 0, struct.pack(">II", 3, 0))
    seeds["kube-truncated-gzip"] = SETTINGS + response(
        1, 200, json_ct + [("content-encoding", "gzip")], gzip.compress(small)[:20])
    seeds["kube-ping-window"] = SETTINGS + frame(PING, 0, 0, b"12345678") + frame(
        WINDOW, 0, 0, struct.pack(">I", 1000)) + response(1, 200, [("content-type", "text/html")], b"<html>")
    return seeds


def grpc_message(payload, compressed=0):
    return bytes([compressed]) + struct.pack(">I", len(payload)) + payload


def grpc_seeds():
    seeds = {}
    shape = b"\x0a\x06circle\x10\x02"  # shapes.v1.Shape{name: "circle", kind: 2}
    head = [("content-type", "application/grpc")]

    def call(stream, messages, trailers):
        out = frame(HEADERS, END_HEADERS, stream, hpack([(":status", "200")] + head))
        for m in messages:
            out += frame(DATA, 0, stream, grpc_message(m))
        return out + frame(HEADERS, END_HEADERS | END_STREAM, stream, hpack(trailers))

    ok = [("grpc-status", "0")]
    seeds["grpc-ok"] = SETTINGS + call(1, [shape], ok) + call(3, [b"\x08\x02"], ok)
    seeds["grpc-stream"] = SETTINGS + call(1, [shape] * 5, ok) + call(3, [], ok)
    seeds["grpc-error"] = SETTINGS + call(1, [], [("grpc-status", "13"), ("grpc-message", "bad%20thing%E2%9C%93")]) + call(
        3, [], [("grpc-status", "3"), ("grpc-status-details-bin", "CAMSBGJhZA")])
    seeds["grpc-trailers-only"] = SETTINGS + frame(HEADERS, END_HEADERS | END_STREAM, 1, hpack(
        [(":status", "200")] + head + [("grpc-status", "14"), ("grpc-message", "unavailable")])) + frame(
        HEADERS, END_HEADERS | END_STREAM, 3, hpack([(":status", "404"), ("content-type", "text/plain")]))
    seeds["grpc-split"] = SETTINGS + frame(HEADERS, END_HEADERS, 1, hpack([(":status", "200")] + head)) + frame(
        DATA, 0, 1, grpc_message(shape)[:3]) + frame(DATA, 0, 1, grpc_message(shape)[3:]) + frame(
        HEADERS, END_HEADERS | END_STREAM, 1, hpack(ok))
    seeds["grpc-compressed"] = SETTINGS + frame(HEADERS, END_HEADERS, 1, hpack(
        [(":status", "200")] + head + [("grpc-encoding", "gzip")])) + frame(
        DATA, 0, 1, grpc_message(gzip.compress(shape), 1)) + frame(HEADERS, END_HEADERS | END_STREAM, 1, hpack(ok))
    seeds["grpc-reset-goaway"] = SETTINGS + frame(RST, 0, 1, struct.pack(">I", 8)) + frame(
        GOAWAY, 0, 0, struct.pack(">II", 1, 11) + b"too many pings")
    seeds["grpc-oversized"] = SETTINGS + frame(HEADERS, END_HEADERS, 1, hpack([(":status", "200")] + head)) + frame(
        DATA, 0, 1, b"\x00\x7f\xff\xff\xff")
    return seeds


def main():
    kind, out = sys.argv[1], sys.argv[2]
    os.makedirs(out, exist_ok=True)
    for name, data in (kube_seeds() if kind == "kube" else grpc_seeds()).items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
