//go:build tools

// Package peers pins istioctl, pilot-discovery (istiod) and, from the same
// module, Istio's CRDs.
package peers

import (
	_ "istio.io/istio/istioctl/cmd/istioctl"
	_ "istio.io/istio/pilot/cmd/pilot-discovery"
)
