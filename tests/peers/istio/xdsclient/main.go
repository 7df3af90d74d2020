// Command xdsclient stands in for an Istio gateway pod on istiod's xDS port.
//
// It reads the pod from the API server and connects as that pod (node ID
// router~IP~POD.NS~NS.svc.cluster.local, the pod's labels and namespace in the
// node metadata) with Istio's own delta xDS client (istio.io/istio/pkg/adsc),
// the one Istio's tests use. It watches listeners and clusters, follows them
// to routes and endpoints as Envoy does, ACKs every response (or NACKs every
// response of the type named by --nack), and after each response rewrites the
// --dump file: every resource it holds, by type URL and name, as JSON.
//
//	xdsclient --xds 127.0.0.1:15010 --kubeconfig K --pod istio-system/istio-ingressgateway-sim-1 \
//	  [--dump FILE] [--nack lds|cds|rds|eds] [--istio-version 1.31.0]
//
// It runs until it is signalled, or exits 1 when the stream ends.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"istio.io/istio/pilot/pkg/model"
	v3 "istio.io/istio/pilot/pkg/xds/v3"
	"istio.io/istio/pilot/test/xdstest"
	"istio.io/istio/pkg/adsc"
	_ "istio.io/istio/pkg/config/xds" // the Envoy filter types, so the dump can print their Any fields
)

var shortTypes = map[string]string{
	"lds": v3.ListenerType,
	"cds": v3.ClusterType,
	"rds": v3.RouteType,
	"eds": v3.EndpointType,
}

// store holds what the client was sent, and writes it to the dump file.
type store struct {
	mu        sync.Mutex
	path      string
	resources map[string]map[string]proto.Message
	nacked    map[string]string
	changed   chan struct{}
}

func (s *store) touch() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

func (s *store) set(typeURL, name string, m proto.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.touch()
	if s.resources[typeURL] == nil {
		s.resources[typeURL] = map[string]proto.Message{}
	}
	if m == nil {
		delete(s.resources[typeURL], name)
		return
	}
	s.resources[typeURL][name] = m
}

func (s *store) nack(typeURL, reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nacked[typeURL] = reason
	s.touch()
}

// write replaces the dump file atomically:
// {"resources": {TYPE_URL: {NAME: RESOURCE}}, "nacked": {TYPE_URL: REASON}}.
func (s *store) write() error {
	if s.path == "" {
		return nil
	}
	s.mu.Lock()
	out := map[string]any{"resources": map[string]map[string]json.RawMessage{}, "nacked": s.nacked}
	for t, byName := range s.resources {
		m := map[string]json.RawMessage{}
		for name, msg := range byName {
			b, err := protojson.Marshal(msg)
			if err != nil {
				b, _ = json.Marshal(map[string]string{"error": err.Error()})
			}
			m[name] = b
		}
		out["resources"].(map[string]map[string]json.RawMessage)[t] = m
	}
	b, err := json.MarshalIndent(out, "", "  ")
	s.mu.Unlock()
	if err != nil {
		return err
	}
	tmp := s.path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, s.path)
}

func edsNames(c *cluster.Cluster) []string {
	if c.GetType() != cluster.Cluster_EDS {
		return nil
	}
	if n := c.GetEdsClusterConfig().GetServiceName(); n != "" {
		return []string{n}
	}
	return []string{c.GetName()}
}

func main() {
	xdsAddr := flag.String("xds", "", "istiod's plaintext xDS address (HOST:PORT)")
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig to read the pod with")
	podRef := flag.String("pod", "", "the gateway pod to connect as, NAMESPACE/NAME")
	dump := flag.String("dump", "", "file rewritten after every response with what was received")
	nackType := flag.String("nack", "", "NACK every response of this type (lds, cds, rds, eds or a type URL)")
	istioVersion := flag.String("istio-version", "1.31.0", "ISTIO_VERSION sent in the node metadata")
	flag.Parse()
	if err := run(*xdsAddr, *kubeconfig, *podRef, *dump, *nackType, *istioVersion); err != nil {
		fmt.Fprintln(os.Stderr, "xdsclient:", err)
		os.Exit(1)
	}
}

