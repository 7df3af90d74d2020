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
// filter answers the browser's preflight with that policy.
func TestSelfGatewayAPIHTTPRouteTimeoutAndCORS(t *testing.T) {
	preflight := call{Name: "preflight", Port: 80, Authority: "grpc.example.com", Method: "OPTIONS",
		Path: "/h2c.Svc/M", Protocol: "http", Headers: map[string]string{
			"origin": "https://app.example.com", "access-control-request-method": "POST"}}
	res := selfScenario(t, gwapiFiles("http-route.yaml"),
		grpcCall("timed", 80, false, "grpc.example.com", "/timed.Svc/M"), preflight)
	timed, pf := res.Calls[0], res.Calls[1]
	if timed.Error != "" || timed.TimeoutMs == nil || *timed.TimeoutMs != 10000 {
		t.Errorf("timeouts.request 10s: %s", dump(timed))
	}
	if pf.Error != "" || pf.Route != "apps.web.1" || pf.CORS == nil || !pf.CORS.Preflight || !pf.CORS.OriginAllowed ||
		pf.TimeoutMs == nil || *pf.TimeoutMs != 0 {
		t.Errorf("preflight: %s", dump(pf))
	}
}
