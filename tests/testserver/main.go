// Command testserver is the gRPC server the end-to-end tests and the demo call.
//
// It serves helloworld.Greeter and grpcmesh.test.v1.TestService (all four call
// kinds and a chosen status code), server reflection v1 and v1alpha, and
// grpc.health.v1.Health. It binds a loopback address, on port 0 unless --port
// says otherwise, and prints "listening on 127.0.0.1:PORT" as the first line of
// stdout. Every call is logged to stderr as one JSON object per line with the
// :authority and TLS SNI the server received; every response also carries them
// in the x-grpcmesh-authority and x-grpcmesh-sni headers.
//
// With --grpc-web the server speaks HTTP/1.1 and HTTP/2 (h2c without TLS) and
// translates gRPC-Web requests, answering CORS preflights for the origins
// given by --cors-origin. Native gRPC keeps working on the same port.
//
// With --client-ca (and --tls-cert/--tls-key) the server requires a client
// certificate signed by that CA (mutual TLS) and logs its subject's common
// name as "client_cn".
//
// With --fake-apiserver it is a fake Kubernetes API server instead
// (fake_apiserver.go).
package main

//go:generate ./gen.sh

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/improbable-eng/grpc-web/go/grpcweb"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/reflection"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"

	"kubectl-grpcmesh.test/testserver/gen/helloworld"
	"kubectl-grpcmesh.test/testserver/gen/testpb"
)

type options struct {
	bind        string
	port        int
	tlsCert     string
	tlsKey      string
	clientCA    string
	grpcWeb     bool
	corsOrigins string
	reflection  string
	health      string

	fakeAPIServer bool
	http1Only     bool
	postStatus    int
	idleTimeout   time.Duration
}

func main() {
	var o options
	flag.StringVar(&o.bind, "bind", "127.0.0.1", "loopback address to listen on")
	flag.IntVar(&o.port, "port", 0, "port to listen on (0 picks a free one)")
	flag.StringVar(&o.tlsCert, "tls-cert", "", "PEM certificate chain; enables TLS together with --tls-key")
	flag.StringVar(&o.tlsKey, "tls-key", "", "PEM private key for --tls-cert")
	flag.StringVar(&o.clientCA, "client-ca", "", "PEM CA certificates; with --tls-cert, require a client certificate they signed (mutual TLS)")
	flag.BoolVar(&o.grpcWeb, "grpc-web", false, "also accept gRPC-Web (HTTP/1.1 and HTTP/2) on the same port")
	flag.StringVar(&o.corsOrigins, "cors-origin", "*", "comma-separated origins allowed by CORS in --grpc-web mode (* allows any)")
	flag.StringVar(&o.reflection, "reflection", "both", "reflection services to serve: both, v1, v1alpha or none")
	flag.StringVar(&o.health, "health", "SERVING", "status the health service reports: SERVING or NOT_SERVING")
	flag.BoolVar(&o.fakeAPIServer, "fake-apiserver", false, "serve a fake Kubernetes API that fails on purpose instead (fake_apiserver.go; needs --tls-cert)")
	flag.BoolVar(&o.http1Only, "http1-only", false, "with --fake-apiserver: offer HTTP/1.1 only, no HTTP/2")
	flag.IntVar(&o.postStatus, "post-status", 503, "with --fake-apiserver: the status of every POST (201 answers a SelfSubjectReview)")
	flag.DurationVar(&o.idleTimeout, "idle-timeout", 0, "with --fake-apiserver: close connections idle this long (0: never)")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "testserver: unexpected argument %q\n", flag.Arg(0))
		os.Exit(2)
	}
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "testserver: %v\n", err)
		os.Exit(1)
	}
}

