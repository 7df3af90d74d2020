#!/usr/bin/env python3
"""Regenerates the check fixture table: one directory per case, holding the
manifests and `expected` (one "CODE Kind namespace/name" per line; empty for
no-false-positive cases). The unit tests analyse each directory with the clock
fixed at NOW; the certificates are dated relative to it.

Usage: python3 tests/testdata/check/generate.py [CASE...]   (needs python3-cryptography)
With case names, only those directories are rewritten.
"""
import base64
import copy
import datetime
import json
import os
import shutil
import sys

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

HERE = os.path.dirname(os.path.abspath(__file__))
NOW = datetime.datetime(2026, 6, 1, tzinfo=datetime.timezone.utc)
DAY = datetime.timedelta(days=1)
# Certificates meant to be valid stay valid for ten years past NOW: tests that
# run `check` on these fixtures with the wall clock (the e2e and command-line
# tests) must not find them expired, or expiring, a few months on.
LONG = 3650 * DAY


def key():
    return ec.generate_private_key(ec.SECP256R1())


def cert(k, names, start, end):
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
    return (x509.CertificateBuilder().subject_name(subject).issuer_name(subject)
            .public_key(k.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(start).not_valid_after(end)
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .sign(k, hashes.SHA256()))


def pem_cert(c):
    return c.public_bytes(serialization.Encoding.PEM)


def pem_key(k):
    return k.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                           serialization.NoEncryption())


def tls_secret(name, ns, crt, k, extra=None):
    data = {"tls.crt": base64.b64encode(crt).decode(), "tls.key": base64.b64encode(k).decode()}
    if extra:
        data.update(extra)
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": ns},
            "type": "kubernetes.io/tls", "data": data}


K = key()
GOOD = (pem_cert(cert(K, ["grpc.example.com", "*.example.com"], NOW - 150 * DAY, NOW + LONG)), pem_key(K))

INGRESS_LABELS = {"app": "istio-ingressgateway", "istio": "ingressgateway"}
INGRESS_SVC = {
    "apiVersion": "v1", "kind": "Service",
    "metadata": {"name": "istio-ingressgateway", "namespace": "istio-system", "labels": INGRESS_LABELS},
    "spec": {"type": "LoadBalancer", "selector": INGRESS_LABELS,
             "ports": [{"name": "http2", "port": 80, "targetPort": 8080},
                       {"name": "https", "port": 443, "targetPort": 8443}]},
    "status": {"loadBalancer": {"ingress": [{"ip": "127.0.0.1"}]}},
}
INGRESS_POD = {
    "apiVersion": "v1", "kind": "Pod",
    "metadata": {"name": "istio-ingressgateway-7c9f8", "namespace": "istio-system", "labels": INGRESS_LABELS},
    "spec": {"containers": [{"name": "istio-proxy", "image": "docker.io/istio/proxyv2:1.31.0"}]},
}


def service(name="greeter", ports=None, ns="default"):
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": {"app": name},
                     "ports": ports or [{"name": "grpc", "port": 50051, "targetPort": 50051}]}}


def slice_(svc="greeter", ready=True, ns="default"):
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": svc + "-x7k2p", "namespace": ns, "labels": {"kubernetes.io/service-name": svc}},
            "addressType": "IPv4", "ports": [{"name": "grpc", "port": 50051, "protocol": "TCP"}],
            "endpoints": [{"addresses": ["10.0.0.5"], "conditions": {"ready": ready}}]}


def gateway(name="grpc-gateway", servers=None, selector=None, ns="default"):
    return {"apiVersion": "networking.istio.io/v1", "kind": "Gateway", "metadata": {"name": name, "namespace": ns},
            "spec": {"selector": selector or {"istio": "ingressgateway"},
                     "servers": servers or [https_server()]}}


def https_server(hosts=None, credential="grpc-cert", port=443, mode="SIMPLE"):
    tls = {"mode": mode}
    if credential:
        tls["credentialName"] = credential
    return {"port": {"number": port, "name": "https", "protocol": "HTTPS"}, "hosts": hosts or ["grpc.example.com"],
            "tls": tls}


def rule(prefix="/helloworld.Greeter/", host="greeter", port=50051, **extra):
    r = {}
    if prefix is not None:
        r["match"] = [{"uri": {"prefix": prefix}}]
    dest = {"host": host}
    if port:
        dest["port"] = {"number": port}
    r["route"] = [{"destination": dest}]
    r.update(extra)
    return r


def vs(name="greeter", hosts=None, gateways=None, http=None, ns="default", **spec):
    s = {"hosts": hosts or ["grpc.example.com"], "gateways": gateways or ["grpc-gateway"]}
    if http is not False:
        s["http"] = http or [rule()]
    s.update(spec)
    return {"apiVersion": "networking.istio.io/v1", "kind": "VirtualService",
            "metadata": {"name": name, "namespace": ns}, "spec": s}


def dr(policy, name="greeter", host="greeter"):
    return {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"host": host, "trafficPolicy": policy}}


def grpc_web_filter(ns="istio-system", labels=None):
    return {"apiVersion": "networking.istio.io/v1alpha3", "kind": "EnvoyFilter",
            "metadata": {"name": "grpc-web", "namespace": ns},
            "spec": {"workloadSelector": {"labels": labels or {"istio": "ingressgateway"}},
                     "configPatches": [{"applyTo": "HTTP_FILTER",
                                        "match": {"context": "GATEWAY", "listener": {"filterChain": {"filter": {
                                            "name": "envoy.filters.network.http_connection_manager",
                                            "subFilter": {"name": "envoy.filters.http.router"}}}}},
                                        "patch": {"operation": "INSERT_BEFORE", "value": {
                                            "name": "envoy.filters.http.grpc_web",
                                            "typed_config": {"@type": "type.googleapis.com/envoy.extensions.filters.http.grpc_web.v3.GrpcWeb"}}}}]}}


