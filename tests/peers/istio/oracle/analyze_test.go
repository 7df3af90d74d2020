// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pkg/config/analysis/analyzers"
	"istio.io/istio/pkg/config/analysis/diag"
	"istio.io/istio/pkg/config/analysis/local"
)

// Istio's analyzers (what `istioctl analyze` runs) over the same files:
//
//	istio-oracle -test.run=TestAnalyze -analyze=cases.json -out=messages.json
//
// cases.json: [{"name", "files": [paths], "namespace"}].
// The answer: [{"name", "error", "messages": [{"code", "level", "kind",
// "namespace", "name", "text"}]}], messages sorted by code, kind, namespace,
// name and text.
var analyzeFlag = flag.String("analyze", "", "JSON file of analysis cases: run Istio's analyzers on each")

type analyzeCase struct {
	Name      string   `json:"name"`
	Files     []string `json:"files"`
	Namespace string   `json:"namespace,omitempty"`
}

type analyzeMessage struct {
	Code      string `json:"code"`
	Level     string `json:"level"`
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Text      string `json:"text"`
}

type analyzeResult struct {
	Name     string           `json:"name"`
	Error    string           `json:"error,omitempty"`
	Messages []analyzeMessage `json:"messages"`
}

// TestAnalyze runs Istio's analyzers on the cases given with -analyze.
// Without it, it is skipped.
func TestAnalyze(t *testing.T) {
	if *analyzeFlag == "" {
		t.Skip("no -analyze given")
	}
	var cases []analyzeCase
	readJSON(t, *analyzeFlag, &cases)
	results := make([]analyzeResult, 0, len(cases))
	for _, c := range cases {
		results = append(results, analyzeCaseFiles(c))
	}
	writeOut(t, results)
}

// analyzeCaseFiles analyses one case as Istio sees a live cluster holding
// the files' objects. Istio's analyzer tests (analyzers_test.go,
// setupAnalyzerForCase) read their input through AddTestReaderKubeSource,
// which keeps the runtime kinds (Pods, Services, Secrets, Namespaces,
// ConfigMaps, ...) that `istioctl analyze -f` without a cluster drops; this
// does the same. Objects without a namespace are put in the case's
// namespace first, as `kubectl apply` and `check -f` do, and no namespace
// filter is set, so every namespace's messages are kept. Nothing is added:
// the dummy ingress gateway that AddDefaultResources adds (as istioctl does
// for files) is for the caller to pass as a file, so the other side of a
// comparison reads it too.
func analyzeCaseFiles(c analyzeCase) (res analyzeResult) {
	res = analyzeResult{Name: c.Name, Messages: []analyzeMessage{}}
	ns := c.Namespace
	if ns == "" {
		ns = "default"
	}
	files, err := manifestFiles(c.Files)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	readers := make([]local.ReaderSource, 0, len(files))
	for _, f := range files {
		text, err := namespacedManifest(f, ns)
		if err != nil {
			res.Error = err.Error()
			return res
		}
		readers = append(readers, local.ReaderSource{Name: f, Reader: strings.NewReader(text)})
	}
	sa := local.NewSourceAnalyzer(analyzers.AllCombined(), "", "istio-system", nil)
	if err := sa.AddTestReaderKubeSource(readers); err != nil {
		res.Error = err.Error()
		return res
	}
	cancel := make(chan struct{})
	defer close(cancel)
	result, err := sa.Analyze(cancel)
	if err != nil {
		res.Error = err.Error()
		return res
	}
	for _, m := range result.Messages {
		res.Messages = append(res.Messages, toAnalyzeMessage(m))
	}
	sort.Slice(res.Messages, func(i, j int) bool {
		a, b := res.Messages[i], res.Messages[j]
		if a.Code != b.Code {
			return a.Code < b.Code
		}
		if a.Kind != b.Kind {
			return a.Kind < b.Kind
		}
		if a.Namespace != b.Namespace {
			return a.Namespace < b.Namespace
		}
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		return a.Text < b.Text
	})
	return res
}

func toAnalyzeMessage(m diag.Message) analyzeMessage {
	out := analyzeMessage{
		Code:  m.Type.Code(),
		Level: m.Type.Level().String(),
		Text:  fmt.Sprintf(m.Type.Template(), m.Parameters...),
	}
	if m.Resource != nil {
		out.Kind = m.Resource.Metadata.Schema.Kind()
		out.Namespace = m.Resource.Metadata.FullName.Namespace.String()
		out.Name = m.Resource.Metadata.FullName.Name.String()
	}
	return out
}

