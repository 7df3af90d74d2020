// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

// Package oracle runs Istio's own config generator (pilot/test/xds) and
// traffic simulation (pilot/pkg/simulation) over a snapshot of manifest
// files and answers calls made to the ingress gateway: which listener, filter
// chain, virtual host, route and cluster a call reaches, how the cluster
// speaks upstream, the route's timeouts and retries, the CORS policy a
// request meets and the HTTP filters on the way, or why the call fails.
//
// It is a test binary because the simulation needs a *testing.T. Build it
// with `go test -c`, then:
//
//	istio-oracle -test.run=TestOracle -batch=scenarios.json -out=results.json
//
// scenarios.json: [{"name", "files": [paths], "namespace", "calls": [call]}]
// (or one scenario with -snapshot=a,b -calls=calls.json). See call below.
package oracle

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/pkg/simulation"
	"istio.io/istio/pilot/test/xds"
	istiolog "istio.io/istio/pkg/log"
)

var (
	batchFlag     = flag.String("batch", "", "JSON file of scenarios")
	snapshotFlag  = flag.String("snapshot", "", "comma-separated manifest files or directories (one scenario)")
	namespaceFlag = flag.String("namespace", "default", "namespace of objects that name none")
	callsFlag     = flag.String("calls", "", "JSON file of calls (with -snapshot)")
	outFlag       = flag.String("out", "", "where to write the results (JSON); default stdout")
)

// call is one request a client makes to the gateway's load balancer.
type call struct {
	Name string `json:"name"`
	// Port on the load balancer (the gateway Service port, or the Gateway
	// server port when no Service is known).
	Port int `json:"port"`
	// "plaintext" (default) or "tls"; SNI defaults to the authority.
	TLS  string `json:"tls,omitempty"`
	SNI  string `json:"sni,omitempty"`
	ALPN string `json:"alpn,omitempty"`
	// "http2" (default) or "http" (HTTP/1.1).
	Protocol  string            `json:"protocol,omitempty"`
	Authority string            `json:"authority"`
	Method    string            `json:"method,omitempty"` // default POST
	Path      string            `json:"path"`
	Headers   map[string]string `json:"headers,omitempty"`
	// The gateway workload to send it to (its id); default: every one,
	// keeping the first that routes the call.
	Gateway string `json:"gateway,omitempty"`
}

type scenario struct {
	Name      string   `json:"name"`
	Files     []string `json:"files"`
	Namespace string   `json:"namespace,omitempty"`
	Calls     []call   `json:"calls"`
}

type scenarioResult struct {
	Name     string            `json:"name"`
	Error    string            `json:"error,omitempty"` // the snapshot could not be read or generated
	Invalid  []invalidObject   `json:"invalid"`
	Ignored  []string          `json:"ignored"`
	Gateways []gatewayWorkload `json:"gateways"`
	Calls    []callResult      `json:"calls"`
}

func TestMain(m *testing.M) {
	flag.Parse()
	for _, s := range istiolog.Scopes() {
		s.SetOutputLevel(istiolog.NoneLevel)
	}
	os.Exit(m.Run())
}

// proxyVersion is the Istio release the module builds (from istio.io/api's
// version), so version-gated features are those of the pinned release.
func proxyVersion() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "istio.io/api" {
				v := strings.TrimPrefix(d.Version, "v")
				if i := strings.IndexAny(v, "-+"); i >= 0 {
					v = v[:i]
				}
				return v
			}
		}
	}
	return "1.31.0"
}

func readScenarios() ([]scenario, error) {
	if *batchFlag != "" {
		data, err := os.ReadFile(*batchFlag)
		if err != nil {
			return nil, err
		}
		var out []scenario
		if err := json.Unmarshal(data, &out); err != nil {
			return nil, fmt.Errorf("%s: %v", *batchFlag, err)
		}
		return out, nil
	}
	if *snapshotFlag == "" {
		return nil, errors.New("give -batch FILE, or -snapshot PATHS with -calls FILE")
	}
	sc := scenario{Name: "snapshot", Files: strings.Split(*snapshotFlag, ","), Namespace: *namespaceFlag}
	if *callsFlag != "" {
		data, err := os.ReadFile(*callsFlag)
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &sc.Calls); err != nil {
			return nil, fmt.Errorf("%s: %v", *callsFlag, err)
		}
	}
	return []scenario{sc}, nil
}