CORS_OK = {"allowOrigins": [{"exact": "https://app.example.com"}],
           "allowMethods": ["POST", "GET", "OPTIONS"],
           "allowHeaders": ["content-type", "x-grpc-web", "x-user-agent", "grpc-timeout", "authorization"],
           "exposeHeaders": ["grpc-status", "grpc-message", "grpc-status-details-bin"],
           "maxAge": "24h"}


def base(**over):
    """The correct HTTPS setup: a dict of file name -> list of objects."""
    files = {
        "ingress.yaml": [INGRESS_SVC, INGRESS_POD],
        "secret.yaml": [tls_secret("grpc-cert", "istio-system", *GOOD)],
        "backend.yaml": [service(), slice_()],
        "gateway.yaml": [gateway()],
        "route.yaml": [vs()],
    }
    for k, v in over.items():
        files[k.replace("_", ".")] = v
    return files


def web_base(cors=None, **over):
    r = rule(prefix="/helloworld.Greeter/", corsPolicy=cors or CORS_OK)
    files = base(route_yaml=[vs(http=[r])], filter_yaml=[grpc_web_filter()])
    for k, v in over.items():
        files[k.replace("_", ".")] = v
    return files


CASES = {}


def case(name, files, expected):
    CASES[name] = (files, expected)


# --- no false positives -----------------------------------------------------------
case("ok-https", base(), [])
case("ok-h2c", base(
    gateway_yaml=[gateway(servers=[{"port": {"number": 80, "name": "http", "protocol": "HTTP"},
                                    "hosts": ["grpc.example.com"]}])],
    backend_yaml=[service(ports=[{"name": "api", "port": 50051, "appProtocol": "kubernetes.io/h2c"}]), slice_()],
    secret_yaml=[]), [])
case("ok-multi-service", base(
    backend_yaml=[service(), slice_(),
                  service("echo", [{"name": "grpc-echo", "port": 9000}, {"name": "http-metrics", "port": 9090}]),
                  slice_("echo")],
    route_yaml=[vs(http=[rule(), rule(prefix="/echo.Echo/", host="echo", port=9000),
                         rule(prefix=None, host="greeter", port=50051)])]), [])
case("ok-grpc-web", web_base(), [])
# without Pods, the gateway workload's namespace comes from the Service in front of it
case("ok-https-without-pods", base(ingress_yaml=[INGRESS_SVC]), [])
# the same for the gRPC-Web filter: its selector is compared with the Service's
case("ok-grpc-web-without-pods", web_base(ingress_yaml=[INGRESS_SVC]), [])
case("ok-grpc-web-plaintext", base(
    gateway_yaml=[gateway(servers=[{"port": {"number": 80, "name": "grpc-web", "protocol": "GRPC-WEB"},
                                    "hosts": ["grpc.example.com"]}])],
    route_yaml=[vs(http=[rule(corsPolicy=CORS_OK)])], secret_yaml=[]), [])
# expose sets appProtocol: grpc on a port named http without renaming it: HTTP/2 either way for gRPC
case("ok-appprotocol-over-http-name", base(
    backend_yaml=[service(ports=[{"name": "http", "port": 50051, "appProtocol": "grpc"}]), slice_()]), [])
# an appProtocol Istio does not know, on a port that asks for nothing gRPC, is left to sidecar sniffing
case("ok-appprotocol-unrecognised-tcp", base(
    backend_yaml=[service(), slice_(),
                  service("db", [{"name": "postgres", "port": 5432, "appProtocol": "postgresql"}]), slice_("db")]), [])
# an http-to-https redirect server needs no route
case("ok-https-redirect", base(gateway_yaml=[gateway(servers=[
    https_server(), {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["grpc.example.com", "other.example.com"],
                     "tls": {"httpsRedirect": True}}])]), [])
case("ok-appprotocol", base(
    backend_yaml=[service(ports=[{"name": "api", "port": 50051, "appProtocol": "grpc"},
                                 {"name": "http2-alt", "port": 50052, "appProtocol": "grpc"}]), slice_()]), [])
# Istio cuts appProtocol at the first '-' like a port name: grpc-v2 is GRPC
# (pkg/config/kube/conversion.go ConvertProtocol; tests/testdata/protocols has every case)
case("ok-appprotocol-suffix", base(
    backend_yaml=[service(ports=[{"name": "api", "port": 50051, "appProtocol": "grpc-v2"}]), slice_()]), [])
# ... but matches Kubernetes' own appProtocol names exactly: Kubernetes.io/H2C is not HTTP2
case("gm0006-appprotocol-case", base(
    backend_yaml=[service(ports=[{"name": "api", "port": 50051, "appProtocol": "Kubernetes.io/H2C"}]), slice_()]),
    ["GM0004 Service default/greeter", "GM0006 VirtualService default/greeter"])
CA_PEM = pem_cert(cert(key(), ["clients-ca.example.com"], NOW - 10 * DAY, NOW + LONG))


def ca_secret(name, entries):
    return {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": "istio-system"},
            "type": "Opaque", "data": {k: base64.b64encode(v).decode() for k, v in entries.items()}}


MUTUAL = [gateway(servers=[https_server(mode="MUTUAL")])]
case("ok-mutual", base(gateway_yaml=MUTUAL, secret_yaml=[tls_secret("grpc-cert", "istio-system", *GOOD),
                                                          ca_secret("grpc-cert-cacert", {"ca.crt": CA_PEM})]), [])
case("ok-mutual-ca-in-credential", base(gateway_yaml=MUTUAL, secret_yaml=[
    tls_secret("grpc-cert", "istio-system", *GOOD, extra={"cacert": base64.b64encode(CA_PEM).decode()})]), [])
case("ok-h2-upgrade", base(
    backend_yaml=[service(ports=[{"name": "web", "port": 50051}]), slice_()],
    dr_yaml=[dr({"connectionPool": {"http": {"h2UpgradePolicy": "UPGRADE", "idleTimeout": "1h"}}})]), [])

