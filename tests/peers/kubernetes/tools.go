//go:build tools

// Package peers pins the Kubernetes commands the tests run against.
package peers

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