func run(o options) error {
	ip := net.ParseIP(o.bind)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--bind %q: only loopback addresses are allowed", o.bind)
	}
	if (o.tlsCert == "") != (o.tlsKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if o.fakeAPIServer {
		lis, err := net.Listen("tcp", net.JoinHostPort(o.bind, strconv.Itoa(o.port)))
		if err != nil {
			return err
		}
		fmt.Printf("listening on %s\n", lis.Addr())
		os.Stdout.Sync()
		return runFakeAPIServer(o, lis)
	}
	var healthStatus healthpb.HealthCheckResponse_ServingStatus
	switch o.health {
	case "SERVING":
		healthStatus = healthpb.HealthCheckResponse_SERVING
	case "NOT_SERVING":
		healthStatus = healthpb.HealthCheckResponse_NOT_SERVING
	default:
		return fmt.Errorf("--health %q: want SERVING or NOT_SERVING", o.health)
	}

	var tlsConfig *tls.Config
	if o.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(o.tlsCert, o.tlsKey)
		if err != nil {
			return fmt.Errorf("loading TLS key pair: %w", err)
		}
		tlsConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	if o.clientCA != "" {
		if tlsConfig == nil {
			return errors.New("--client-ca needs --tls-cert and --tls-key")
		}
		pem, err := os.ReadFile(o.clientCA)
		if err != nil {
			return fmt.Errorf("reading --client-ca: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return fmt.Errorf("--client-ca %q holds no PEM certificate", o.clientCA)
		}
		tlsConfig.ClientCAs = pool
		tlsConfig.ClientAuth = tls.RequireAndVerifyClientCert
	}

	var serverOpts []grpc.ServerOption
	serverOpts = append(serverOpts,
		grpc.ChainUnaryInterceptor(unaryInterceptor),
		grpc.ChainStreamInterceptor(streamInterceptor))
	if tlsConfig != nil && !o.grpcWeb {
		serverOpts = append(serverOpts, grpc.Creds(credentials.NewTLS(tlsConfig)))
	}
	gs := grpc.NewServer(serverOpts...)
	helloworld.RegisterGreeterServer(gs, greeter{})
	testpb.RegisterTestServiceServer(gs, testService{})
	hs := health.NewServer()
	for _, svc := range []string{"", "helloworld.Greeter", "grpcmesh.test.v1.TestService"} {
		hs.SetServingStatus(svc, healthStatus)
	}
	healthpb.RegisterHealthServer(gs, hs)
	switch o.reflection {
	case "both":
		reflection.Register(gs)
	case "v1":
		reflection.RegisterV1(gs)
	case "v1alpha":
		reflectionv1alpha.RegisterServerReflectionServer(gs, reflection.NewServer(reflection.ServerOptions{Services: gs}))
	case "none":
	default:
		return fmt.Errorf("--reflection %q: want both, v1, v1alpha or none", o.reflection)
	}

	lis, err := net.Listen("tcp", net.JoinHostPort(o.bind, strconv.Itoa(o.port)))
	if err != nil {
		return err
	}
	fmt.Printf("listening on %s\n", lis.Addr())
	os.Stdout.Sync()
	logEvent(map[string]any{"event": "start", "address": lis.Addr().String(), "tls": tlsConfig != nil,
		"grpc_web": o.grpcWeb, "reflection": o.reflection, "health": o.health})

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGTERM, syscall.SIGINT)

	if !o.grpcWeb {
		errc := make(chan error, 1)
		go func() { errc <- gs.Serve(lis) }()
		select {
		case err := <-errc:
			return err
		case <-stop:
			stopGracefully(gs.GracefulStop, gs.Stop)
			return nil
		}
	}

	hsrv := &http.Server{Handler: webHandler(gs, o.corsOrigins), ReadHeaderTimeout: 10 * time.Second}
	hsrv.Protocols = new(http.Protocols)
	hsrv.Protocols.SetHTTP1(true)
	if tlsConfig != nil {
		hsrv.Protocols.SetHTTP2(true)
		hsrv.TLSConfig = tlsConfig
	} else {
		hsrv.Protocols.SetUnencryptedHTTP2(true)
	}
	errc := make(chan error, 1)
	go func() {
		if tlsConfig != nil {
			errc <- hsrv.ServeTLS(lis, "", "")
		} else {
			errc <- hsrv.Serve(lis)
		}
	}()
	select {
	case err := <-errc:
		return err
	case <-stop:
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if hsrv.Shutdown(ctx) != nil {
			hsrv.Close()
		}
		gs.Stop()
		return nil
	}
}

