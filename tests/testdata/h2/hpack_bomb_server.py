#!/usr/bin/env python3
"""An HTTP/2 server that answers every request with an HPACK bomb.

The response header block (one HEADERS frame of about 16 KB) adds a
4,000-byte header to the HPACK dynamic table once, then refers to it with a
one-byte index about 12,000 times: some 48 MB of header list for the client
to refuse. Plain h2c, or TLS with ALPN h2 when given --tls-cert and --tls-key.
Prints "listening on 127.0.0.1:PORT" and serves until killed.
"""
import argparse
import socket
import ssl
import struct
import threading

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"


def frame(kind, flags, stream, payload):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def bomb_block():
    value = b"a" * 4000
    block = bytearray(b"\x88")  # :status 200 (static table index 8)
    # Literal with incremental indexing, new name "x-bomb", value length 4000
    # as a 7-bit-prefix integer (127, then 3873 in base 128).
    block += b"\x40\x06x-bomb\x7f\xa1\x1e" + value
    block += b"\xbe" * (16384 - len(block))  # dynamic table index 62: the header above
    return bytes(block)


def read_exact(conn, n):
    data = b""
    while len(data) < n:
        chunk = conn.recv(n - len(data))
        if not chunk:
            raise ConnectionError
        data += chunk
    return data


def serve(conn):
    try:
        read_exact(conn, len(PREFACE))
        conn.sendall(frame(4, 0, 0, b""))  # our SETTINGS
        while True:
            head = read_exact(conn, 9)
            length = int.from_bytes(head[:3], "big")
            kind, flags = head[3], head[4]
            stream = int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
            read_exact(conn, length)
            if kind == 4 and not flags & 1:
                conn.sendall(frame(4, 1, 0, b""))  # SETTINGS ACK
            elif kind == 1:
                conn.sendall(frame(1, 4, stream, bomb_block()))  # HEADERS, END_HEADERS
    except (ConnectionError, OSError):
        pass
    finally:
        conn.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    args = parser.parse_args()
    context = None
    if args.tls_cert:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls_cert, args.tls_key)
        context.set_alpn_protocols(["h2"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    while True:
        conn, _ = listener.accept()
        if context is not None:
            try:
                conn = context.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError):
                conn.close()
                continue
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
