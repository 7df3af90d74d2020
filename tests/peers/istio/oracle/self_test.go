// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"testing"
)

// The oracle's own tests: known snapshots in testdata/ and what Istio's
// generator must make of them. They run as `istio-oracle -test.run=TestSelf`.

func selfScenario(t *testing.T, files []string, calls ...call) scenarioResult {
	t.Helper()
	res := runScenario(t, scenario{Name: t.Name(), Files: files, Calls: calls})
	if res.Error != "" {
		t.Fatalf("scenario failed: %s", res.Error)
	}
	return res
}

func grpcCall(name string, port int, tls bool, authority, path string) call {
	c := call{Name: name, Port: port, Authority: authority, Path: path,
		Headers: map[string]string{"content-type": "application/grpc", "te": "trailers"}}
	if tls {
		c.TLS = "tls"
		c.ALPN = "h2"
	}
	return c
}

func TestSelfGrpcReachesHTTP2Backend(t *testing.T) {
	res := selfScenario(t, []string{"testdata/base.yaml"},
		grpcCall("tls", 443, true, "grpc.example.com", "/helloworld.Greeter/SayHello"),
		grpcCall("h2c", 80, false, "grpc.example.com", "/helloworld.Greeter/SayHello"))
	if len(res.Gateways) != 1 || !res.Gateways[0].Pod || res.Gateways[0].ID != "istio-ingressgateway-7d4f8.istio-system" {
		t.Fatalf("gateway workloads: %+v", res.Gateways)
	}
	for _, c := range res.Calls {
		if c.Error != "" {
			t.Fatalf("%s: %s (%+v)", c.Name, c.Error, c)
		}
		if c.Cluster != "outbound|50051||greeter.apps.svc.cluster.local" || !c.ClusterFound {
			t.Errorf("%s: cluster %q found=%v", c.Name, c.Cluster, c.ClusterFound)
		}
		if c.UpstreamProtocol != "HTTP2" {
			t.Errorf("%s: upstream %q, want HTTP2 for a port named grpc", c.Name, c.UpstreamProtocol)
		}
		if c.TimeoutMs == nil || *c.TimeoutMs != 0 {
			t.Errorf("%s: route timeout %v, want 0 (disabled) when the route sets none", c.Name, c.TimeoutMs)
		}
		if c.Endpoints != 1 {
			t.Errorf("%s: %d endpoints, want 1", c.Name, c.Endpoints)
		}
	}
	// Service port 443 is the pod's 8443: the load balancer translates.
	if res.Calls[0].ListenPort != 8443 || res.Calls[1].ListenPort != 8080 {
		t.Errorf("listen ports %d, %d; want 8443, 8080", res.Calls[0].ListenPort, res.Calls[1].ListenPort)
	}
}

func TestSelfFailures(t *testing.T) {
	res := selfScenario(t, []string{"testdata/base.yaml"},
		grpcCall("unknown host", 443, true, "other.example.com", "/helloworld.Greeter/SayHello"),
		grpcCall("unrouted service", 443, true, "grpc.example.com", "/other.Service/Call"),
		grpcCall("port not exposed", 8443, true, "grpc.example.com", "/helloworld.Greeter/SayHello"),
		grpcCall("http1 backend", 443, true, "grpc.example.com", "/legacy.Service/Call"))
	want := map[string]string{
		"unknown host":     "no filter chain",
		"unrouted service": "no route",
		"port not exposed": "port not exposed",
	}
	for _, c := range res.Calls {
		if w, ok := want[c.Name]; ok && c.Error != w {
			t.Errorf("%s: error %q, want %q", c.Name, c.Error, w)
		}
	}
	legacy := res.Calls[3]
	if legacy.Error != "" || legacy.UpstreamProtocol != "HTTP11" {
		t.Errorf("legacy: error %q upstream %q; want the route to reach an HTTP/1.1 cluster", legacy.Error, legacy.UpstreamProtocol)
	}
	if legacy.TimeoutMs == nil || *legacy.TimeoutMs != 15000 {
		t.Errorf("legacy: timeout %v, want 15000", legacy.TimeoutMs)
	}
}

func TestSelfCorsAndGrpcWeb(t *testing.T) {
	preflight := call{Name: "preflight", Port: 443, TLS: "tls", ALPN: "h2", Authority: "grpc.example.com",
		Method: "OPTIONS", Path: "/helloworld.Greeter/SayHello",
		Headers: map[string]string{"origin": "https://app.example.com", "access-control-request-method": "POST"}}
	other := preflight
	other.Name = "other origin"
	other.Headers = map[string]string{"origin": "https://evil.example.com", "access-control-request-method": "POST"}
	web := call{Name: "grpc-web", Port: 443, TLS: "tls", ALPN: "h2", Authority: "grpc.example.com",
		Path: "/helloworld.Greeter/SayHello", Headers: map[string]string{"content-type": "application/grpc-web+proto"}}

	without := selfScenario(t, []string{"testdata/base.yaml"}, web)
	if hasFilter(without.Calls[0].HTTPFilters, "envoy.filters.http.grpc_web") {
		t.Errorf("an HTTPS server got grpc_web without an EnvoyFilter: %v", without.Calls[0].HTTPFilters)
	}

	res := selfScenario(t, []string{"testdata/base.yaml", "testdata/grpc-web.yaml"}, preflight, other, web)
	p, o, w := res.Calls[0], res.Calls[1], res.Calls[2]
	if p.CORS == nil || !p.CORS.Preflight || !p.CORS.OriginAllowed {
		t.Errorf("preflight: %+v", p.CORS)
	}
	if o.CORS == nil || o.CORS.OriginAllowed {
		t.Errorf("another origin: %+v", o.CORS)
	}
	filters := w.HTTPFilters
	webAt, routerAt := -1, -1
	for i, f := range filters {
		switch f {
		case "envoy.filters.http.grpc_web":
			webAt = i
		case "envoy.filters.http.router":
			routerAt = i
		}
	}
	if webAt < 0 || routerAt < 0 || webAt > routerAt {
		t.Errorf("grpc_web must come before the router: %v", filters)
	}
}

