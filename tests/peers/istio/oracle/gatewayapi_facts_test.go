// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"encoding/json"
	"testing"
)

// What Istio's generator does with Gateway API objects, proven on the
// snapshots of testdata/gatewayapi (run with the oracle's own tests,
// -test.run=TestSelf).

func gwapiFiles(extra ...string) []string {
	out := []string{"testdata/gatewayapi/base.yaml"}
	for _, e := range extra {
		out = append(out, "testdata/gatewayapi/"+e)
	}
	return out
}

func dump(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// The gateway workload of a Gateway of class istio that the files do not
// deploy is the one istiod's deployment controller would run: a pod behind
// the Service gw-istio, selected by gateway.networking.k8s.io/gateway-name,
// with a listener on each of the Gateway's listener ports (no translation:
// the Service's targetPort is the port).
func TestSelfGatewayAPIDeployedGateway(t *testing.T) {
	res := selfScenario(t, gwapiFiles(),
		grpcCall("h2c", 80, false, "grpc.example.com", "/h2c.Svc/M"),
		grpcCall("tls", 443, true, "grpc.example.com", "/h2c.Svc/M"))
	if len(res.Gateways) != 1 || res.Gateways[0].ID != "gw-istio-oracle.apps" ||
		res.Gateways[0].Labels[gatewayNameLabel] != "gw" {
		t.Fatalf("gateway workloads: %s", dump(res.Gateways))
	}
	for _, c := range res.Calls {
		want := map[string]string{"h2c": "0.0.0.0_80", "tls": "0.0.0.0_443"}[c.Name]
		if c.Listener != want || c.ListenPort != map[string]int{"h2c": 80, "tls": 443}[c.Name] {
			t.Errorf("%s: listener %q on port %d, want %s: %s", c.Name, c.Listener, c.ListenPort, want, dump(c))
		}
	}
}

// An HTTPRoute rule's timeouts.request is the route's timeout (a route
// without one has none), and an HTTPRoute rule for OPTIONS with the CORS
// filter answers the browser's preflight with that policy, for a service no
// GRPCRoute routes. For one a GRPCRoute routes ({service: h2c.Svc}) the
// preflight never reaches it: Istio merges the host's HTTPRoute and
// GRPCRoute rules and orders them by path length
// (pilot/pkg/config/kube/gateway sortHTTPRoutes), the GRPCRoute's prefix
// /h2c.Svc/ is one longer than the HTTPRoute's (PathPrefix drops the last
// slash), and the GRPCRoute's rule matches any method: the preflight goes to
// the backend without CORS.
func TestSelfGatewayAPIHTTPRouteTimeoutAndCORS(t *testing.T) {
	preflight := func(name, path string) call {
		return call{Name: name, Port: 80, Authority: "grpc.example.com", Method: "OPTIONS",
			Path: path, Protocol: "http", Headers: map[string]string{
				"origin": "https://app.example.com", "access-control-request-method": "POST"}}
	}
	res := selfScenario(t, gwapiFiles("http-route.yaml"),
		grpcCall("timed", 80, false, "grpc.example.com", "/timed.Svc/M"),
		preflight("preflight", "/web.Svc/M"),
		preflight("shadowed preflight", "/h2c.Svc/M"))
	timed, pf, shadowed := res.Calls[0], res.Calls[1], res.Calls[2]
	if timed.Error != "" || timed.TimeoutMs == nil || *timed.TimeoutMs != 10000 {
		t.Errorf("timeouts.request 10s: %s", dump(timed))
	}
	if pf.Error != "" || pf.Route != "apps.web.1" || pf.CORS == nil || !pf.CORS.Preflight || !pf.CORS.OriginAllowed ||
		pf.TimeoutMs == nil || *pf.TimeoutMs != 0 {
		t.Errorf("preflight: %s", dump(pf))
	}
	if shadowed.Error != "" || shadowed.Route != "apps.greeter.0" || shadowed.CORS != nil ||
		shadowed.Cluster != "outbound|50051||h2c.apps.svc.cluster.local" {
		t.Errorf("preflight of a service a GRPCRoute routes: want the GRPCRoute's route, without CORS: %s", dump(shadowed))
	}
}

// A GRPCRoute's method matches route gRPC calls as an HTTPRoute's path
// matches would: {service: S} every method of S (the path prefix /S/),
// {service: S, method: M} that method alone (the exact path /S/M), both on
// the HTTP and the HTTPS listener. The cluster speaks HTTP/2 when the Service
// port says so (appProtocol kubernetes.io/h2c or grpc, or a grpc- name) and
// HTTP/1.1 otherwise. Other services, other methods and a longer service
// name find no route.
func TestSelfGatewayAPIGRPCRoute(t *testing.T) {
	const host = "grpc.example.com"
	res := selfScenario(t, gwapiFiles("grpc-method.yaml"),
		grpcCall("h2c", 80, false, host, "/h2c.Svc/M"),
		grpcCall("h2c over tls", 443, true, host, "/h2c.Svc/M"),
		grpcCall("grpc-app", 80, false, host, "/grpcapp.Svc/M"),
		grpcCall("grpc-name", 80, false, host, "/grpcname.Svc/M"),
		grpcCall("plain", 80, false, host, "/plain.Svc/M"),
		grpcCall("http", 80, false, host, "/http.Svc/M"),
		grpcCall("method", 443, true, host, "/method.Svc/Get"),
		grpcCall("other method", 443, true, host, "/method.Svc/Put"),
		grpcCall("other service", 443, true, host, "/other.Svc/M"),
		grpcCall("longer service name", 443, true, host, "/h2c.SvcX/M"))
	cluster := func(svc string) string { return "outbound|50051||" + svc + ".apps.svc.cluster.local" }
	want := map[string]struct {
		cluster, upstream string
	}{
		"h2c":          {cluster("h2c"), "HTTP2"},
		"h2c over tls": {cluster("h2c"), "HTTP2"},
		"grpc-app":     {cluster("grpc-app"), "HTTP2"},
		"grpc-name":    {cluster("grpc-name"), "HTTP2"},
		"plain":        {cluster("plain"), "HTTP11"},
		"http":         {cluster("http"), "HTTP11"},
		"method":       {cluster("h2c"), "HTTP2"},
	}
	for _, c := range res.Calls {
		w, routed := want[c.Name]
		if !routed {
			if c.Error != "no route" {
				t.Errorf("%s: error %q, want no route: %s", c.Name, c.Error, dump(c))
			}
			continue
		}
		if c.Error != "" || c.Cluster != w.cluster || !c.ClusterFound || c.UpstreamProtocol != w.upstream {
			t.Errorf("%s: want %s over %s: %s", c.Name, w.cluster, w.upstream, dump(c))
		}
		if c.TimeoutMs == nil || *c.TimeoutMs != 0 {
			t.Errorf("%s: route timeout %v, want 0 (a GRPCRoute has no timeouts field)", c.Name, c.TimeoutMs)
		}
	}
}

// What governs streams through a GRPCRoute: its routes have no timeout (0,
// disabled), Istio's default retry policy (2 retries on
// connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes)
// and no stream idle timeout at the gateway's connection manager; a
// DestinationRule for the backend Service sets the connection pool of the
// cluster the route sends to, as with Istio's own API.
func TestSelfGatewayAPIStreams(t *testing.T) {
	h2c := grpcCall("h2c", 443, true, "grpc.example.com", "/h2c.Svc/M")
	without := selfScenario(t, gwapiFiles(), h2c).Calls[0]
	with := selfScenario(t, gwapiFiles("destination-rule.yaml"), h2c).Calls[0]
	for _, c := range []callResult{without, with} {
		if c.Error != "" || c.Route != "apps.greeter.0" || c.TimeoutMs == nil || *c.TimeoutMs != 0 {
			t.Errorf("route timeout: %s", dump(c))
		}
		if c.Retry == nil || c.Retry.NumRetries != 2 ||
			c.Retry.RetryOn != "connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes" {
			t.Errorf("retries: %s", dump(c))
		}
		if c.StreamIdleTimeoutMs == nil || *c.StreamIdleTimeoutMs != 0 {
			t.Errorf("stream idle timeout: %s", dump(c))
		}
	}
	if without.TCPKeepalive || without.ClusterIdleTimeoutMs != nil {
		t.Errorf("no DestinationRule: %s", dump(without))
	}
	if !with.TCPKeepalive || with.ClusterIdleTimeoutMs == nil || *with.ClusterIdleTimeoutMs != 24*3600*1000 {
		t.Errorf("DestinationRule idleTimeout 24h and tcpKeepalive: %s", dump(with))
	}
}

// gRPC-Web through a GRPCRoute: Istio puts no grpc_web filter on a Gateway
// API listener, and a GRPCRoute has no CORS, so the browser's calls and its
// preflight reach the backend as they are. The two EnvoyFilters `web --api
// gateway-api` writes (testdata/gatewayapi/web-envoyfilters.yaml), selecting
// the deployed pods by gateway.networking.k8s.io/gateway-name, put grpc_web
// first in the chain of both listeners and the CORS policy on the host's
// virtual hosts, which the GRPCRoute's routes inherit: the cors filter
// answers the preflight and allows the origin on the calls, which still
// reach the HTTP/2 backend.
func TestSelfGatewayAPIWebEnvoyFilters(t *testing.T) {
	web := grpcCall("grpc-web", 443, true, "grpc.example.com", "/h2c.Svc/M")
	web.Headers = map[string]string{"content-type": "application/grpc-web+proto", "origin": "https://app.example.com"}
	preflight := call{Name: "preflight", Port: 80, Authority: "grpc.example.com", Method: "OPTIONS",
		Path: "/h2c.Svc/M", Protocol: "http", Headers: map[string]string{
			"origin": "https://app.example.com", "access-control-request-method": "POST"}}
	other := preflight
	other.Name = "other origin"
	other.Headers = map[string]string{"origin": "https://evil.example.com", "access-control-request-method": "POST"}
	grpc := grpcCall("grpc", 443, true, "grpc.example.com", "/h2c.Svc/M")

	before := selfScenario(t, gwapiFiles(), web, preflight)
	for _, c := range before.Calls {
		if c.Error != "" || hasFilter(c.HTTPFilters, "envoy.filters.http.grpc_web") || c.CORS != nil {
			t.Errorf("%s without the EnvoyFilters: want no grpc_web and no CORS: %s", c.Name, dump(c))
		}
	}
	res := selfScenario(t, gwapiFiles("web-envoyfilters.yaml"), web, preflight, other, grpc)
	w, p, o, g := res.Calls[0], res.Calls[1], res.Calls[2], res.Calls[3]
	for _, c := range []callResult{w, p} {
		if c.Error != "" || len(c.HTTPFilters) == 0 || c.HTTPFilters[0] != "envoy.filters.http.grpc_web" ||
			c.Cluster != "outbound|50051||h2c.apps.svc.cluster.local" || c.UpstreamProtocol != "HTTP2" {
			t.Errorf("%s: want grpc_web first and the HTTP/2 backend: %s", c.Name, dump(c))
		}
	}
	if w.CORS == nil || !w.CORS.OriginAllowed || w.CORS.Preflight {
		t.Errorf("grpc-web call: want the origin allowed: %s", dump(w))
	}
	if p.CORS == nil || !p.CORS.Preflight || !p.CORS.OriginAllowed || p.CORS.AllowMethods != "POST,OPTIONS" {
		t.Errorf("preflight: want it answered: %s", dump(p))
	}
	if o.CORS == nil || o.CORS.OriginAllowed {
		t.Errorf("another origin: want it refused: %s", dump(o))
	}
	if g.Error != "" || g.UpstreamProtocol != "HTTP2" {
		t.Errorf("gRPC: %s", dump(g))
	}
}
