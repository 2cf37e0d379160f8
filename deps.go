package main

import (
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	_ "github.com/pulumi/pulumi/sdk/v3/go/pulumi/policyx"
	_ "github.com/pulumi/pulumi/sdk/v3/proto/go"
	_ "github.com/pulumi/pulumi-hcloud/sdk/go/hcloud"
	_ "github.com/pulumi/pulumi-command/sdk/go/command/remote"
	_ "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes"
	_ "github.com/pulumi/pulumi-random/sdk/v4/go/random"
	_ "github.com/pulumi/pulumi-tls/sdk/v5/go/tls"
	_ "golang.org/x/crypto/ssh"
	_ "sigs.k8s.io/yaml"
)

func main() {}