// TestOracle answers the scenarios given on the command line. Without any,
// it is skipped, so a plain `go test` runs only the oracle's own tests.
func TestOracle(t *testing.T) {
	if *batchFlag == "" && *snapshotFlag == "" {
		t.Skip("no -batch or -snapshot given")
	}
	scenarios, err := readScenarios()
	if err != nil {
		t.Fatal(err)
	}
	results := make([]scenarioResult, 0, len(scenarios))
	for _, sc := range scenarios {
		results = append(results, runScenario(t, sc))
	}
	if *batchFlag != "" {
		writeOut(t, results)
	} else {
		writeOut(t, results[0])
	}
}

// readJSON reads the JSON file a mode's flag names into v.
func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// writeOut writes v as indented JSON to -out, or to stdout without it.
func writeOut(t *testing.T, v any) {
	t.Helper()
	out, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, '\n')
	if *outFlag == "" {
		os.Stdout.Write(out)
		return
	}
	if err := os.WriteFile(*outFlag, out, 0o644); err != nil {
		t.Fatal(err)
	}
}

// runScenario builds the gateway configuration for one snapshot and runs its
// calls. A failure to read or generate is the scenario's error, not the
// test's, so one bad snapshot does not hide the others' answers.
func runScenario(t *testing.T, sc scenario) (res scenarioResult) {
	res = scenarioResult{Name: sc.Name, Invalid: []invalidObject{}, Ignored: []string{}, Calls: []callResult{}}
	ns := sc.Namespace
	if ns == "" {
		ns = "default"
	}
	snap, err := loadSnapshot(sc.Files, ns)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	res.Invalid = append(res.Invalid, snap.invalid...)
	res.Ignored = append(res.Ignored, snap.ignored...)
	res.Gateways = gatewayWorkloads(snap)
	ok := t.Run(sanitize(sc.Name), func(t *testing.T) {
		s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{
			KubernetesObjects:  snap.kube,
			Configs:            snap.configs,
			KubeClientModifier: annotateGatewayAPICRDs,
		})
		gws := make([]*gatewaySim, 0, len(res.Gateways))
		for _, w := range res.Gateways {
			gws = append(gws, newGatewaySim(t, s, w))
		}
		for _, c := range sc.Calls {
			res.Calls = append(res.Calls, runCall(gws, c))
		}
	})
	if !ok && res.Error == "" {
		res.Error = "Istio's config generator failed on this snapshot (run with -test.v for its log)"
	}
	return res
}

func sanitize(name string) string {
	if name == "" {
		return "scenario"
	}
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' {
			return '_'
		}
		return r
	}, name)
}

// gatewaySim is the generated configuration of one gateway workload.
type gatewaySim struct {
	w         gatewayWorkload
	proxy     *model.Proxy
	sim       *simulation.Simulation
	endpoints map[string]int // cluster -> endpoints in its load assignment
}

func newGatewaySim(t *testing.T, s *xds.FakeDiscoveryServer, w gatewayWorkload) *gatewaySim {
	p := &model.Proxy{
		Type:            model.Router,
		ID:              w.ID,
		ConfigNamespace: w.Namespace,
		Labels:          w.Labels,
		Metadata: &model.NodeMetadata{
			Labels:       w.Labels,
			Namespace:    w.Namespace,
			IstioVersion: proxyVersion(),
		},
	}
	if w.IP != "" {
		p.IPAddresses = []string{w.IP}
	}
	p = s.SetupProxy(p)
	g := &gatewaySim{w: w, proxy: p, sim: simulation.NewSimulation(t, s, p), endpoints: map[string]int{}}
	for _, cla := range s.Endpoints(p) {
		n := 0
		for _, l := range cla.GetEndpoints() {
			n += len(l.GetLbEndpoints())
		}
		g.endpoints[cla.GetClusterName()] = n
	}
	// What the load balancer forwards each port to, as the proxy sees it.
	if len(p.ServiceTargets) > 0 {
		g.w.ports = map[int]int{}
		for _, st := range p.ServiceTargets {
			if _, seen := g.w.ports[st.Port.Port]; !seen {
				g.w.ports[st.Port.Port] = int(st.Port.TargetPort)
			}
		}
	}
	return g
}