// stopGracefully lets running calls finish for a moment, then cuts them
// (an endless server stream would otherwise keep the process alive).
func stopGracefully(graceful, hard func()) {
	done := make(chan struct{})
	go func() { graceful(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		hard()
	}
}

type webKey struct{}

// webHandler routes gRPC-Web requests and their CORS preflights through the
// gRPC-Web wrapper and native gRPC straight to the gRPC server.
func webHandler(gs *grpc.Server, corsOrigins string) http.Handler {
	allowed := map[string]bool{}
	for _, origin := range strings.Split(corsOrigins, ",") {
		if origin = strings.TrimSpace(origin); origin != "" {
			allowed[origin] = true
		}
	}
	wrapped := grpcweb.WrapServer(gs,
		grpcweb.WithOriginFunc(func(origin string) bool { return allowed["*"] || allowed[origin] }),
		grpcweb.WithCorsForRegisteredEndpointsOnly(false))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case wrapped.IsGrpcWebRequest(r) || wrapped.IsAcceptableGrpcCorsRequest(r):
			if r.Method == http.MethodOptions {
				logEvent(map[string]any{"event": "preflight", "path": r.URL.Path, "authority": r.Host,
					"origin": r.Header.Get("Origin"), "proto": r.Proto})
			}
			wrapped.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), webKey{}, true)))
		case r.ProtoMajor == 2 && strings.HasPrefix(r.Header.Get("Content-Type"), "application/grpc"):
			gs.ServeHTTP(w, r)
		default:
			logEvent(map[string]any{"event": "rejected", "method": r.Method, "path": r.URL.Path,
				"authority": r.Host, "content_type": r.Header.Get("Content-Type"), "proto": r.Proto})
			http.Error(w, "not a gRPC or gRPC-Web request", http.StatusUnsupportedMediaType)
		}
	})
}

var logMu sync.Mutex

// logEvent writes one JSON object per line to stderr.
func logEvent(fields map[string]any) {
	line, err := json.Marshal(fields)
	if err != nil {
		return
	}
	logMu.Lock()
	defer logMu.Unlock()
	os.Stderr.Write(append(line, '\n'))
}

type callKey struct{}

// describeCall records what the server saw of a call.
func describeCall(ctx context.Context, method string) *testpb.CallInfo {
	info := &testpb.CallInfo{Method: method, Transport: "grpc", Metadata: map[string]string{}}
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get(":authority"); len(v) > 0 {
		info.Authority = v[0]
	}
	for k, v := range md {
		if strings.HasSuffix(k, "-bin") || k == ":authority" {
			continue
		}
		info.Metadata[k] = strings.Join(v, ",")
	}
	if p, ok := peer.FromContext(ctx); ok {
		if t, ok := p.AuthInfo.(credentials.TLSInfo); ok {
			info.Tls = true
			info.Sni = t.State.ServerName
			info.Alpn = t.State.NegotiatedProtocol
		}
	}
	if web, _ := ctx.Value(webKey{}).(bool); web {
		info.Transport = "grpc-web"
	}
	if d, ok := ctx.Deadline(); ok {
		info.DeadlineMs = max(time.Until(d).Milliseconds(), 1)
	}
	return info
}

func callFrom(ctx context.Context) *testpb.CallInfo {
	if info, ok := ctx.Value(callKey{}).(*testpb.CallInfo); ok {
		return info
	}
	return &testpb.CallInfo{}
}

func callHeader(info *testpb.CallInfo) metadata.MD {
	return metadata.Pairs("x-grpcmesh-authority", info.Authority, "x-grpcmesh-sni", info.Sni)
}

// clientCN is the common name of the verified client certificate, if any.
func clientCN(ctx context.Context) string {
	if p, ok := peer.FromContext(ctx); ok {
		if t, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(t.State.PeerCertificates) > 0 {
			return t.State.PeerCertificates[0].Subject.CommonName
		}
	}
	return ""
}

