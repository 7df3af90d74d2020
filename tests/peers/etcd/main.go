// Command etcd runs the etcd server pinned in go.mod; the tests' control plane
// starts it on loopback.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