# --- one finding family per case ----------------------------------------------------
case("gm0001-unknown-kind", base(extra_yaml=[
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "default"}, "data": {}},
    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "TCPRoute", "metadata": {"name": "db", "namespace": "default"},
     "spec": {"parentRefs": [{"name": "k8s-gw"}], "rules": [{"backendRefs": [{"name": "db", "port": 5432}]}]}}]),
    ["GM0001 ConfigMap default/settings", "GM0001 TCPRoute default/db"])
bad_group = vs()
bad_group["apiVersion"] = "networking.io/v1"
bad_filter = grpc_web_filter()
bad_filter["apiVersion"] = "networking.istio.io/v1"
case("gm0002-api-version", base(route_yaml=[bad_group], filter_yaml=[bad_filter]),
     # the rejected VirtualService routes nothing, so the Gateway's host has no route
     ["GM0002 VirtualService default/greeter", "GM0002 EnvoyFilter istio-system/grpc-web",
      "GM0044 Gateway default/grpc-gateway"])
case("gm0003-protocol-invalid", base(
    backend_yaml=[service(ports=[{"name": "grpc", "port": 50051, "protocol": "grpc"}]), slice_()]),
    ["GM0003 Service default/greeter"])
case("gm0004-appprotocol-unknown", base(
    backend_yaml=[service(ports=[{"name": "grpc", "port": 50051, "appProtocol": "kubernetes.io/grpc"}]), slice_()]),
    ["GM0004 Service default/greeter", "GM0006 VirtualService default/greeter"])
case("gm0005-appprotocol-overrides", base(
    backend_yaml=[service(ports=[{"name": "grpc", "port": 50051, "appProtocol": "http"}]), slice_()]),
    ["GM0005 Service default/greeter", "GM0006 VirtualService default/greeter"])
case("gm0006-backend-http1", base(backend_yaml=[service(ports=[{"name": "web", "port": 50051}]), slice_()]),
     ["GM0006 VirtualService default/greeter"])
case("gm0007-grpc-under-tcp", base(route_yaml=[vs(http=False, tcp=[{"route": [{"destination": {
    "host": "greeter", "port": {"number": 50051}}}]}])]),
    ["GM0007 VirtualService default/greeter"])
TLS_ROUTE = [{"match": [{"sniHosts": ["grpc.example.com"], "port": 443}],
              "route": [{"destination": {"host": "greeter", "port": {"number": 50051}}}]}]
# gRPC under tls: is end-to-end TLS through a PASSTHROUGH server: the paths are the backend's to see
case("ok-grpc-tls-passthrough", base(
    gateway_yaml=[gateway(servers=[https_server(credential=None, mode="PASSTHROUGH")])],
    route_yaml=[vs(http=False, tls=TLS_ROUTE)], secret_yaml=[]), [])
# the same tls: route on a terminating server never applies: gRPC belongs under http:
case("gm0007-grpc-under-tls-terminated", base(route_yaml=[vs(http=False, tls=TLS_ROUTE)]),
     ["GM0007 VirtualService default/greeter"])
case("gm0008-gateway-missing", base(route_yaml=[vs(gateways=["grpc-gateway", "missing-gateway"])]),
     ["GM0008 VirtualService default/greeter"])
case("gm0009-host-missing", base(route_yaml=[vs(http=[rule(host="greeter-typo")])]),
     ["GM0009 VirtualService default/greeter"])
case("gm0010-port-required", base(
    backend_yaml=[service(ports=[{"name": "grpc", "port": 50051}, {"name": "http-metrics", "port": 9090}]), slice_()],
    route_yaml=[vs(http=[rule(port=None)])]),
    ["GM0010 VirtualService default/greeter"])
case("gm0011-port-not-on-service", base(route_yaml=[vs(http=[rule(port=9999)])]),
     ["GM0011 VirtualService default/greeter"])
case("gm0012-prefix-no-slash", base(route_yaml=[vs(http=[rule(prefix="/helloworld.Greeter")])]),
     ["GM0012 VirtualService default/greeter"])
case("gm0013-unreachable-rule", base(route_yaml=[vs(http=[rule(prefix=None), rule(prefix=None)])]),
     ["GM0013 VirtualService default/greeter"])
case("gm0014-host-not-on-gateway", base(route_yaml=[vs(hosts=["api.example.org"])]),
     # ... and so the server's host has no route
     ["GM0014 VirtualService default/greeter", "GM0044 Gateway default/grpc-gateway"])
case("gm0015-host-with-port", base(route_yaml=[vs(hosts=["grpc.example.com:443"])]),
     ["GM0015 VirtualService default/greeter", "GM0014 VirtualService default/greeter",
      "GM0044 Gateway default/grpc-gateway"])
case("gm0016-selector-no-pods", base(gateway_yaml=[gateway(selector={"istio": "ingress-typo"})]),
     ["GM0016 Gateway default/grpc-gateway"])
case("gm0017-port-not-exposed", base(gateway_yaml=[gateway(servers=[https_server(port=9443)])]),
     ["GM0017 Gateway default/grpc-gateway"])
case("gm0018-tls-on-plaintext", base(gateway_yaml=[gateway(servers=[
    {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["grpc.example.com"],
     "tls": {"mode": "SIMPLE", "credentialName": "grpc-cert"}}])]),
    ["GM0018 Gateway default/grpc-gateway"])
case("gm0019-passthrough-http", base(gateway_yaml=[gateway(servers=[https_server(credential=None, mode="PASSTHROUGH")])]),
     ["GM0019 VirtualService default/greeter"])
# Istio keeps the older (then first by name) server: the route bound to grpc-gateway still serves
case("gm0020-conflicting-gateways", base(gateway_yaml=[gateway(), gateway("grpc-gateway-2")]),
     ["GM0020 Gateway default/grpc-gateway", "GM0020 Gateway default/grpc-gateway-2",
      "GM0021 Gateway default/grpc-gateway", "GM0021 Gateway default/grpc-gateway-2"])
