// Command xdsclient stands in for an Istio gateway pod on istiod's xDS port.
//
// It reads the pod from the API server and connects as that pod (node ID
// router~IP~POD.NS~NS.svc.cluster.local, the pod's labels and namespace in the
// node metadata) with Istio's own delta xDS client (istio.io/istio/pkg/adsc),
// the one Istio's tests use. It watches listeners and clusters, follows them
// to routes, endpoints and (with --secure) SDS secrets as Envoy does, ACKs
// every response (or NACKs every response of the type named by --nack), and
// after each response rewrites the --dump file: every resource it holds, by
// type URL and name, as JSON.
//
//	xdsclient --xds 127.0.0.1:15010 --kubeconfig K --pod istio-system/istio-ingressgateway-sim-1 \
//	  [--dump FILE] [--nack lds|cds|rds|eds|sds] [--stale lds|cds|rds|eds|sds] [--istio-version 1.31.0] [--secure]
//
// --stale TYPE: never acknowledge (nor reject) a response of that type, so
// istiod's sync state for it stays STALE, as for a proxy that is stuck.
//
// --secure: --xds is istiod's TLS xDS port (15012). The client then presents a
// certificate for the pod's service account (spiffe://cluster.local/ns/NS/sa/SA),
// signed with istiod's own CA (Secret istio-ca-secret, else cacerts, in the
// pod's namespace), as the pod's istio-agent would after its CSR; istiod then
// knows the proxy's identity and serves it the credentialName secrets its
// listeners name (kubernetes://NAME), as it does a real gateway.
//
// pkg/adsc subscribes to a resource a response names (a route configuration a
// listener names) with that response's nonce, the nonce of another type, and
// istiod's delta server drops a request whose nonce is not the last one it sent
// for the request's type as expired (pilot/pkg/xds/delta.go, shouldRespondDelta):
// once the client watches any route configuration, a route a new listener names
// would never be sent. The stream is wrapped so such a subscription goes out
// without a nonce, as the spontaneous request the xDS protocol makes it.
//
// It runs until it is signalled, or until its parent process is gone (a test
// killed before it could stop it), and exits 1 when the stream ends.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"math/big"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	cluster "github.com/envoyproxy/go-control-plane/envoy/config/cluster/v3"
	endpoint "github.com/envoyproxy/go-control-plane/envoy/config/endpoint/v3"
	listener "github.com/envoyproxy/go-control-plane/envoy/config/listener/v3"
	route "github.com/envoyproxy/go-control-plane/envoy/config/route/v3"
	tlsv3 "github.com/envoyproxy/go-control-plane/envoy/extensions/transport_sockets/tls/v3"
	discovery "github.com/envoyproxy/go-control-plane/envoy/service/discovery/v3"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	corev1 "k8s.io/api/core/v1"
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
	"sds": v3.SecretType,
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
	xdsAddr := flag.String("xds", "", "istiod's xDS address (HOST:PORT): plaintext, or TLS with --secure")
	kubeconfig := flag.String("kubeconfig", os.Getenv("KUBECONFIG"), "kubeconfig to read the pod with")
	podRef := flag.String("pod", "", "the gateway pod to connect as, NAMESPACE/NAME")
	dump := flag.String("dump", "", "file rewritten after every response with what was received")
	nackType := flag.String("nack", "", "NACK every response of this type (lds, cds, rds, eds, sds or a type URL)")
	staleType := flag.String("stale", "", "never acknowledge a response of this type (lds, cds, rds, eds, sds or a type URL)")
	istioVersion := flag.String("istio-version", "1.31.0", "ISTIO_VERSION sent in the node metadata")
	secure := flag.Bool("secure", false, "--xds is istiod's TLS port: authenticate as the pod's service account and watch SDS secrets")
	flag.Parse()
	if err := run(*xdsAddr, *kubeconfig, *podRef, *dump, *nackType, *staleType, *istioVersion, *secure); err != nil {
		fmt.Fprintln(os.Stderr, "xdsclient:", err)
		os.Exit(1)
	}
}

