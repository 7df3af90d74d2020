// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"flag"
	"fmt"
	"testing"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	httpopts "github.com/envoyproxy/go-control-plane/envoy/extensions/upstreams/http/v3"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"istio.io/istio/pilot/pkg/model"
	"istio.io/istio/pilot/test/xds"
	"istio.io/istio/pilot/test/xdstest"
	configkube "istio.io/istio/pkg/config/kube"
)

var protocolsFlag = flag.String("protocols", "",
	"JSON table of Service ports ([{port, name, protocol, appProtocol}]): answer how Istio reads each")

// protocolRow is one Service port. AppProtocol is nil when the field is
// absent, which Istio reads differently from an empty value.
type protocolRow struct {
	Port        int32   `json:"port"`
	Name        string  `json:"name"`
	Protocol    string  `json:"protocol"`
	AppProtocol *string `json:"appProtocol,omitempty"`
}

// protocolAnswer is Istio's reading of one row.
type protocolAnswer struct {
	protocolRow
	// ConvertProtocol's result (pkg/config/kube/conversion.go).
	Istio string `json:"istio"`
	// protocol.Instance IsHTTP2 and IsGRPC (pkg/config/protocol/instance.go).
	HTTP2 bool `json:"http2"`
	GRPC  bool `json:"grpc"`
	// The ingress gateway's outbound cluster for the port, as Istio's config
	// generator builds it: whether there is one (UDP ports get none) and
	// whether it speaks HTTP/2 upstream (setUpstreamProtocol in
	// pilot/pkg/networking/core/cluster_builder.go).
	Cluster      bool `json:"cluster"`
	ClusterHTTP2 bool `json:"clusterHttp2"`
}

const protocolsNamespace = "protocols"

// TestProtocols answers the table given with -protocols, writing a JSON list
// with one answer per row, in order, to -out (stdout without it). Without
// -protocols it is skipped.
//
// Each row becomes a Service of its own; one gateway proxy is generated over
// all of them, so the HTTP/2 answer is read from the cluster Istio builds,
// and the test fails if that ever differs from IsHTTP2.
func TestProtocols(t *testing.T) {
	if *protocolsFlag == "" {
		t.Skip("no -protocols given")
	}
	var rows []protocolRow
	readJSON(t, *protocolsFlag, &rows)

	objects := make([]runtime.Object, 0, len(rows))
	for i, r := range rows {
		objects = append(objects, &corev1.Service{
			ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: protocolsNamespace},
			Spec: corev1.ServiceSpec{
				ClusterIP: fmt.Sprintf("10.1.%d.%d", i/250, i%250+1),
				Ports: []corev1.ServicePort{{
					Name:        r.Name,
					Port:        r.Port,
					Protocol:    corev1.Protocol(r.Protocol),
					AppProtocol: r.AppProtocol,
				}},
			},
		})
	}
	s := xds.NewFakeDiscoveryServer(t, xds.FakeOptions{KubernetesObjects: objects})
	labels := map[string]string{"istio": "ingressgateway"}
	proxy := s.SetupProxy(&model.Proxy{
		Type:            model.Router,
		ID:              "istio-ingressgateway.istio-system",
		ConfigNamespace: "istio-system",
		Labels:          labels,
		Metadata:        &model.NodeMetadata{Labels: labels, Namespace: "istio-system", IstioVersion: proxyVersion()},
	})
	clusters := s.Clusters(proxy)

	answers := make([]protocolAnswer, 0, len(rows))
	for i, r := range rows {
		p := configkube.ConvertProtocol(r.Port, r.Name, corev1.Protocol(r.Protocol), r.AppProtocol)
		a := protocolAnswer{protocolRow: r, Istio: string(p), HTTP2: p.IsHTTP2(), GRPC: p.IsGRPC()}
		name := fmt.Sprintf("outbound|%d||p%d.%s.svc.cluster.local", r.Port, i, protocolsNamespace)
		if c := xdstest.ExtractCluster(name, clusters); c != nil {
			a.Cluster = true
			a.ClusterHTTP2 = upstreamHTTP2(t, c)
		}
		if a.Cluster && a.ClusterHTTP2 != a.HTTP2 {
			t.Errorf("row %d %+v: IsHTTP2 says %v, the generated cluster %v", i, r, a.HTTP2, a.ClusterHTTP2)
		}
		answers = append(answers, a)
	}

	writeOut(t, answers)
}

// upstreamHTTP2 reports whether a cluster's upstream HTTP protocol options
// select HTTP/2 explicitly (what setH2Options sets).
func upstreamHTTP2(t *testing.T, c *cluster.Cluster) bool {
	a, ok := c.GetTypedExtensionProtocolOptions()["envoy.extensions.upstreams.http.v3.HttpProtocolOptions"]
	if !ok {
		return false
	}
	o := &httpopts.HttpProtocolOptions{}
	if err := a.UnmarshalTo(o); err != nil {
		t.Fatalf("cluster %s: %v", c.GetName(), err)
	}
	return o.GetExplicitHttpConfig().GetHttp2ProtocolOptions() != nil
}
