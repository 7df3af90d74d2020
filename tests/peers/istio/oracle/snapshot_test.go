// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	kubeyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"

	"istio.io/istio/pilot/pkg/config/kube/crd"
	"istio.io/istio/pkg/config"
	"istio.io/istio/pkg/config/schema/collections"
	"istio.io/istio/pkg/config/schema/resource"
	kubelib "istio.io/istio/pkg/kube"
)

// An object of the snapshot that Istio's validation rejects. A live cluster
// never holds it (the CRD schema or istiod's webhook refuses it), so it is
// left out of the generated configuration and reported.
type invalidObject struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Error     string `json:"error"`
}

// snapshot is what the oracle feeds Istio: Kubernetes objects for the fake
// kube client (Services, EndpointSlices, Pods, Secrets, Namespaces and, later,
// Gateway API objects) and Istio configs for the config store.
type snapshot struct {
	kube    []runtime.Object
	raw     []*unstructured.Unstructured // every Kubernetes object, for gateway discovery
	configs []config.Config
	invalid []invalidObject
	ignored []string // "Kind ns/name" of kinds neither side reads
	// Services of managed Gateway API Gateways the files lack, made as
	// istiod's deployment controller would make them (gatewayapi_test.go).
	deployed []*corev1.Service
}

// manifestFiles expands files and directories (recursively, *.yaml, *.yml and
// *.json in name order), as `check -f` does.
func manifestFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, p)
			continue
		}
		var found []string
		err = filepath.WalkDir(p, func(path string, d os.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() {
				return nil
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".yaml", ".yml", ".json":
				found = append(found, path)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		sort.Strings(found)
		out = append(out, found...)
	}
	return out, nil
}

// documents splits a manifest stream into objects, expanding Lists.
func documents(data []byte) ([]*unstructured.Unstructured, error) {
	var out []*unstructured.Unstructured
	dec := kubeyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			if err == io.EOF {
				return out, nil
			}
			return nil, err
		}
		if len(m) == 0 {
			continue
		}
		u := &unstructured.Unstructured{Object: m}
		if strings.HasSuffix(u.GetKind(), "List") {
			items, _, _ := unstructured.NestedSlice(m, "items")
			for _, it := range items {
				if im, ok := it.(map[string]any); ok {
					out = append(out, &unstructured.Unstructured{Object: im})
				}
			}
			continue
		}
		out = append(out, u)
	}
}

// loadSnapshot reads the files the way `check -f` does (objects without a
// namespace are in `defaultNamespace`) and sorts them for Istio.
func loadSnapshot(paths []string, defaultNamespace string) (*snapshot, error) {
	files, err := manifestFiles(paths)
	if err != nil {
		return nil, err
	}
	s := &snapshot{}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		objs, err := documents(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", f, err)
		}
		for _, u := range objs {
			if u.GetNamespace() == "" && namespaced(u.GetKind()) {
				u.SetNamespace(defaultNamespace)
			}
			if err := s.add(u, created); err != nil {
				return nil, fmt.Errorf("%s: %s %s/%s: %v", f, u.GetKind(), u.GetNamespace(), u.GetName(), err)
			}
		}
	}
	s.deployGatewayAPI()
	return s, nil
}

func namespaced(kind string) bool {
	switch kind {
	case "Namespace", "GatewayClass", "ClusterIssuer", "CustomResourceDefinition":
		return false
	}
	return true
}

func (s *snapshot) add(u *unstructured.Unstructured, created time.Time) error {
	gvk := u.GroupVersionKind()
	if sch, ok := collections.Pilot.FindByGroupVersionAliasesKind(resource.FromKubernetesGVK(&gvk)); ok {
		text, err := yaml.Marshal(u.Object)
		if err != nil {
			return err
		}
		var obj crd.IstioKind
		if err := yaml.Unmarshal(text, &obj); err != nil {
			return err
		}
		// The real config store parses with the cluster's domain, so a short
		// destination host resolves as it would in the cluster.
		cfg, err := crd.ConvertObject(sch, &obj, "cluster.local")
		if err != nil {
			s.invalid = append(s.invalid, invalidObject{gvk.Kind, u.GetNamespace(), u.GetName(), err.Error()})
			return nil
		}
		if cfg.CreationTimestamp.IsZero() {
			cfg.CreationTimestamp = created
		}
		if _, err := sch.ValidateConfig(*cfg); err != nil {
			s.invalid = append(s.invalid, invalidObject{gvk.Kind, u.GetNamespace(), u.GetName(), err.Error()})
			return nil
		}
		s.configs = append(s.configs, *cfg)
		return nil
	}
	text, err := yaml.Marshal(u.Object)
	if err != nil {
		return err
	}
	obj, _, err := kubelib.IstioCodec.UniversalDeserializer().Decode(text, nil, nil)
	if err != nil {
		s.ignored = append(s.ignored, fmt.Sprintf("%s %s/%s", gvk.Kind, u.GetNamespace(), u.GetName()))
		return nil
	}
	if gvk.Group == "gateway.networking.k8s.io" {
		// Decoding drops apiVersion and kind, which Istio's Gateway API
		// controller reads of routes (GRPCRoute's obj.Kind); an informer's
		// objects carry them.
		obj.GetObjectKind().SetGroupVersionKind(gvk)
	}
	s.kube = append(s.kube, obj)
	s.raw = append(s.raw, u)
	return nil
}
