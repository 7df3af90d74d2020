package main

// With --fake-apiserver the testserver is instead a fake Kubernetes API
// server over TLS that fails on purpose, for the client core's tests of its
// HTTP/2 transport (tests/testdata/kube/flaky_apiserver.py does the same
// over plain HTTP/1.1). It speaks HTTP/2 and HTTP/1.1 (ALPN), or HTTP/1.1
// only with --http1-only. Paths:
//
//	GET  /api                          429 Retry-After: 1, then 200
//	GET  /apis                         503 without Retry-After, then 200
//	GET  /api/v1                       200 (configmaps)
//	GET  .../configmaps/reset          the stream (HTTP/1.1: the connection) is reset twice, then 200
//	GET  .../configmaps/always-500     500 every time (not retried: no Retry-After)
//	GET  .../configmaps/slow           answers after 3 seconds
//	GET  .../configmaps/large          1 MiB of data, gzip-encoded when the client accepts it
//	GET  .../configmaps/NAME           200
//	POST .../selfsubjectreviews        --post-status (503: never retried; 201: a review of "fake-user")
//	PATCH .../configmaps/NAME          201 with two Warning headers
//
// Each request is printed to stdout as "METHOD PATH PROTO gzip|plain".

import (
	"compress/gzip"
	"encoding/json"
	"fmt"
	"math/rand"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"
)

type fakeAPIServer struct {
	postStatus int
	mu         sync.Mutex
	seen       map[string]int
	out        sync.Mutex
}

func (f *fakeAPIServer) firstTimes(key string, times int) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.seen[key]++
	return f.seen[key] <= times
}

func kubeStatus(code int, reason, message string) map[string]any {
	return map[string]any{"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason,
		"message": message, "code": code}
}

func configMap(name string, data map[string]string) map[string]any {
	cm := map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": name, "namespace": "default"}}
	if data != nil {
		cm["data"] = data
	}
	return cm
}

// largeData is 1 MiB of hex digits from a fixed seed: it compresses to
// about half, so a gzip response spans many HTTP/2 DATA frames.
var largeData = func() string {
	r := rand.New(rand.NewSource(1))
	const digits = "0123456789abcdef"
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = digits[r.Intn(16)]
	}
	return string(b)
}()

func (f *fakeAPIServer) send(w http.ResponseWriter, r *http.Request, code int, body any) {
	data, _ := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	compressed := strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") && len(data) > 64*1024
	f.out.Lock()
	how := "plain"
	if compressed {
		how = "gzip"
	}
	fmt.Printf("%s %s %s %s\n", r.Method, r.URL.Path, r.Proto, how)
	os.Stdout.Sync()
	f.out.Unlock()
	if !compressed {
		w.WriteHeader(code)
		w.Write(data)
		return
	}
	w.Header().Set("Content-Encoding", "gzip")
	w.WriteHeader(code)
	zw := gzip.NewWriter(w)
	zw.Write(data)
	zw.Close()
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	switch r.Method {
	case http.MethodPost:
		if f.postStatus == http.StatusCreated {
			f.send(w, r, http.StatusCreated, map[string]any{"apiVersion": "authentication.k8s.io/v1",
				"kind": "SelfSubjectReview", "status": map[string]any{"userInfo": map[string]any{"username": "fake-user"}}})
			return
		}
		f.send(w, r, f.postStatus, kubeStatus(f.postStatus, "ServiceUnavailable", "try later"))
		return
	case http.MethodPatch:
		name := path[strings.LastIndex(path, "/")+1:]
		w.Header().Add("Warning", `299 - "the first warning"`)
		w.Header().Add("Warning", `299 - "the second warning"`)
		f.send(w, r, http.StatusCreated, configMap(name, nil))
		return
	}
	switch path {
	case "/api":
		if f.firstTimes(path, 1) {
			w.Header().Set("Retry-After", "1")
			f.send(w, r, http.StatusTooManyRequests, kubeStatus(429, "TooManyRequests", "slow down"))
			return
		}
		f.send(w, r, http.StatusOK, map[string]any{"kind": "APIVersions", "versions": []string{"v1"}})
		return
	case "/apis":
		if f.firstTimes(path, 1) {
			f.send(w, r, http.StatusServiceUnavailable, kubeStatus(503, "ServiceUnavailable", "warming up"))
			return
		}
		f.send(w, r, http.StatusOK, map[string]any{"kind": "APIGroupList", "apiVersion": "v1", "groups": []any{}})
		return
	case "/api/v1":
		f.send(w, r, http.StatusOK, map[string]any{"kind": "APIResourceList", "groupVersion": "v1",
			"resources": []any{map[string]any{"name": "configmaps", "kind": "ConfigMap", "namespaced": true,
				"verbs": []string{"get", "list", "patch"}}}})
		return
	}
	name := path[strings.LastIndex(path, "/")+1:]
	switch name {
	case "reset":
		if f.firstTimes(path, 2) {
			f.out.Lock()
			fmt.Printf("%s %s %s reset\n", r.Method, path, r.Proto)
			os.Stdout.Sync()
			f.out.Unlock()
			panic(http.ErrAbortHandler) // HTTP/2: RST_STREAM; HTTP/1.1: the connection closes
		}
	case "slow":
		time.Sleep(3 * time.Second)
	case "always-500":
		f.send(w, r, http.StatusInternalServerError, kubeStatus(500, "InternalError", "boom"))
		return
	case "large":
		f.send(w, r, http.StatusOK, configMap(name, map[string]string{"large": largeData}))
		return
	}
	f.send(w, r, http.StatusOK, configMap(name, nil))
}

func runFakeAPIServer(o options, lis net.Listener) error {
	if o.tlsCert == "" {
		return fmt.Errorf("--fake-apiserver needs --tls-cert and --tls-key")
	}
	srv := &http.Server{Handler: &fakeAPIServer{postStatus: o.postStatus, seen: map[string]int{}},
		ReadHeaderTimeout: 10 * time.Second, IdleTimeout: o.idleTimeout}
	srv.Protocols = new(http.Protocols)
	srv.Protocols.SetHTTP1(true)
	srv.Protocols.SetHTTP2(!o.http1Only)
	srv.ErrorLog = nil
	return srv.ServeTLS(lis, o.tlsCert, o.tlsKey)
}