case("gm0021-duplicate-certificate", base(gateway_yaml=[
    gateway(), gateway("admin-gateway", servers=[https_server(hosts=["admin.example.com"])])]),
    ["GM0021 Gateway default/grpc-gateway", "GM0021 Gateway default/admin-gateway",
     "GM0044 Gateway default/admin-gateway"])
case("gm0022-credential-missing", base(secret_yaml=[tls_secret("other-cert", "istio-system", *GOOD)]),
     ["GM0022 Gateway default/grpc-gateway"])
case("gm0023-credential-in-gateway-namespace", base(secret_yaml=[tls_secret("grpc-cert", "default", *GOOD)]),
     ["GM0023 Gateway default/grpc-gateway"])
case("gm0024-credential-unusable", base(secret_yaml=[
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "grpc-cert", "namespace": "istio-system"},
     "type": "Opaque", "data": {"certificate.pem": base64.b64encode(GOOD[0]).decode()}}]),
    ["GM0024 Gateway default/grpc-gateway"])
k = key()
case("gm0025-certificate-expired", base(secret_yaml=[tls_secret("grpc-cert", "istio-system", pem_cert(
    cert(k, ["grpc.example.com"], NOW - 400 * DAY, NOW - 35 * DAY)), pem_key(k))]),
    ["GM0025 Gateway default/grpc-gateway"])
case("gm0026-certificate-not-yet-valid", base(secret_yaml=[tls_secret("grpc-cert", "istio-system", pem_cert(
    cert(k, ["grpc.example.com"], NOW + 10 * DAY, NOW + LONG)), pem_key(k))]),
    ["GM0026 Gateway default/grpc-gateway"])
case("gm0027-certificate-expiring-soon", base(secret_yaml=[tls_secret("grpc-cert", "istio-system", pem_cert(
    cert(k, ["grpc.example.com"], NOW - 300 * DAY, NOW + 12 * DAY)), pem_key(k))]),
    ["GM0027 Gateway default/grpc-gateway"])
case("gm0028-certificate-wrong-host", base(secret_yaml=[tls_secret("grpc-cert", "istio-system", pem_cert(
    cert(k, ["api.example.net"], NOW - 10 * DAY, NOW + LONG)), pem_key(k))]),
    ["GM0028 Gateway default/grpc-gateway"])
case("gm0029-certificate-key-mismatch", base(secret_yaml=[tls_secret("grpc-cert", "istio-system", GOOD[0],
                                                                      pem_key(key()))]),
     ["GM0029 Gateway default/grpc-gateway"])
case("gm0030-no-ready-endpoints", base(backend_yaml=[service(), slice_(ready=False)]),
     ["GM0030 Service default/greeter"])
# no gRPC path in the match: the Service port's name says it is gRPC
case("gm0031-route-timeout", base(route_yaml=[vs(http=[rule(prefix=None, timeout="30s")])]),
     ["GM0031 VirtualService default/greeter"])
case("gm0032-timeout-zero", base(route_yaml=[vs(http=[rule(timeout="0s")])]),
     ["GM0032 VirtualService default/greeter"])
case("gm0033-idle-timeout", base(dr_yaml=[dr({"connectionPool": {"http": {"idleTimeout": "30s"},
                                                                  "tcp": {"maxConnectionDuration": "10m"}}})]),
     ["GM0033 DestinationRule default/greeter"])
case("gm0034-h2-upgrade-conflict", base(dr_yaml=[dr({"connectionPool": {"http": {
    "h2UpgradePolicy": "UPGRADE", "useClientProtocol": True}}})]),
    ["GM0034 DestinationRule default/greeter"])
case("gm0035-grpc-web-filter-missing", web_base(filter_yaml=[]),
     ["GM0035 VirtualService default/greeter"])
case("gm0036-grpc-web-filter-selector", web_base(filter_yaml=[grpc_web_filter(labels={"app": "frontend"})]),
     ["GM0036 EnvoyFilter istio-system/grpc-web", "GM0035 VirtualService default/greeter"])
case("gm0037-grpc-web-filter-namespace", web_base(filter_yaml=[grpc_web_filter(ns="default")]),
     ["GM0037 EnvoyFilter default/grpc-web", "GM0035 VirtualService default/greeter"])
content_type_rule = rule(prefix=None, corsPolicy=CORS_OK)
content_type_rule["match"] = [{"headers": {"content-type": {"prefix": "application/grpc-web"}}}]
case("gm0038-cors-on-content-type-route", web_base(route_yaml=[vs(http=[content_type_rule])]),
     ["GM0038 VirtualService default/greeter"])
case("gm0039-cors-headers-incomplete", web_base(cors={"allowOrigins": [{"exact": "https://app.example.com"}],
                                                      "allowHeaders": ["content-type"]}),
     ["GM0039 VirtualService default/greeter", "GM0040 VirtualService default/greeter"])
cors_old = dict(CORS_OK)
del cors_old["allowOrigins"]
cors_old["allowOrigin"] = ["https://app.example.com"]
case("gm0041-cors-allow-origin", web_base(cors=cors_old), ["GM0041 VirtualService default/greeter"])
case("gm0043-mutual-ca-missing", base(gateway_yaml=MUTUAL), ["GM0043 Gateway default/grpc-gateway"])
# the -cacert Secret wins over ca.crt in the credential Secret, even when it holds no CA
case("gm0043-mutual-cacert-without-ca", base(gateway_yaml=MUTUAL, secret_yaml=[
    tls_secret("grpc-cert", "istio-system", *GOOD, extra={"ca.crt": base64.b64encode(CA_PEM).decode()}),
    ca_secret("grpc-cert-cacert", {"ca.pem": CA_PEM})]), ["GM0043 Gateway default/grpc-gateway"])
