#!/usr/bin/env python3
"""A server that answers every request with the same hostile response, for
the hostile-input table (tests/e2e/hostile_input_table_test.cpp).

  hostile_server.py MODE [--tls-cert FILE --tls-key FILE]

MODE names the protocol and the fault: http1-* answers HTTP/1.1 requests
(what a Kubernetes API server behind libcurl, or a gRPC-Web server, sends),
h2-* answers HTTP/2 streams (an API server over TLS with ALPN h2), grpc-*
answers gRPC calls over HTTP/2 (h2c, or TLS with ALPN h2). Prints
"listening on 127.0.0.1:PORT" and serves until killed. --list prints the
modes.
"""
import argparse
import base64
import socket
import ssl
import struct
import sys
import threading
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
SLOW = object()  # marker: send the next bytes one at a time, 0.5 s apart
CLOSE = object()  # marker: close the connection here


# ---------------------------------------------------------------- HTTP/1.1

def http1(status, headers, body, length=None):
    head = "HTTP/1.1 %s\r\n" % status
    for k, v in headers:
        head += "%s: %s\r\n" % (k, v)
    head += "Content-Length: %d\r\n\r\n" % (len(body) if length is None else length)
    return [head.encode() + body]


JSON = [("Content-Type", "application/json")]
STATUS_JSON = b'{"kind":"Status","apiVersion":"v1","status":"Failure","message":"x","code":500}'


def web_frame(flag, payload):
    return bytes([flag]) + struct.pack(">I", len(payload)) + payload


WEB = [("Content-Type", "application/grpc-web+proto")]
WEB_TEXT = [("Content-Type", "application/grpc-web-text+proto")]
SHAPE = b"\x0a\x06circle"

HTTP1 = {
    "http1-oversized-headers": lambda: http1("200 OK", JSON + [("X-Filler-%d" % i, "a" * 8000) for i in range(200)],
                                             b"{}"),
    "http1-truncated-body": lambda: http1("200 OK", JSON, b'{"kind":"APIVersions","versions":["v', length=5000),
    "http1-invalid-json": lambda: http1("200 OK", JSON, b'{"kind":"APIVersions","versions":["v1"]]}'),
    "http1-wrong-content-type": lambda: http1("200 OK", [("Content-Type", "text/html")], b"<html><body>login</body></html>"),
    "http1-slow-bytes": lambda: [b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
                                 SLOW, b'{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}' * 2],
    "http1-empty-reply": lambda: [],
    "http1-not-http": lambda: [b"SSH-2.0-OpenSSH_9.2\r\n"],
    "http1-html-500": lambda: http1("500 Internal Server Error", [("Content-Type", "text/html")], b"<h1>oops</h1>"),
    "http1-unauthorized-text": lambda: http1("401 Unauthorized", [("Content-Type", "text/plain")], b"go away"),
    "http1-deep-json": lambda: http1("200 OK", JSON, b"[" * 200000),
    "http1-status-garbage": lambda: [b"HTTP/1.1 abc What\r\nContent-Length: 0\r\n\r\n"],
    # gRPC-Web
    "http1-web-bad-padding": lambda: http1("200 OK", WEB_TEXT, base64.b64encode(web_frame(0, SHAPE)) + b"=="),
    "http1-web-truncated-frame": lambda: http1("200 OK", WEB, web_frame(0, SHAPE)[:4]),
    "http1-web-no-trailers": lambda: http1("200 OK", WEB, web_frame(0, SHAPE)),
    "http1-web-bare-lf-trailers": lambda: http1("200 OK", WEB, web_frame(
        0x80, b"grpc-status: 9\ngrpc-message: precondition%20failed\n")),
    "http1-web-wrong-content-type": lambda: http1("200 OK", [("Content-Type", "text/html")], b"<html></html>"),
    "http1-web-huge-frame": lambda: http1("200 OK", WEB, b"\x00\xff\xff\xff\xf0" + SHAPE),
}


# ---------------------------------------------------------------- HTTP/2

def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def hpack(headers):
    out = b""
    for name, value in headers:
        name, value = name.encode(), value.encode()
        out += b"\x00" + hpack_len(len(name)) + name + hpack_len(len(value)) + value
    return out


def hpack_len(n):
    if n < 127:
        return bytes([n])
    out = bytearray([127])
    n -= 127
    while n >= 128:
        out.append(n % 128 + 128)
        n //= 128
    out.append(n)
    return bytes(out)


JSON2 = [("content-type", "application/json")]
H, D, RST, GOAWAY = 1, 0, 3, 7
ES, EH = 1, 4


def head(s, status, headers, end=False):
    return frame(H, EH | (ES if end else 0), s, hpack([(":status", str(status))] + headers))


def grpc_msg(payload, flag=0):
    return bytes([flag]) + struct.pack(">I", len(payload)) + payload


G = [("content-type", "application/grpc")]
OK = [("grpc-status", "0")]

