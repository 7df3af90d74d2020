//go:build tools

// Package peers pins krew, which installs the release archive from its manifest.
package peers

import _ "sigs.k8s.io/krew/cmd/krew"
