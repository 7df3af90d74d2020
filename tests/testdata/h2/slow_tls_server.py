#!/usr/bin/env python3
"""A TLS server that answers a byte at a time, one every 200 ms.

A TLS listener (ALPN h2) sits behind a proxy that forwards what the client
sends at once and what the server sends one byte per 200 ms, so its
handshake takes minutes while no read ever waits long. Prints
"listening on 127.0.0.1:PORT" (the proxy) and serves until killed.
Usage: slow_tls_server.py --tls-cert FILE --tls-key FILE
"""
import argparse
import socket
import ssl
import threading
import time


def tls_listener(cert, key):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.set_alpn_protocols(["h2"])
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def handshake(conn):
        try:
            context.wrap_socket(conn, server_side=True).recv(1)
        except (ssl.SSLError, OSError):
            pass

    def accept():
        while True:
            conn, _ = listener.accept()
            threading.Thread(target=handshake, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    return listener.getsockname()[1]


def pump(src, dst, delay):
    try:
        while True:
            data = src.recv(4096)
            if not data:
                break
            if delay:
                for i in range(len(data)):
                    dst.sendall(data[i:i + 1])
                    time.sleep(delay)
            else:
                dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.close()
            except OSError:
                pass


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tls-cert", required=True)
    parser.add_argument("--tls-key", required=True)
    args = parser.parse_args()
    inner = tls_listener(args.tls_cert, args.tls_key)
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    print("listening on 127.0.0.1:%d" % listener.getsockname()[1], flush=True)
    while True:
        client, _ = listener.accept()
        server = socket.create_connection(("127.0.0.1", inner))
        threading.Thread(target=pump, args=(client, server, 0), daemon=True).start()
        threading.Thread(target=pump, args=(server, client, 0.2), daemon=True).start()


if __name__ == "__main__":
    main()