func TestSelfInvalidObjectsAreReported(t *testing.T) {
	res := selfScenario(t, []string{"testdata/base.yaml", "testdata/invalid.yaml"})
	if len(res.Invalid) != 1 || res.Invalid[0].Name != "zero-timeout" {
		t.Fatalf("invalid: %+v", res.Invalid)
	}
}

func TestSelfWithoutPodsUsesTheService(t *testing.T) {
	// The same install without the Pod and its EndpointSlice: the workload
	// is found through the Service, and its ports still translate.
	res := selfScenario(t, []string{"testdata/no-pods.yaml"},
		grpcCall("tls", 443, true, "grpc.example.com", "/helloworld.Greeter/SayHello"))
	if len(res.Gateways) != 1 || res.Gateways[0].Pod {
		t.Fatalf("gateways: %+v", res.Gateways)
	}
	if c := res.Calls[0]; c.Error != "" || c.UpstreamProtocol != "HTTP2" {
		t.Errorf("tls: %+v", c)
	}
}

func TestSelfPassthroughProxiesTLS(t *testing.T) {
	res := selfScenario(t, []string{"testdata/base.yaml", "testdata/passthrough.yaml"},
		grpcCall("passthrough", 443, true, "secure.example.com", "/helloworld.Greeter/SayHello"),
		grpcCall("terminated", 443, true, "grpc.example.com", "/helloworld.Greeter/SayHello"))
	pt, term := res.Calls[0], res.Calls[1]
	if pt.Error != "" || !pt.TCPProxy || pt.UpstreamProtocol != "OPAQUE" {
		t.Fatalf("passthrough: error %q tcpProxy %v upstream %q; want a TCP proxy", pt.Error, pt.TCPProxy, pt.UpstreamProtocol)
	}
	if pt.Cluster != "outbound|50051||greeter.apps.svc.cluster.local" || !pt.ClusterFound || pt.Endpoints != 1 {
		t.Errorf("passthrough: cluster %q found=%v endpoints %d", pt.Cluster, pt.ClusterFound, pt.Endpoints)
	}
	if pt.Route != "" || len(pt.HTTPFilters) != 0 {
		t.Errorf("passthrough: route %q filters %v; no HTTP applies", pt.Route, pt.HTTPFilters)
	}
	if term.Error != "" || term.TCPProxy || term.UpstreamProtocol != "HTTP2" {
		t.Errorf("terminated host on the same port: error %q tcpProxy %v upstream %q", term.Error, term.TCPProxy, term.UpstreamProtocol)
	}
}

// VirtualServices merged on a gateway: the older one's rules come first
// (pilot/pkg/model sortConfigByCreationTime: time, then name), but every
// catch-all route (prefix "/", no header or query match) is moved behind the
// others (pilot/pkg/networking/core/gateway.go, route.SortVHostRoutes). So an
// older catch-all does not shadow a later VirtualService's service, while an
// older overlapping prefix does.
func TestSelfMergedVirtualServicesOrder(t *testing.T) {
	greeter := "outbound|50051||greeter.apps.svc.cluster.local"
	legacy := "outbound|8080||legacy.apps.svc.cluster.local"
	res := selfScenario(t, []string{"testdata/base.yaml", "testdata/older-catchall.yaml"},
		grpcCall("service", 443, true, "grpc.example.com", "/helloworld.Greeter/SayHello"),
		grpcCall("other", 443, true, "grpc.example.com", "/other.Service/Call"))
	if c := res.Calls[0]; c.Error != "" || c.Cluster != greeter {
		t.Errorf("older catch-all: /helloworld.Greeter/ went to %q (error %q), want %q", c.Cluster, c.Error, greeter)
	}
	if c := res.Calls[1]; c.Error != "" || c.Cluster != legacy {
		t.Errorf("older catch-all: an unrouted service went to %q (error %q), want the catch-all's %q", c.Cluster, c.Error, legacy)
	}
	res = selfScenario(t, []string{"testdata/base.yaml", "testdata/older-prefix.yaml"},
		grpcCall("service", 443, true, "grpc.example.com", "/helloworld.Greeter/SayHello"))
	if c := res.Calls[0]; c.Error != "" || c.Cluster != legacy {
		t.Errorf("older overlapping prefix: /helloworld.Greeter/ went to %q (error %q), want the older rule's %q", c.Cluster, c.Error, legacy)
	}
}
