//go:build tools

// Package peers pins istioctl and, from the same module, Istio's CRDs.
package peers

import _ "istio.io/istio/istioctl/cmd/istioctl"