case("gm0042-grpc-web-without-cors", base(
    gateway_yaml=[gateway(servers=[{"port": {"number": 80, "name": "grpc-web", "protocol": "GRPC-WEB"},
                                    "hosts": ["grpc.example.com"]}])], secret_yaml=[]),
    ["GM0042 VirtualService default/greeter"])

case("gm0044-no-route", base(route_yaml=[]), ["GM0044 Gateway default/grpc-gateway"])
# a second host on the server that no route names
case("gm0044-host-without-route", base(
    gateway_yaml=[gateway(servers=[https_server(hosts=["grpc.example.com", "api.example.com"])])]),
    ["GM0044 Gateway default/grpc-gateway"])
case("gm0024-generic-entries", base(secret_yaml=[
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "grpc-cert", "namespace": "istio-system"},
     "type": "Opaque", "data": {"cert": base64.b64encode(b"not a certificate").decode(),
                                "key": base64.b64encode(b"not a key").decode()}}]),
    ["GM0024 Gateway default/grpc-gateway"])


# --- retries (istio.io/istio route/retry/retry.go, validation.go validateHTTPRetry) ---
STREAM_POOL = {"connectionPool": {"http": {"idleTimeout": "24h"},
                                  "tcp": {"tcpKeepalive": {"time": "5m", "interval": "30s", "probes": 3}}}}
# gRPC statuses in retryOn, and retries without a perTryTimeout on a host set up for long streams
case("ok-retries-grpc", base(
    route_yaml=[vs(http=[rule(retries={"attempts": 3, "retryOn": "unavailable,cancelled,503"})])],
    dr_yaml=[dr(STREAM_POOL)]), [])
# no gRPC path in the match: the Service port's name says the rule carries gRPC
case("gm0045-retry-on-without-grpc", base(
    route_yaml=[vs(http=[rule(prefix=None, retries={"attempts": 3, "retryOn": "5xx,connect-failure"})])]),
    ["GM0045 VirtualService default/greeter"])
case("gm0046-per-try-timeout", base(
    route_yaml=[vs(http=[rule(prefix=None, retries={"attempts": 2, "retryOn": "unavailable", "perTryTimeout": "5s"})])]),
    ["GM0046 VirtualService default/greeter"])
case("gm0047-per-try-timeout-stream", base(
    route_yaml=[vs(http=[rule(retries={"attempts": 2, "retryOn": "unavailable", "perTryTimeout": "5s"})])],
    dr_yaml=[dr(STREAM_POOL)]),
    ["GM0047 VirtualService default/greeter"])
case("gm0048-retries-disabled", base(route_yaml=[vs(http=[rule(retries={"attempts": 0})])]),
     ["GM0048 VirtualService default/greeter"])
case("gm0049-retry-on-invalid", base(
    route_yaml=[vs(http=[rule(retries={"attempts": 3, "retryOn": "unavailable,aborted"})])]),
    ["GM0049 VirtualService default/greeter"])
# retryOn without attempts: attempts is 0, and Istio rejects a policy with it
case("gm0049-retry-on-without-attempts", base(
    route_yaml=[vs(http=[rule(retries={"retryOn": "unavailable"})])]),
    ["GM0049 VirtualService default/greeter"])


# --- what the gateway proxy sees (tests/oracle judges the same rules) ---------------
# the gateway workload runs in istio-system: a route exported only to its own namespace is invisible to it
case("gm0050-route-not-exported", base(route_yaml=[vs(exportTo=["."])]),
     ["GM0050 VirtualService default/greeter"])
exported_dot = service()
exported_dot["metadata"]["annotations"] = {"networking.istio.io/exportTo": "."}
case("gm0051-destination-not-exported", base(backend_yaml=[exported_dot, slice_()]),
     ["GM0051 VirtualService default/greeter"])
SUBSETS_DR = {"apiVersion": "networking.istio.io/v1", "kind": "DestinationRule",
              "metadata": {"name": "greeter", "namespace": "default"},
              "spec": {"host": "greeter", "subsets": [{"name": "v1", "labels": {"version": "v1"}}]}}


def subset_rule(subset):
    r = rule()
    r["route"][0]["destination"]["subset"] = subset
    return r


case("ok-subset", base(route_yaml=[vs(http=[subset_rule("v1")])], dr_yaml=[SUBSETS_DR]), [])
case("gm0052-subset-not-found", base(route_yaml=[vs(http=[subset_rule("v2")])], dr_yaml=[SUBSETS_DR]),
     ["GM0052 VirtualService default/greeter"])



# --- cert-manager: the Certificate writing the Secret a server reads

def condition(type_, status, reason, message):
    return {"type": type_, "status": status, "reason": reason, "message": message}


def certificate(name="grpc-cert", ns="istio-system", secret="grpc-cert", dns=None, issuer=("ClusterIssuer", "ca"),
                conditions=None):
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": name, "namespace": ns},
            "spec": {"secretName": secret, "dnsNames": dns or ["grpc.example.com"],
                     "issuerRef": {"group": "cert-manager.io", "kind": issuer[0], "name": issuer[1]}},
            "status": {"conditions": conditions if conditions is not None else [
                condition("Ready", "True", "Ready", "Certificate is up to date and has not expired")]}}


def issuer(name="ca", ns=None, ready=True):
    c = (condition("Ready", "True", "KeyPairVerified", "Signing CA verified") if ready else
         condition("Ready", "False", "ErrGetKeyPair", "Error getting keypair for CA issuer: secrets \"ca\" not found"))
    o = {"apiVersion": "cert-manager.io/v1", "kind": "Issuer" if ns else "ClusterIssuer",
         "metadata": {"name": name}, "spec": {"ca": {"secretName": "ca"}}, "status": {"conditions": [c]}}
    if ns:
        o["metadata"]["namespace"] = ns
    return o