// listenerSecrets: the SDS secret names a listener's TLS filter chains ask for.
func listenerSecrets(l *listener.Listener) []string {
	var out []string
	for _, fc := range append(l.GetFilterChains(), l.GetDefaultFilterChain()) {
		ts := fc.GetTransportSocket()
		if ts == nil || ts.GetTypedConfig().GetTypeUrl() != xdstest.TypeName[*tlsv3.DownstreamTlsContext]() {
			continue
		}
		ctx := &tlsv3.DownstreamTlsContext{}
		if err := ts.GetTypedConfig().UnmarshalTo(ctx); err != nil {
			continue
		}
		for _, s := range ctx.GetCommonTlsContext().GetTlsCertificateSdsSecretConfigs() {
			out = append(out, s.GetName())
		}
		if n := ctx.GetCommonTlsContext().GetCombinedValidationContext().GetValidationContextSdsSecretConfig().GetName(); n != "" {
			out = append(out, n)
		}
	}
	return out
}

// nonces wraps the delta stream: it records the nonce of the last response of
// each type, and sends a request carrying another type's nonce (pkg/adsc's
// subscriptions to the resources a response names) without one. The
// acknowledgements of the --stale type are not sent at all.
type nonces struct {
	grpc.ClientStream
	mu    sync.Mutex
	last  map[string]string
	stale string
}

func (s *nonces) RecvMsg(m any) error {
	err := s.ClientStream.RecvMsg(m)
	if r, ok := m.(*discovery.DeltaDiscoveryResponse); ok && err == nil {
		s.mu.Lock()
		s.last[r.GetTypeUrl()] = r.GetNonce()
		s.mu.Unlock()
	}
	return err
}

func (s *nonces) SendMsg(m any) error {
	if r, ok := m.(*discovery.DeltaDiscoveryRequest); ok && r.GetResponseNonce() != "" && r.GetErrorDetail() == nil {
		s.mu.Lock()
		last := s.last[r.GetTypeUrl()]
		s.mu.Unlock()
		if r.GetResponseNonce() != last {
			r = proto.Clone(r).(*discovery.DeltaDiscoveryRequest)
			r.ResponseNonce = ""
			m = r
		} else if r.GetTypeUrl() == s.stale && len(r.GetResourceNamesSubscribe())+len(r.GetResourceNamesUnsubscribe()) == 0 {
			return nil // an acknowledgement of the --stale type: never sent
		}
	}
	return s.ClientStream.SendMsg(m)
}

// fixNonces wraps each stream in nonces.
func fixNonces(stale string) grpc.StreamClientInterceptor {
	return func(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string,
		streamer grpc.Streamer, opts ...grpc.CallOption,
	) (grpc.ClientStream, error) {
		s, err := streamer(ctx, desc, cc, method, opts...)
		if err != nil {
			return nil, err
		}
		return &nonces{ClientStream: s, last: map[string]string{}, stale: stale}, nil
	}
}

// workloadCertificate writes into a new directory what pkg/adsc reads with
// CertDir: cert-chain.pem and key.pem, a certificate for
// spiffe://cluster.local/ns/NS/sa/SA signed with istiod's CA, and
// root-cert.pem, that CA.
func workloadCertificate(ctx context.Context, kc kubernetes.Interface, ns, sa string) (string, error) {
	var secret *corev1.Secret
	var err error
	for _, name := range []string{"istio-ca-secret", "cacerts"} {
		secret, err = kc.CoreV1().Secrets(ns).Get(ctx, name, metav1.GetOptions{})
		if err == nil {
			break
		}
	}
	if err != nil {
		return "", fmt.Errorf("--secure: istiod's CA (Secret istio-ca-secret or cacerts in %s): %v", ns, err)
	}
	caPEM := secret.Data["ca-cert.pem"]
	block, _ := pem.Decode(caPEM)
	if block == nil {
		return "", errors.New("--secure: istiod's CA Secret has no ca-cert.pem")
	}
	caCert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return "", err
	}
	kblock, _ := pem.Decode(secret.Data["ca-key.pem"])
	if kblock == nil {
		return "", errors.New("--secure: istiod's CA Secret has no ca-key.pem")
	}
	var caKey any
	if caKey, err = x509.ParsePKCS8PrivateKey(kblock.Bytes); err != nil {
		if caKey, err = x509.ParsePKCS1PrivateKey(kblock.Bytes); err != nil {
			if caKey, err = x509.ParseECPrivateKey(kblock.Bytes); err != nil {
				return "", fmt.Errorf("--secure: istiod's CA key: %v", err)
			}
		}
	}
	switch caKey.(type) {
	case *rsa.PrivateKey, *ecdsa.PrivateKey:
	default:
		return "", errors.New("--secure: istiod's CA key is neither RSA nor ECDSA")
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "", err
	}
	id := &url.URL{Scheme: "spiffe", Host: "cluster.local", Path: fmt.Sprintf("/ns/%s/sa/%s", ns, sa)}
	serial, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{},
		NotBefore:    time.Now().Add(-time.Minute),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth, x509.ExtKeyUsageServerAuth},
		URIs:         []*url.URL{id},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		return "", err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "xdsclient-certs")
	if err != nil {
		return "", err
	}
	chain := append(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), caPEM...)
	for name, b := range map[string][]byte{
		"cert-chain.pem": chain,
		"key.pem":        pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}),
		"root-cert.pem":  caPEM,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// watchParent cancels when the process that started this one is gone (this
