#!/usr/bin/env python3
"""Regenerates table.json: Service ports (port number, name, Kubernetes
protocol, appProtocol) and how Istio reads each one, as Istio's own code
answers (the istio-oracle test binary, TestProtocols).

Usage: python3 tests/testdata/protocols/generate.py --oracle PATH
(PATH is ISTIO_ORACLE in the peers env file written by scripts/build-peers.sh.)

Each row: {"port", "name", "protocol", "appProtocol" (absent when the field
is absent; "" is a set but empty value), "expect": {"istio", "http2", "grpc"}}.
"istio" is ConvertProtocol's result (istio/istio pkg/config/kube/conversion.go),
"http2" and "grpc" are protocol.Instance IsHTTP2 and IsGRPC; the oracle also
checks that the gateway cluster it generates speaks HTTP/2 exactly when
"http2" says so. The unit test tests/unit/mesh/protocol_test.cpp holds the C++
rule to "expect"; the e2e test tests/e2e/protocol_oracle_test.cpp asks the
oracle again and compares all three.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# Every value protocol.Parse knows (pkg/config/protocol/instance.go), and the
# case it spells one that never matches ("DoubleHBONE" is compared with a
# lower-cased value) and names that are not cases ("hbone").
KEYWORDS = ["tcp", "udp", "grpc", "grpc-web", "http", "http_proxy", "http2", "https", "tls", "mongo", "redis",
            "mysql"]
NOT_KEYWORDS = ["hbone", "HBONE", "DoubleHBONE", "doublehbone", "sctp", "h2c", "h2", "http1", "ws", "wss",
                "websocket", "grpcs", "grpc_web", "grpcweb", "http-2", "mongodb", "unknown", "api", "web", "x"]


def spellings(keyword):
    """The keyword in lower, upper and mixed case."""
    mixed = "".join(c.upper() if i % 2 == 0 else c for i, c in enumerate(keyword))
    return list(dict.fromkeys([keyword, keyword.upper(), mixed]))


def values():
    """Names and appProtocol values: every keyword, its cases and suffixes,
    near misses, Kubernetes' own appProtocol names, empty and non-ASCII text."""
    out = []
    for k in KEYWORDS:
        out += spellings(k)
        out += [k + "-v2", k + "-", k + "-a-b", k + "x", k + "_x", "x-" + k]
    out += NOT_KEYWORDS
    out += ["grpc-webx", "GRPC-WEB-v2", "grpc-we", "Grpc-Web", "grpc--web", "-grpc", "-", "--"]
    out += ["kubernetes.io/h2c", "kubernetes.io/ws", "kubernetes.io/wss", "Kubernetes.io/H2C", "kubernetes.io/WS",
            "kubernetes.io/h2c-x", "kubernetes.io/grpc", "kubernetes.io/http2", "k8s.io/h2c", "example.com/grpc",
            "grpc.io/grpc"]
    # Go's strings.ToLower turns U+0130 into 'i' and U+212A (Kelvin) into 'k'.
    out += ["", "RED\u0130S", "red\u0130s-v1", "\u212Atcp", "tcp\u212A", "gr\u00e9pc", "GRPC\u0130"]
    return list(dict.fromkeys(out))


def row(port, name, protocol="TCP", app_protocol=None):
    r = {"port": port, "name": name, "protocol": protocol}
    if app_protocol is not None:
        r["appProtocol"] = app_protocol
    return r


def rows():
    out = []
    vs = values()
    # The name decides when appProtocol is absent.
    for v in vs:
        out.append(row(50051, v))
    # appProtocol decides when set, whatever the name says.
    for v in vs:
        out.append(row(50051, "tcp-data", app_protocol=v))
    # An empty appProtocol is set: the name is ignored.
    for name in ["grpc", "http2", ""]:
        out.append(row(8080, name, app_protocol=""))
    # Kubernetes protocols: only "UDP" (exact) is special.
    for protocol in ["UDP", "udp", "Udp", "SCTP", "TCP", "tcp", ""]:
        out.append(row(50051, "grpc", protocol))
        out.append(row(50051, "", protocol, "grpc"))
        out.append(row(53, "dns", protocol))
        out.append(row(53, "", protocol, "kubernetes.io/h2c"))
    # Well-known ports make an unrecognised value TCP, nothing else.
    for port in [25, 53, 3306, 27017, 24, 26, 52, 54, 3305, 3307, 27016, 27018, 1, 80, 443, 8080, 65535]:
        out.append(row(port, ""))
        out.append(row(port, "data"))
        out.append(row(port, "http-web"))
        out.append(row(port, "grpc", app_protocol="foo"))
        out.append(row(port, "mysql", app_protocol="custom-db"))
    unique = {}
    for r in out:
        unique.setdefault(json.dumps(r, sort_keys=True), r)
    return list(unique.values())


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--oracle", required=True, help="the istio-oracle test binary (ISTIO_ORACLE)")
    args = ap.parse_args()
    table = rows()
    with tempfile.TemporaryDirectory() as tmp:
        inp, outp = os.path.join(tmp, "rows.json"), os.path.join(tmp, "answers.json")
        with open(inp, "w", encoding="utf-8") as f:
            json.dump(table, f)
        subprocess.run([args.oracle, "-test.run=^TestProtocols$", "-protocols=" + inp, "-out=" + outp], check=True,
                       stdout=sys.stderr)
        with open(outp, encoding="utf-8") as f:
            answers = json.load(f)
    if len(answers) != len(table):
        sys.exit(f"the oracle answered {len(answers)} rows of {len(table)}")
    for r, a in zip(table, answers):
        echoed = {k: a[k] for k in ("port", "name", "protocol") if k in a}
        if "appProtocol" in a:
            echoed["appProtocol"] = a["appProtocol"]
        if echoed != r:
            sys.exit(f"the oracle answered {echoed} for {r}")
        r["expect"] = {"istio": a["istio"], "http2": a["http2"], "grpc": a["grpc"]}
    with open(os.path.join(HERE, "table.json"), "w", encoding="utf-8") as f:
        f.write("[\n")
        f.write(",\n".join("  " + json.dumps(r, ensure_ascii=False) for r in table))
        f.write("\n]\n")
    print(f"table.json: {len(table)} rows")


if __name__ == "__main__":
    main()