def request(cert="grpc-cert", ns="istio-system", ready=("False", "Pending", "Waiting on certificate issuance")):
    return {"apiVersion": "cert-manager.io/v1", "kind": "CertificateRequest",
            "metadata": {"name": cert + "-1", "namespace": ns, "creationTimestamp": "2026-06-01T00:00:00Z",
                         "ownerReferences": [{"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                                              "name": cert, "uid": "0f6b3c1e-0000-4000-8000-000000000001"}]},
            "spec": {"issuerRef": {"kind": "ClusterIssuer", "name": "ca"}, "request": ""},
            "status": {"conditions": [condition("Ready", *ready)]}}


OTHER_SECRET = [tls_secret("other-cert", "istio-system", *GOOD)]
ISSUING = [condition("Ready", "False", "DoesNotExist", "Issuing certificate as Secret does not exist"),
           condition("Issuing", "True", "DoesNotExist", "Issuing certificate as Secret does not exist")]

case("ok-cert-manager", base(certmanager_yaml=[certificate(), issuer()]), [])
case("gm0053-certificate-wrong-namespace",
     base(secret_yaml=OTHER_SECRET + [tls_secret("grpc-cert", "default", *GOOD)],
          certmanager_yaml=[certificate(ns="default"), issuer()]),
     ["GM0053 Gateway default/grpc-gateway"])
case("gm0054-certificate-pending",
     base(secret_yaml=OTHER_SECRET, certmanager_yaml=[certificate(conditions=ISSUING), issuer(), request()]),
     ["GM0054 Gateway default/grpc-gateway"])
case("gm0055-certificate-not-ready",
     base(certmanager_yaml=[
         certificate(issuer=("Issuer", "ca"),
                     conditions=[condition("Ready", "False", "Expired", "Certificate expired"),
                                 condition("Issuing", "False", "Failed", "The certificate request has failed")]),
         issuer(ns="istio-system"), request(ready=("False", "Failed", "certificate signing failed"))]),
     ["GM0055 Certificate istio-system/grpc-cert"])
case("gm0056-issuer-not-ready", base(certmanager_yaml=[certificate(), issuer(ready=False)]),
     ["GM0056 Certificate istio-system/grpc-cert"])
case("gm0057-issuer-not-found",
     base(certmanager_yaml=[certificate(issuer=("Issuer", "ca")), issuer(ns="default")]),
     ["GM0057 Certificate istio-system/grpc-cert"])
case("gm0058-dns-names-miss-host", base(certmanager_yaml=[certificate(dns=["api.other.example"]), issuer()]),
     ["GM0058 Certificate istio-system/grpc-cert"])
case("gm0059-certificate-secret-shared",
     base(certmanager_yaml=[certificate(), certificate(name="grpc-cert-copy"), issuer()]),
     ["GM0059 Certificate istio-system/grpc-cert-copy"])
K_SOON = key()
SOON = (pem_cert(cert(K_SOON, ["grpc.example.com"], NOW - 80 * DAY, NOW + 5 * DAY)), pem_key(K_SOON))
SOON_API = (pem_cert(cert(K_SOON, ["api.example.com"], NOW - 80 * DAY, NOW + 5 * DAY)), pem_key(K_SOON))
# Two hosts, two ways a Certificate cannot renew: its Issuer is not Ready
# (grpc), its last issuance failed (api).
API_SERVER = https_server(hosts=["api.example.com"], credential="api-cert")
API_SERVER["port"]["name"] = "https-api"  # server port names are unique in a Gateway
case("gm0060-expiring-no-renewal",
     base(secret_yaml=[tls_secret("grpc-cert", "istio-system", *SOON), tls_secret("api-cert", "istio-system", *SOON_API)],
          gateway_yaml=[gateway(servers=[https_server(),
                                         API_SERVER])],
          route_yaml=[vs(), vs(name="api", hosts=["api.example.com"])],
          certmanager_yaml=[certificate(issuer=("Issuer", "ca")), issuer(ns="istio-system", ready=False),
                            certificate(name="api-cert", secret="api-cert", dns=["api.example.com"],
                                        conditions=[condition("Ready", "False", "Expired", "Certificate expired"),
                                                    condition("Issuing", "False", "Failed", "The certificate request has failed")]),
                            issuer(), request(cert="api-cert", ready=("False", "Failed", "certificate signing failed"))]),
     ["GM0027 Gateway default/grpc-gateway",
      "GM0056 Certificate istio-system/grpc-cert", "GM0060 Certificate istio-system/grpc-cert",
      "GM0055 Certificate istio-system/api-cert", "GM0060 Certificate istio-system/api-cert"])


# --- the Gateway API: a Gateway of class istio in namespace apps (h2c on 80,
# HTTPS on 443 for api.example.org with a Secret of its own namespace) and a
# GRPCRoute to an h2c Service port; each case breaks one rule.
GWAPI = "gateway.networking.k8s.io/v1"


def k8s_gateway(listeners=None, ns="apps"):
    return {"apiVersion": GWAPI, "kind": "Gateway", "metadata": {"name": "gw", "namespace": ns},
            "spec": {"gatewayClassName": "istio", "listeners": listeners or [
                {"name": "h2c", "port": 80, "protocol": "HTTP", "hostname": "api.example.org"},
                https_listener()]}}


def https_listener(cert=None):
    return {"name": "https", "port": 443, "protocol": "HTTPS", "hostname": "api.example.org",
            "tls": {"mode": "Terminate", "certificateRefs": [cert or {"name": "api-cert"}]}}


def grpc_route(ns="apps", parent=None, hostnames=None, backend=None):
    return {"apiVersion": GWAPI, "kind": "GRPCRoute", "metadata": {"name": "greeter", "namespace": ns},
            "spec": {"parentRefs": [parent or {"name": "gw"}], "hostnames": hostnames or ["api.example.org"],
                     "rules": [{"matches": [{"method": {"service": "helloworld.Greeter"}}],
                                "backendRefs": [backend or {"name": "greeter", "port": 50051}]}]}}


def grant(ns, from_kind, from_ns, to_kind):
    return {"apiVersion": GWAPI, "kind": "ReferenceGrant", "metadata": {"name": "from-" + from_ns, "namespace": ns},
            "spec": {"from": [{"group": "gateway.networking.k8s.io", "kind": from_kind, "namespace": from_ns}],
                     "to": [{"group": "", "kind": to_kind}]}}


H2C_PORT = [{"name": "api", "port": 50051, "appProtocol": "kubernetes.io/h2c"}]


def gwapi_base(**over):
    files = {
        "gateway.yaml": [k8s_gateway()],
        "secret.yaml": [tls_secret("api-cert", "apps", *GOOD_ORG)],
        "backend.yaml": [service(ports=H2C_PORT, ns="apps"), slice_(ns="apps")],
        "route.yaml": [grpc_route()],
    }
    for k, v in over.items():
        files[k.replace("_", ".")] = v
    return files


K_ORG = key()
GOOD_ORG = (pem_cert(cert(K_ORG, ["api.example.org"], NOW - 10 * DAY, NOW + LONG)), pem_key(K_ORG))

case("ok-gatewayapi", gwapi_base(), [])
case("ok-gatewayapi-grants", gwapi_base(
    gateway_yaml=[k8s_gateway(listeners=[https_listener({"name": "api-cert", "namespace": "certs"})])],
    secret_yaml=[tls_secret("api-cert", "certs", *GOOD_ORG)],
    backend_yaml=[service(ports=H2C_PORT, ns="backend"), slice_(ns="backend")],
    route_yaml=[grpc_route(backend={"name": "greeter", "namespace": "backend", "port": 50051})],
    grants_yaml=[grant("certs", "Gateway", "apps", "Secret"), grant("backend", "GRPCRoute", "apps", "Service")]), [])
case("gm0061-gatewayapi-backend-http1", gwapi_base(
    backend_yaml=[service(ports=[{"name": "api", "port": 50051}], ns="apps"), slice_(ns="apps")]),
    ["GM0061 GRPCRoute apps/greeter"])
case("gm0062-gatewayapi-certificate-not-granted", gwapi_base(
    gateway_yaml=[k8s_gateway(listeners=[https_listener({"name": "api-cert", "namespace": "certs"})])],
    secret_yaml=[tls_secret("api-cert", "certs", *GOOD_ORG)]),
    ["GM0062 Gateway apps/gw"])
case("gm0063-gatewayapi-backend-not-granted", gwapi_base(
    backend_yaml=[service(ports=H2C_PORT, ns="backend"), slice_(ns="backend")],
    route_yaml=[grpc_route(backend={"name": "greeter", "namespace": "backend", "port": 50051})]),
    ["GM0063 GRPCRoute apps/greeter"])
case("gm0064-gatewayapi-route-not-allowed", gwapi_base(
    route_yaml=[grpc_route(ns="web", parent={"name": "gw", "namespace": "apps"},
                           backend={"name": "greeter", "namespace": "apps", "port": 50051})],
    grants_yaml=[grant("apps", "GRPCRoute", "web", "Service")]),
    ["GM0064 GRPCRoute web/greeter"])
case("gm0065-gatewayapi-hostname-mismatch", gwapi_base(route_yaml=[grpc_route(hostnames=["api.example.com"])]),
     ["GM0065 GRPCRoute apps/greeter"])
case("gm0066-gatewayapi-parent-not-found", gwapi_base(
    route_yaml=[grpc_route(parent={"name": "gw", "sectionName": "grpc"})]),
    ["GM0066 GRPCRoute apps/greeter"])
case("gm0067-gatewayapi-certificate-missing", gwapi_base(secret_yaml=[tls_secret("other-cert", "apps", *GOOD_ORG)]),
     ["GM0067 Gateway apps/gw"])
case("gm0067-gatewayapi-certificate-unusable", gwapi_base(secret_yaml=[
    {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api-cert", "namespace": "apps"},
     "type": "kubernetes.io/tls", "data": {"tls.crt": base64.b64encode(b"not a certificate").decode(),
                                           "tls.key": base64.b64encode(GOOD_ORG[1]).decode()}}]),
    ["GM0067 Gateway apps/gw"])
case("gm0068-gatewayapi-backend-not-found", gwapi_base(
    route_yaml=[grpc_route(backend={"name": "greeter", "port": 50052})]),
    ["GM0068 GRPCRoute apps/greeter"])
case("gm0030-gatewayapi-no-ready-endpoints", gwapi_base(
    backend_yaml=[service(ports=H2C_PORT, ns="apps"), slice_(ready=False, ns="apps")]),
    ["GM0030 Service apps/greeter"])
case("gm0069-gatewayapi-listener-without-route", gwapi_base(
    route_yaml=[grpc_route(parent={"name": "gw", "sectionName": "https"})]),
    ["GM0069 Gateway apps/gw"])


# --- the status a controller wrote (gatewayapi_status.cpp): written here in
# the shape the real istiod writes it (tests/e2e/istiod/gateway_api_status_test.cpp).
def cond(type_, status, reason, message, generation=1):
    return {"type": type_, "status": status, "reason": reason, "message": message, "observedGeneration": generation}


def with_status(obj, status, generation=1):
    obj = copy.deepcopy(obj)
    obj["metadata"]["generation"] = generation
    obj["status"] = status
    return obj


def parent_status(parent, *conditions):
    return {"parents": [{"parentRef": parent, "controllerName": "istio.io/gateway-controller",
                         "conditions": list(conditions)}]}


ROUTE_OK = cond("Accepted", "True", "Accepted", "Route was valid")
REFS_OK = cond("ResolvedRefs", "True", "ResolvedRefs", "All references resolved")
case("gm0070-gatewayapi-route-status-false", gwapi_base(route_yaml=[with_status(grpc_route(), parent_status(
    {"name": "gw"}, ROUTE_OK, cond("ResolvedRefs", "False", "InvalidKind", "referencing unsupported backendRef")))]),
    ["GM0070 GRPCRoute apps/greeter"])
case("gm0071-gatewayapi-gateway-status-false", gwapi_base(gateway_yaml=[with_status(k8s_gateway(), {"listeners": [
    {"name": "h2c", "attachedRoutes": 1, "conditions": [cond("Accepted", "True", "Accepted", "No errors found")]},
    {"name": "https", "attachedRoutes": 1, "conditions": [
        cond("Programmed", "False", "Invalid", "Bad TLS configuration"),
        cond("ResolvedRefs", "False", "InvalidCertificateRef", "secret apps/api-cert not found")]}]})]),
    ["GM0071 Gateway apps/gw"])
case("gm0072-gatewayapi-gateway-not-programmed", gwapi_base(gateway_yaml=[with_status(k8s_gateway(), {"conditions": [
    cond("Accepted", "True", "Accepted", "Resource accepted"),
    cond("Programmed", "False", "AddressNotAssigned",
         "Failed to assign to any requested addresses: no instances found for hostname \"gw-istio.apps.svc.cluster.local\"")]})]),
    ["GM0072 Gateway apps/gw"])
case("gm0073-gatewayapi-status-not-current", gwapi_base(route_yaml=[with_status(grpc_route(), parent_status(
    {"name": "gw"}, cond("Accepted", "False", "NoMatchingParent", "sectionName \"grpc\" not found"), REFS_OK),
    generation=2)]),
    ["GM0073 GRPCRoute apps/greeter"])
MISSING_ROUTE = with_status(grpc_route(backend={"name": "greeter", "port": 50052}), parent_status(
    {"name": "gw"}, ROUTE_OK, cond("ResolvedRefs", "False", "BackendNotFound",
                                   "backend(greeter.apps.svc.cluster.local) not found")))
MISSING_ROUTE["metadata"]["name"] = "missing"
case("gm0074-gatewayapi-status-confirmed", gwapi_base(route_yaml=[
    with_status(grpc_route(backend={"name": "greeter", "namespace": "backend", "port": 50051}), parent_status(
        {"name": "gw"}, ROUTE_OK, cond("ResolvedRefs", "False", "RefNotPermitted",
                                       "backendRef greeter/backend not accessible to a GRPCRoute in namespace \"apps\""))),
    MISSING_ROUTE]),
    ["GM0063 GRPCRoute apps/greeter", "GM0074 GRPCRoute apps/greeter",
     "GM0068 GRPCRoute apps/missing", "GM0074 GRPCRoute apps/missing"])



# --- clashes istiod resolves one way (gatewayapi_route_overlap.cpp,
# gatewayapi_istio_gateway_clash.cpp; tests/oracle/gateway_api_clash_test.cpp).
def http_route(name="web", match=None, backend=None, created="2026-01-01T00:00:00Z"):
    return {"apiVersion": GWAPI, "kind": "HTTPRoute",
            "metadata": {"name": name, "namespace": "apps", "creationTimestamp": created},
            "spec": {"parentRefs": [{"name": "gw"}], "hostnames": ["api.example.org"],
                     "rules": [{"matches": [match or {"path": {"type": "Exact", "value": "/helloworld.Greeter/SayHello"}}],
                                "backendRefs": [backend or {"name": "web", "port": 50051}]}]}}


def deployed_service():
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "gw-istio", "namespace": "apps"},
            "spec": {"type": "LoadBalancer", "selector": {"gateway.networking.k8s.io/gateway-name": "gw"},
                     "ports": [{"name": "h2c", "port": 80, "targetPort": 80}, {"name": "https", "port": 443, "targetPort": 443}]}}


LEGACY_SELECTOR = {"gateway.networking.k8s.io/gateway-name": "gw"}
HTTP_SERVER = {"port": {"number": 80, "name": "http", "protocol": "HTTP"}, "hosts": ["api.example.org"]}
case("gm0075-gatewayapi-route-shadowed", gwapi_base(
    backend_yaml=[service(ports=H2C_PORT, ns="apps"), slice_(ns="apps"),
                  service("web", ports=H2C_PORT, ns="apps"), slice_("web", ns="apps")],
    http_yaml=[http_route()]),
    ["GM0075 GRPCRoute apps/greeter"])
case("gm0076-gatewayapi-istio-gateway-merged", gwapi_base(
    legacy_yaml=[deployed_service(),
                 gateway("legacy", servers=[HTTP_SERVER], selector=LEGACY_SELECTOR, ns="apps"),
                 vs("legacy", hosts=["api.example.org"], gateways=["legacy"], ns="apps")]),
    ["GM0076 Gateway apps/legacy"])
case("gm0077-gatewayapi-istio-gateway-tls-clash", gwapi_base(
    legacy_yaml=[deployed_service(),
                 gateway("legacy", servers=[https_server(["api.example.org"], "api-cert")], selector=LEGACY_SELECTOR,
                         ns="apps"),
                 vs("legacy", hosts=["api.example.org"], gateways=["legacy"], ns="apps")]),
    ["GM0077 Gateway apps/legacy"])

def to_yaml(objects):
    # JSON is YAML; one document per object keeps line numbers meaningful.
    return "".join("---\n" + json.dumps(o, indent=2) + "\n" for o in objects)


def main(names):
    """Rewrites every case, or only the cases named (keeping the others' certificates as they are)."""
    unknown = [n for n in names if n not in CASES]
    if unknown:
        sys.exit("unknown case: " + ", ".join(unknown))
    for entry in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, entry)) and (not names or entry in names):
            shutil.rmtree(os.path.join(HERE, entry))
    for name, (files, expected) in CASES.items():
        if names and name not in names:
            continue
        d = os.path.join(HERE, name)
        os.makedirs(d)
        for fname, objects in files.items():
            if objects:
                with open(os.path.join(d, fname), "w") as f:
                    f.write(to_yaml(objects))
        with open(os.path.join(d, "expected"), "w") as f:
            f.write("".join(line + "\n" for line in sorted(expected)))


if __name__ == "__main__":
    main(sys.argv[1:])