H2 = {
    "h2-truncated-body": lambda s: [head(s, 200, JSON2), frame(D, 0, s, b'{"kind":"APIVersions","ver'), CLOSE],
    "h2-invalid-json": lambda s: [head(s, 200, JSON2), frame(D, ES, s, b'{"kind":"APIVersions",,}')],
    "h2-wrong-content-type": lambda s: [head(s, 200, [("content-type", "text/html")]), frame(D, ES, s, b"<html>")],
    "h2-slow-bytes": lambda s: [head(s, 200, JSON2), SLOW] + [frame(D, 0, s, b" ")] * 100,
    "h2-reset": lambda s: [frame(RST, 0, s, struct.pack(">I", 2))],
    "h2-goaway": lambda s: [frame(GOAWAY, 0, 0, struct.pack(">II", 0, 1) + b"go away")],
    "h2-garbage-frames": lambda s: [b"\x00\x00\x04\xee\xff\x00\x00\x00\x00junk" + b"\xff" * 64],
    "h2-bad-gzip": lambda s: [head(s, 200, JSON2 + [("content-encoding", "gzip")]),
                              frame(D, ES, s, b"\x1f\x8b\x08\x00 not gzip at all")],
    "h2-oversized-frame": lambda s: [b"\x01\x00\x00\x00\x00\x00\x00\x00" + bytes([s])],
    "h2-status-500-html": lambda s: [head(s, 500, [("content-type", "text/html")]), frame(D, ES, s, b"<h1>x</h1>")],
    # gRPC
    "grpc-bad-length": lambda s: [head(s, 200, G), frame(D, 0, s, b"\x00\x00\x00\x03\xe8" + SHAPE),
                                  frame(H, EH | ES, s, hpack(OK))],
    "grpc-huge-message": lambda s: [head(s, 200, G), frame(D, 0, s, b"\x00\xff\xff\xff\xff" + SHAPE),
                                    frame(H, EH | ES, s, hpack(OK))],
    "grpc-compressed-unannounced": lambda s: [head(s, 200, G), frame(D, 0, s, grpc_msg(SHAPE, 1)),
                                              frame(H, EH | ES, s, hpack(OK))],
    "grpc-bad-flag": lambda s: [head(s, 200, G), frame(D, 0, s, grpc_msg(SHAPE, 0x42)),
                                frame(H, EH | ES, s, hpack(OK))],
    "grpc-status-garbage": lambda s: [head(s, 200, G), frame(D, 0, s, grpc_msg(SHAPE)),
                                      frame(H, EH | ES, s, hpack([("grpc-status", "abc")]))],
    "grpc-no-status": lambda s: [head(s, 200, G), frame(D, 0, s, grpc_msg(SHAPE)),
                                 frame(H, EH | ES, s, hpack([("x-trailer", "1")]))],
    "grpc-http-500": lambda s: [head(s, 500, [("content-type", "text/plain")], end=True)],
    "grpc-wrong-content-type": lambda s: [head(s, 200, [("content-type", "text/html")]),
                                          frame(D, ES, s, b"<html></html>")],
    "grpc-reset": lambda s: [head(s, 200, G), frame(RST, 0, s, struct.pack(">I", 2))],
    "grpc-goaway": lambda s: [frame(GOAWAY, 0, 0, struct.pack(">II", 0, 2) + b"bye")],
    "grpc-garbage": lambda s: [b"HTTP/1.1 400 Bad Request\r\n\r\n"],
    "grpc-bad-message": lambda s: [head(s, 200, G), frame(D, 0, s, grpc_msg(b"\x0a\xff\xff\xff\xff\x0f")),
                                   frame(H, EH | ES, s, hpack(OK))],
    "grpc-error-status": lambda s: [head(s, 200, G + [("grpc-status", "13"), ("grpc-message", "broken%20on%20purpose")],
                                         end=True)],
    "grpc-slow-bytes": lambda s: [head(s, 200, G), SLOW] + [frame(D, 0, s, b"\x00")] * 100,
    "grpc-data-on-closed-stream": lambda s: [head(s, 200, G, end=True), frame(D, 0, s, grpc_msg(SHAPE))],
}


# ---------------------------------------------------------------- serving

def send(conn, chunks):
    slow = False
    for c in chunks:
        if c is SLOW:
            slow = True
            continue
        if c is CLOSE:
            raise ConnectionError
        if slow:
            for i in range(len(c)):
                conn.sendall(c[i:i + 1])
                time.sleep(0.5)
        else:
            conn.sendall(c)


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError
        data += chunk
    return data


def serve_http1(conn, mode):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    for line in head.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            want = int(line.split(b":")[1]) - len(rest)
            if want > 0:
                read_exact(conn, want)
    send(conn, HTTP1[mode]())


def serve_h2(conn, mode):
    read_exact(conn, len(PREFACE))
    conn.sendall(frame(4, 0, 0))
    while True:
        hd = read_exact(conn, 9)
        length = int.from_bytes(hd[:3], "big")
        kind, flags = hd[3], hd[4]
        stream = int.from_bytes(hd[5:9], "big") & 0x7FFFFFFF
        read_exact(conn, length)
        if kind == 4 and not flags & 1:
            conn.sendall(frame(4, 1, 0))
        elif kind == 1:
            send(conn, H2[mode](stream))


def serve(conn, mode, context):
    try:
        if context is not None:
            conn = context.wrap_socket(conn, server_side=True)
        if mode in HTTP1:
            serve_http1(conn, mode)
        else:
            serve_h2(conn, mode)
    except (ConnectionError, OSError, ssl.SSLError):
        pass
    finally:
        try:
            conn.shutdown(socket.SHUT_WR)
            time.sleep(0.2)
        except OSError:
            pass
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", nargs="?")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    if args.list:
        print("\n".join(sorted(list(HTTP1) + list(H2))))
        return
    if args.mode not in HTTP1 and args.mode not in H2:
        sys.exit("hostile_server.py: unknown mode %r (--list shows them)" % args.mode)
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        context.set_alpn_protocols(["http/1.1"] if args.mode in HTTP1 else ["h2"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        threading.Thread(target=serve, args=(conn, args.mode, context), daemon=True).start()


if __name__ == "__main__":
    main()