// apiServerDefaults sets the defaults the API server gives the fields Istio's
// analyzers read, so they see what a live cluster holds: a Service port
// without protocol is TCP and without targetPort targets its own port
// (SetDefaults_Service in k8s.io/kubernetes pkg/apis/core/v1/defaults.go), a
// container or EndpointSlice port without protocol is TCP
// (SetDefaults_ContainerPort there, SetDefaults_EndpointPort in
// pkg/apis/discovery/v1/defaults.go). IngressGatewayPortAnalyzer only counts
// Service ports whose protocol is "TCP", so without this every port of a
// manifest that leaves protocol out would be missing (IST0162).
func apiServerDefaults(u *unstructured.Unstructured) {
	defaultPorts := func(ports []any, targetPort bool) {
		for _, p := range ports {
			port, ok := p.(map[string]any)
			if !ok {
				continue
			}
			if s, _ := port["protocol"].(string); s == "" {
				port["protocol"] = "TCP"
			}
			if targetPort {
				switch tp := port["targetPort"].(type) {
				case nil:
					port["targetPort"] = port["port"]
				case string:
					if tp == "" {
						port["targetPort"] = port["port"]
					}
				case int64:
					if tp == 0 {
						port["targetPort"] = port["port"]
					}
				case float64:
					if tp == 0 {
						port["targetPort"] = port["port"]
					}
				}
			}
		}
	}
	switch u.GroupVersionKind().GroupKind().String() {
	case "Service":
		if t, _, _ := unstructured.NestedString(u.Object, "spec", "type"); t == "" {
			_ = unstructured.SetNestedField(u.Object, "ClusterIP", "spec", "type")
		}
		if spec, ok := u.Object["spec"].(map[string]any); ok {
			if ports, ok := spec["ports"].([]any); ok {
				defaultPorts(ports, true)
			}
		}
	case "Pod":
		if spec, ok := u.Object["spec"].(map[string]any); ok {
			for _, field := range []string{"initContainers", "containers"} {
				containers, _ := spec[field].([]any)
				for _, c := range containers {
					if cm, ok := c.(map[string]any); ok {
						if ports, ok := cm["ports"].([]any); ok {
							defaultPorts(ports, false)
						}
					}
				}
			}
		}
	case "EndpointSlice.discovery.k8s.io":
		if ports, ok := u.Object["ports"].([]any); ok {
			defaultPorts(ports, false)
		}
	}
}

// namespacedManifest is the file's objects (Lists expanded) as one YAML
// stream, each namespaced object without a namespace put in ns, with the
// API server's defaults.
func namespacedManifest(path, ns string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	objs, err := documents(data)
	if err != nil {
		return "", fmt.Errorf("%s: %v", path, err)
	}
	var b strings.Builder
	for _, u := range objs {
		if u.GetNamespace() == "" && namespaced(u.GetKind()) {
			u.SetNamespace(ns)
		}
		apiServerDefaults(u)
		text, err := yaml.Marshal(u.Object)
		if err != nil {
			return "", fmt.Errorf("%s: %v", path, err)
		}
		b.WriteString("---\n")
		b.Write(text)
	}
	return b.String(), nil
}

// The analysis mode's own test (run with the other TestSelf tests).
func TestSelfAnalyze(t *testing.T) {
	has := func(res analyzeResult, code, kind, ns, name, text string) bool {
		for _, m := range res.Messages {
			if m.Code == code && m.Kind == kind && m.Namespace == ns && m.Name == name && strings.Contains(m.Text, text) {
				return true
			}
		}
		return false
	}
	run := func(c analyzeCase) analyzeResult {
		t.Helper()
		res := analyzeCaseFiles(c)
		if res.Error != "" {
			t.Fatalf("%s: %s", c.Name, res.Error)
		}
		return res
	}
	dir := t.TempDir()
	write := func(name, text string) string {
		p := dir + "/" + name
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}

	base := run(analyzeCase{Name: "base", Files: []string{"testdata/base.yaml"}})
	// Pods are read from the files: the Gateway selects the gateway pod.
	if has(base, "IST0101", "Gateway", "istio-system", "grpc-example-com", "selector") {
		t.Errorf("the gateway pod in the files was not seen: %+v", base.Messages)
	}
	// Service ports without protocol are TCP, as the API server defaults them.
	if has(base, "IST0162", "Gateway", "istio-system", "grpc-example-com", "") {
		t.Errorf("the gateway Service's ports were not seen as TCP: %+v", base.Messages)
	}
	// No Secret of that name.
	if !has(base, "IST0101", "Gateway", "istio-system", "grpc-example-com", `credentialName not found: "grpc-example-com-tls"`) {
		t.Errorf("no IST0101 for the missing credential: %+v", base.Messages)
	}

	// Secrets are read from the files: one that holds no certificate is invalid.
	secret := write("secret.yaml", `apiVersion: v1
kind: Secret
metadata: {name: grpc-example-com-tls, namespace: istio-system}
type: kubernetes.io/tls
data: {tls.crt: bm90IGEgY2VydGlmaWNhdGU=, tls.key: bm90IGEga2V5}
`)
	invalid := run(analyzeCase{Name: "invalid secret", Files: []string{"testdata/base.yaml", secret}})
	if !has(invalid, "IST0161", "Gateway", "istio-system", "grpc-example-com", "") ||
		has(invalid, "IST0101", "Gateway", "istio-system", "grpc-example-com", "credentialName") {
		t.Errorf("the Secret in the files was not seen: %+v", invalid.Messages)
	}

	noPods := run(analyzeCase{Name: "no pods", Files: []string{"testdata/no-pods.yaml"}})
	if !has(noPods, "IST0101", "Gateway", "istio-system", "grpc-example-com", `selector not found: "istio=ingressgateway"`) {
		t.Errorf("no IST0101 for a selector without pods: %+v", noPods.Messages)
	}

	// Objects without a namespace are in the case's namespace.
	route := write("route.yaml", `apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: r}
spec:
  hosts: [a.example.com]
  gateways: [missing]
  http: [{route: [{destination: {host: greeter.apps.svc.cluster.local}}]}]
`)
	ns := run(analyzeCase{Name: "namespace", Files: []string{"testdata/base.yaml", route}, Namespace: "team"})
	if !has(ns, "IST0101", "VirtualService", "team", "r", `gateway not found: "missing"`) {
		t.Errorf("the VirtualService without namespace is not in the case's: %+v", ns.Messages)
	}
}