func run(xdsAddr, kubeconfig, podRef, dump, nackType, istioVersion string) error {
	ns, name, ok := strings.Cut(podRef, "/")
	if xdsAddr == "" || !ok || ns == "" || name == "" {
		return errors.New("--xds HOST:PORT and --pod NAMESPACE/NAME are required")
	}
	if nackType != "" {
		if t, ok := shortTypes[nackType]; ok {
			nackType = t
		} else if !strings.HasPrefix(nackType, "type.googleapis.com/") {
			return fmt.Errorf("--nack %q: not lds, cds, rds, eds or a type URL", nackType)
		}
	}
	if dump != "" {
		abs, err := filepath.Abs(dump)
		if err != nil {
			return err
		}
		dump = abs
	}

	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return err
	}
	kc, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	pod, err := kc.CoreV1().Pods(ns).Get(ctx, name, metav1.GetOptions{})
	if err != nil {
		return err
	}
	if pod.Status.PodIP == "" {
		return fmt.Errorf("pod %s has no IP in its status", podRef)
	}
	labels := map[string]any{}
	for k, v := range pod.Labels {
		labels[k] = v
	}
	ips := []string{}
	for _, ip := range pod.Status.PodIPs {
		ips = append(ips, ip.IP)
	}
	if len(ips) == 0 {
		ips = append(ips, pod.Status.PodIP)
	}
	meta, err := structpb.NewStruct(map[string]any{
		"NAMESPACE":       ns,
		"NAME":            name,
		"LABELS":          labels,
		"CLUSTER_ID":      "Kubernetes",
		"ISTIO_VERSION":   istioVersion,
		"SERVICE_ACCOUNT": pod.Spec.ServiceAccountName,
		"INSTANCE_IPS":    strings.Join(ips, ","),
		"WORKLOAD_NAME":   workloadName(pod.Labels, name),
	})
	if err != nil {
		return err
	}

	st := &store{path: dump, resources: map[string]map[string]proto.Message{}, nacked: map[string]string{}, changed: make(chan struct{}, 1)}
	// reject NACKs the response when its type is the one --nack names.
	reject := func(hc adsc.HandlerContext, typeURL, resName string) bool {
		if typeURL != nackType {
			return false
		}
		reason := fmt.Sprintf("xdsclient: rejecting %s %s as told by --nack", typeURL, resName)
		st.nack(typeURL, reason)
		hc.Reject(errors.New(reason))
		return true
	}
	handlers := []adsc.Option{
		adsc.Register(func(hc adsc.HandlerContext, n, _ string, l *listener.Listener, ev adsc.Event) {
			if ev == adsc.EventDelete {
				st.set(v3.ListenerType, n, nil)
				return
			}
			if reject(hc, v3.ListenerType, n) {
				return
			}
			st.set(v3.ListenerType, n, l)
			hc.RegisterDependency(v3.RouteType, xdstest.ExtractRoutesFromListeners([]*listener.Listener{l})...)
		}),
		adsc.Watch[*listener.Listener]("*"),
		adsc.Register(func(hc adsc.HandlerContext, n, _ string, c *cluster.Cluster, ev adsc.Event) {
			if ev == adsc.EventDelete {
				st.set(v3.ClusterType, n, nil)
				return
			}
			if reject(hc, v3.ClusterType, n) {
				return
			}
			st.set(v3.ClusterType, n, c)
			hc.RegisterDependency(v3.EndpointType, edsNames(c)...)
		}),
		adsc.Watch[*cluster.Cluster]("*"),
		adsc.Register(func(hc adsc.HandlerContext, n, _ string, r *route.RouteConfiguration, ev adsc.Event) {
			if ev == adsc.EventDelete {
				st.set(v3.RouteType, n, nil)
				return
			}
			if reject(hc, v3.RouteType, n) {
				return
			}
			st.set(v3.RouteType, n, r)
		}),
		adsc.Register(func(hc adsc.HandlerContext, n, _ string, e *endpoint.ClusterLoadAssignment, ev adsc.Event) {
			if ev == adsc.EventDelete {
				st.set(v3.EndpointType, n, nil)
				return
			}
			if reject(hc, v3.EndpointType, n) {
				return
			}
			st.set(v3.EndpointType, n, e)
		}),
	}
	client := adsc.NewDelta(xdsAddr, &adsc.DeltaADSConfig{Config: adsc.Config{
		ClientName: podRef,
		Namespace:  ns,
		Workload:   name,
		NodeType:   model.Router,
		IP:         pod.Status.PodIP,
		Meta:       meta,
	}}, handlers...)
	go func() {
		<-client.Synced()
		fmt.Printf("synced %s as router~%s~%s.%s~%s.svc.cluster.local\n", podRef, pod.Status.PodIP, name, ns, ns)
	}()
	// Rewrites the dump after changes, coalescing bursts.
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-st.changed:
				if err := st.write(); err != nil {
					fmt.Fprintln(os.Stderr, "xdsclient: writing the dump:", err)
				}
			}
		}
	}()
	client.Run(ctx)
	if ctx.Err() != nil {
		return nil
	}
	return errors.New("the xDS stream ended")
}

// workloadName: the Deployment a pod belongs to, as the agent derives it.
func workloadName(labels map[string]string, pod string) string {
	for _, k := range []string{"service.istio.io/canonical-name", "app.kubernetes.io/name", "app"} {
		if v := labels[k]; v != "" {
			return v
		}
	}
	parts := strings.Split(pod, "-")
	return strings.Join(parts[:max(1, len(parts)-2)], "-")
}
