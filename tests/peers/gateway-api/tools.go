//go:build tools

// Package peers pins the Gateway API module whose standard CRDs the control
// plane installs.
package peers

import _ "sigs.k8s.io/gateway-api/apis/v1"
