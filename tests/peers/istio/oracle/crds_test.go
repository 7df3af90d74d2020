// Copyright kubectl-grpcmesh authors. Licensed under the Apache License 2.0.

package oracle

import (
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	metadatafake "k8s.io/client-go/metadata/fake"
	clienttesting "k8s.io/client-go/testing"
	"sigs.k8s.io/gateway-api/pkg/consts"

	kubelib "istio.io/istio/pkg/kube"
)

// The CRDs the fake kube client holds must look like the ones a cluster
// installs, or istiod ignores their kinds.
//
// xds.NewFakeDiscoveryServer registers the Gateway API CRDs (GatewayClass,
// Gateway, HTTPRoute, GRPCRoute, TCPRoute, TLSRoute, ReferenceGrant) in the
// fake client as bare metadata, without the annotation
// gateway.networking.k8s.io/bundle-version that every CRD of a Gateway API
// release carries. istiod's CRD watcher (pkg/kube/kclient/crdwatcher.go,
// minimumVersionFilter) drops a CRD listed in
// pkg/config/schema/gatewayapi.MinimumCRDVersions that lacks the annotation
// or is older than the minimum there: grpcroutes (1.1), tlsroutes (1.5),
// tcproutes (1.6). The gateway controller's informer for such a kind waits
// for a CRD that never comes (kclient.NewDelayedInformer), so its objects are
// never read: a GRPCRoute made no route at all, while an HTTPRoute of the
// same shape did. (Istio's own tests of the controller annotate their CRDs
// the same way, pilot/pkg/config/kube/gateway/conversion_test.go.)
//
// annotateGatewayAPICRDs makes the fake client's metadata store give every
// Gateway API CRD the annotation when it is created or updated: the bundle
// version of the Gateway API module Istio is built with (consts.BundleVersion,
// v1.6.0 for the pinned Istio). The test control plane installs v1.6.3's
// CRDs, which carry their own and pass the same filter.
func annotateGatewayAPICRDs(c kubelib.Client) {
	fc, ok := c.Metadata().(*metadatafake.FakeMetadataClient)
	if !ok {
		return
	}
	fc.PrependReactor("*", "customresourcedefinitions", func(action clienttesting.Action) (bool, runtime.Object, error) {
		var obj any
		switch a := action.(type) {
		case clienttesting.CreateAction:
			obj = a.GetObject()
		case clienttesting.UpdateAction:
			obj = a.GetObject()
		}
		if m, ok := obj.(*metav1.PartialObjectMetadata); ok && isGatewayAPICRD(m.Name) {
			if m.Annotations == nil {
				m.Annotations = map[string]string{}
			}
			if _, set := m.Annotations[consts.BundleVersionAnnotation]; !set {
				m.Annotations[consts.BundleVersionAnnotation] = consts.BundleVersion
			}
		}
		// Not handled: the tracker stores the (annotated) object as usual.
		return false, nil, nil
	})
}

// isGatewayAPICRD: the CRD (named <plural>.<group>) is one of the Gateway
// API's, standard or experimental channel.
func isGatewayAPICRD(name string) bool {
	return strings.HasSuffix(name, ".gateway.networking.k8s.io") || strings.HasSuffix(name, ".gateway.networking.x-k8s.io")
}
