// Command etcd is etcd's server, at the version k8s.io/kubernetes v1.36.3 tests against
// (its go.mod requires go.etcd.io/etcd/server/v3 v3.6.8): the same main as etcd's own
// (go.etcd.io/etcd/v3 main.go calls etcdmain.Main).
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