// one was reparented), so a test killed before it could stop its stand-in
// leaves nothing running that holds its files open.
func watchParent(ctx context.Context, cancel context.CancelFunc) {
	parent := os.Getppid()
	t := time.NewTicker(200 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if os.Getppid() != parent {
				fmt.Fprintln(os.Stderr, "xdsclient: the parent process is gone; stopping")
				cancel()
				return
			}
		}
	}
}

// typeURL: the type URL of a short name (lds, ...) or of a type URL.
func typeURL(flagName, t string) (string, error) {
	if t == "" {
		return "", nil
	}
	if u, ok := shortTypes[t]; ok {
		return u, nil
	}
	if !strings.HasPrefix(t, "type.googleapis.com/") {
		return "", fmt.Errorf("--%s %q: not lds, cds, rds, eds, sds or a type URL", flagName, t)
	}
	return t, nil
}

func run(xdsAddr, kubeconfig, podRef, dump, nackType, staleType, istioVersion string, secure bool) error {
	ns, name, ok := strings.Cut(podRef, "/")
	if xdsAddr == "" || !ok || ns == "" || name == "" {
		return errors.New("--xds HOST:PORT and --pod NAMESPACE/NAME are required")
	}
	var err error
	if nackType, err = typeURL("nack", nackType); err != nil {
		return err
	}
	if staleType, err = typeURL("stale", staleType); err != nil {
		return err
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
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go watchParent(ctx, cancel)
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
	sa := pod.Spec.ServiceAccountName
	if sa == "" {
		sa = "default"
	}
	meta, err := structpb.NewStruct(map[string]any{
		"NAMESPACE":       ns,
		"NAME":            name,
		"LABELS":          labels,
		"CLUSTER_ID":      "Kubernetes",
		"ISTIO_VERSION":   istioVersion,
		"SERVICE_ACCOUNT": sa,
		"INSTANCE_IPS":    strings.Join(ips, ","),
		"WORKLOAD_NAME":   workloadName(pod.Labels, name),
	})
	if err != nil {
		return err
	}
	certDir := ""
	if secure {
		if certDir, err = workloadCertificate(ctx, kc, ns, sa); err != nil {
			return err
		}
		defer os.RemoveAll(certDir)
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
			if secure {
				hc.RegisterDependency(v3.SecretType, listenerSecrets(l)...)
			}
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
		adsc.Register(func(hc adsc.HandlerContext, n, _ string, s *tlsv3.Secret, ev adsc.Event) {
			if ev == adsc.EventDelete {
				st.set(v3.SecretType, n, nil)
				return
			}
			if reject(hc, v3.SecretType, n) {
				return
			}
			// The dump keeps the certificate and not the key, as istiod's config_dump does.
			if c := s.GetTlsCertificate(); c != nil && c.GetPrivateKey() != nil {
				s = proto.Clone(s).(*tlsv3.Secret)
				s.GetTlsCertificate().PrivateKey = nil
			}
			st.set(v3.SecretType, n, s)
		}),
	}
	opts := []grpc.DialOption{grpc.WithStreamInterceptor(fixNonces(staleType))}
	if !secure {
		opts = append(opts, grpc.WithTransportCredentials(insecure.NewCredentials()))
	}
	client := adsc.NewDelta(xdsAddr, &adsc.DeltaADSConfig{Config: adsc.Config{
		ClientName: podRef,
		Namespace:  ns,
		Workload:   name,
		NodeType:   model.Router,
		IP:         pod.Status.PodIP,
		Meta:       meta,
		CertDir:    certDir,
		XDSSAN:     "istiod." + ns + ".svc",
		GrpcOpts:   opts,
	}}, handlers...)
	go func() {
		select {
		case <-client.Synced():
			fmt.Printf("synced %s as router~%s~%s.%s~%s.svc.cluster.local\n", podRef, pod.Status.PodIP, name, ns, ns)
		case <-ctx.Done():
		}
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