func logCall(ctx context.Context, info *testpb.CallInfo, err error, started time.Time) {
	keys := make([]string, 0, len(info.Metadata))
	for k := range info.Metadata {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	logEvent(map[string]any{"event": "call", "method": info.Method, "authority": info.Authority,
		"sni": info.Sni, "tls": info.Tls, "alpn": info.Alpn, "transport": info.Transport,
		"code": status.Code(err).String(), "metadata_keys": keys, "client_cn": clientCN(ctx),
		"duration_ms": time.Since(started).Milliseconds()})
}

func unaryInterceptor(ctx context.Context, req any, si *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
	started := time.Now()
	info := describeCall(ctx, si.FullMethod)
	_ = grpc.SetHeader(ctx, callHeader(info))
	resp, err := handler(context.WithValue(ctx, callKey{}, info), req)
	logCall(ctx, info, err, started)
	return resp, err
}

type stream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s stream) Context() context.Context { return s.ctx }

func streamInterceptor(srv any, ss grpc.ServerStream, si *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
	started := time.Now()
	info := describeCall(ss.Context(), si.FullMethod)
	_ = ss.SetHeader(callHeader(info))
	err := handler(srv, stream{ss, context.WithValue(ss.Context(), callKey{}, info)})
	logCall(ss.Context(), info, err, started)
	return err
}

type greeter struct {
	helloworld.UnimplementedGreeterServer
}

func (greeter) SayHello(_ context.Context, req *helloworld.HelloRequest) (*helloworld.HelloReply, error) {
	return &helloworld.HelloReply{Message: "Hello " + req.GetName()}, nil
}

type testService struct {
	testpb.UnimplementedTestServiceServer
}

func (testService) Echo(ctx context.Context, req *testpb.EchoRequest) (*testpb.EchoResponse, error) {
	return &testpb.EchoResponse{Message: req.GetMessage(), Call: callFrom(ctx)}, nil
}

func (testService) ServerStream(req *testpb.StreamRequest, s grpc.ServerStreamingServer[testpb.StreamResponse]) error {
	interval := time.Duration(req.GetIntervalMs()) * time.Millisecond
	for i := int32(0); req.GetCount() <= 0 || i < req.GetCount(); i++ {
		if i > 0 && interval > 0 {
			select {
			case <-time.After(interval):
			case <-s.Context().Done():
				return status.FromContextError(s.Context().Err()).Err()
			}
		}
		if err := s.Send(&testpb.StreamResponse{Message: req.GetMessage(), Index: i}); err != nil {
			return err
		}
	}
	return nil
}

func (testService) ClientStream(s grpc.ClientStreamingServer[testpb.EchoRequest, testpb.ClientStreamResponse]) error {
	resp := &testpb.ClientStreamResponse{Call: callFrom(s.Context())}
	for {
		req, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return s.SendAndClose(resp)
		}
		if err != nil {
			return err
		}
		resp.Messages = append(resp.Messages, req.GetMessage())
	}
}

func (testService) BidiStream(s grpc.BidiStreamingServer[testpb.EchoRequest, testpb.EchoResponse]) error {
	info := callFrom(s.Context())
	for {
		req, err := s.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.Send(&testpb.EchoResponse{Message: req.GetMessage(), Call: info}); err != nil {
			return err
		}
	}
}

func (testService) ReturnStatus(ctx context.Context, req *testpb.StatusRequest) (*testpb.StatusResponse, error) {
	if req.GetCode() < 0 || req.GetCode() > 16 {
		return nil, status.Errorf(codes.InvalidArgument, "code %d is not a gRPC status code (0..16)", req.GetCode())
	}
	if d := time.Duration(req.GetDelayMs()) * time.Millisecond; d > 0 {
		select {
		case <-time.After(d):
		case <-ctx.Done():
			return nil, status.FromContextError(ctx.Err()).Err()
		}
	}
	if req.GetCode() == 0 {
		return &testpb.StatusResponse{Call: callFrom(ctx)}, nil
	}
	return nil, status.Error(codes.Code(req.GetCode()), req.GetMessage())
}
