package addons

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// AutoscalerArgs is what the cluster-autoscaler needs of the cluster besides
// its config.
type AutoscalerArgs struct {
	ClusterToken pulumi.StringInput // secret: the k3s token new nodes join with
	FirewallID   pulumi.IntInput    // every server it creates is behind it from its first boot
	// AuthorizedKeys reach new servers through cloud-init, as on fixed ones.
	SSHPublicKey pulumi.StringInput
	// CleanupSteps remove the servers the autoscaler made; the autoscaler
	// depends on them, so it stops before they run.
	CleanupSteps []pulumi.Resource
}

// Names of the autoscaler's objects, all in kube-system.
const (
	AutoscalerName = "cluster-autoscaler"
	// AutoscalerConfigKey is the key of the autoscaler's Secret that holds
	// HCLOUD_CLUSTER_CONFIG: it holds the cluster token, in each pool's cloud-init.
	AutoscalerConfigKey = "cluster-config"
	autoscalerImage     = "registry.k8s.io/autoscaling/cluster-autoscaler"
	// configDigestAnnotation rolls the autoscaler when its cluster config
	// changes: it reads HCLOUD_CLUSTER_CONFIG only when it starts.
	configDigestAnnotation = "hcloud-k3s/cluster-config-digest"
)

// clusterAutoscaler installs the autoscaler when a pool is autoscaled.
func clusterAutoscaler(ctx *pulumi.Context, args Args, opts []pulumi.ResourceOption) error {
	c := args.Cluster
	if len(c.AutoscaledPools()) == 0 {
		return nil
	}
	a := args.Autoscaler
	keys := pulumi.All(a.SSHPublicKey).ApplyT(func(v []any) []string {
		return append([]string{v[0].(string)}, c.SSH.AuthorizedKeys...)
	}).(pulumi.StringArrayOutput)
	clusterConfig := pulumi.All(a.ClusterToken, keys).ApplyT(func(v []any) (string, error) {
		return AutoscalerClusterConfig(c, v[0].(string), v[1].([]string))
	}).(pulumi.StringOutput)
	digest := keys.ApplyT(func(keys []string) (string, error) {
		// Rendered without the token, so the digest tells nothing of it.
		tokenless, err := AutoscalerClusterConfig(c, "", keys)
		return fmt.Sprintf("%.12x", sha256.Sum256([]byte(tokenless))), err
	}).(pulumi.StringOutput)
	secret, err := corev1.NewSecret(ctx, AutoscalerName, &corev1.SecretArgs{
		Metadata:   objectMeta(),
		StringData: pulumi.StringMap{AutoscalerConfigKey: pulumi.ToSecret(clusterConfig).(pulumi.StringOutput)},
	}, opts...)
	if err != nil {
		return err
	}
	access, err := autoscalerAccess(ctx, opts)
	if err != nil {
		return err
	}
	env := AutoscalerEnv(args.NetworkID.ToIntOutput(), a.FirewallID.ToIntOutput())
	_, err = appsv1.NewDeployment(ctx, AutoscalerName, &appsv1.DeploymentArgs{
		Metadata: objectMeta(),
		Spec: appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(1),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: appLabels()},
			Template: corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{
					Labels:      appLabels(),
					Annotations: pulumi.StringMap{configDigestAnnotation: digest},
				},
				Spec: autoscalerPod(c, env),
			},
		},
	}, append(opts, pulumi.DependsOn(append([]pulumi.Resource{secret}, append(access, a.CleanupSteps...)...)))...)
	return err
}

func objectMeta() *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(AutoscalerName), Namespace: pulumi.String(kubeSystem), Labels: appLabels()}
}

func appLabels() pulumi.StringMap { return pulumi.StringMap{"app": pulumi.String(AutoscalerName)} }

// autoscalerPod runs the autoscaler on the control plane, whatever the
// workers' taints, so that it keeps running when its pools are at zero.
func autoscalerPod(c config.Cluster, env corev1.EnvVarArray) corev1.PodSpecArgs {
	return corev1.PodSpecArgs{
		ServiceAccountName: pulumi.String(AutoscalerName),
		PriorityClassName:  pulumi.String("system-cluster-critical"),
		NodeSelector:       pulumi.StringMap{controlPlaneLabel: pulumi.String("true")},
		Tolerations: corev1.TolerationArray{
			corev1.TolerationArgs{Key: pulumi.String(config.ControlPlaneTaint.Key), Operator: pulumi.String("Exists")},
			corev1.TolerationArgs{Key: pulumi.String(controlPlaneLabel), Operator: pulumi.String("Exists"), Effect: pulumi.String("NoSchedule")},
		},
		Containers: corev1.ContainerArray{corev1.ContainerArgs{
			Name:  pulumi.String(AutoscalerName),
			Image: pulumi.String(autoscalerImage + ":" + c.Addons.ClusterAutoscaler.Version),
			// The image's entrypoint (cluster-autoscaler/Dockerfile); its
			// distroless base carries the CA certificates the Hetzner API needs.
			Command: pulumi.ToStringArray([]string{"/cluster-autoscaler"}),
			Args:    pulumi.ToStringArray(AutoscalerFlags(c)),
			Env:     env,
			Resources: corev1.ResourceRequirementsArgs{
				Requests: pulumi.StringMap{"cpu": pulumi.String("100m"), "memory": pulumi.String("300Mi")},
				Limits:   pulumi.StringMap{"memory": pulumi.String("300Mi")},
			},
		}},
	}
}

// AutoscalerFlags are the autoscaler's command-line flags: one node group
// per autoscaled pool (--nodes=min:max:type:location:name, createNodePoolSpec
// in cloudprovider/hetzner/hetzner_cloud_provider.go), kept at least at its
// minimum, and the scale-down settings.
func AutoscalerFlags(c config.Cluster) []string {
	a := c.Addons.ClusterAutoscaler
	flags := []string{"--cloud-provider=hetzner"}
	for _, pool := range c.AutoscaledPools() {
		flags = append(flags, fmt.Sprintf("--nodes=%d:%d:%s:%s:%s", pool.Autoscaling.Min, pool.Autoscaling.Max, pool.ServerType, pool.Location, c.NodeGroup(pool)))
	}
	return append(flags,
		"--enforce-node-group-min-size=true",
		"--scale-down-delay-after-add="+a.ScaleDownDelayAfterAdd.String(),
		"--scale-down-unneeded-time="+a.ScaleDownUnneededTime.String(),
		"--scale-down-utilization-threshold="+strconv.FormatFloat(a.ScaleDownUtilizationThreshold, 'g', -1, 64),
		"--stderrthreshold=info",
	)
}

// Environment variables of the autoscaler's Hetzner provider
// (cloudprovider/hetzner/hetzner_manager.go newManager).
const (
	EnvNetwork  = "HCLOUD_NETWORK"
	EnvFirewall = "HCLOUD_FIREWALL"
)

// AutoscalerEnv is the autoscaler's environment: the token (from the hcloud
// Secret the CCM reads) and the cluster config (from its own Secret), the
// network and firewall every new server gets, and public addresses as on
// the fixed servers. No HCLOUD_SSH_KEY: the key comes through cloud-init,
// with password login off, as on the fixed servers (package sshkey says why).
func AutoscalerEnv(networkID, firewallID pulumi.IntOutput) corev1.EnvVarArray {
	fromSecret := func(name, secret, key string) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: corev1.EnvVarSourceArgs{
			SecretKeyRef: corev1.SecretKeySelectorArgs{Name: pulumi.String(secret), Key: pulumi.String(key)},
		}}
	}
	value := func(name string, v pulumi.StringInput) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(name), Value: v}
	}
	itoa := func(id pulumi.IntOutput) pulumi.StringOutput { return id.ApplyT(strconv.Itoa).(pulumi.StringOutput) }
	return corev1.EnvVarArray{
		fromSecret("HCLOUD_TOKEN", "hcloud", "token"),
		fromSecret("HCLOUD_CLUSTER_CONFIG", AutoscalerName, AutoscalerConfigKey),
		value(EnvNetwork, itoa(networkID)),
		value(EnvFirewall, itoa(firewallID)),
		value("HCLOUD_PUBLIC_IPV4", pulumi.String("true")),
		value("HCLOUD_PUBLIC_IPV6", pulumi.String("true")),
	}
}

// clusterConfig is HCLOUD_CLUSTER_CONFIG before its base64 encoding
// (ClusterConfig in hetzner_manager.go): one image for every autoscaled pool
// (config refuses pools that differ), and each node group's user data,
// labels and taints, which the autoscaler also gives the node it imagines
// when it decides whether a pool can take a pending pod.
type clusterConfig struct {
	ImagesForArch map[string]string     `json:"imagesForArch"`
	NodeConfigs   map[string]nodeConfig `json:"nodeConfigs"`
}

type nodeConfig struct {
	CloudInit string            `json:"cloudInit"`
	Labels    map[string]string `json:"labels"`
	Taints    []taint           `json:"taints"`
}

type taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// AutoscalerClusterConfig is HCLOUD_CLUSTER_CONFIG: base64 of the JSON. It
// holds the cluster token, in each pool's cloud-init.
func AutoscalerClusterConfig(c config.Cluster, token string, authorizedKeys []string) (string, error) {
	pools := c.AutoscaledPools()
	doc := clusterConfig{
		ImagesForArch: map[string]string{"amd64": pools[0].Image, "arm64": pools[0].Image},
		NodeConfigs:   map[string]nodeConfig{},
	}
	for _, pool := range pools {
		join, err := k3s.NewJoin(c, pool)
		if err != nil {
			return "", err
		}
		userData, err := join.CloudInit(token, authorizedKeys)
		if err != nil {
			return "", err
		}
		nc := nodeConfig{CloudInit: userData, Labels: pool.Labels, Taints: []taint{}}
		for _, t := range pool.Taints {
			nc.Taints = append(nc.Taints, taint{Key: t.Key, Value: t.Value, Effect: t.Effect})
		}
		doc.NodeConfigs[c.NodeGroup(pool)] = nc
	}
	raw, err := json.Marshal(doc)
	return base64.StdEncoding.EncodeToString(raw), err
}

// autoscalerAccess is the autoscaler's identity and what it may do: read
// what scheduling depends on, evict pods and delete nodes it scales down,
// and keep its status ConfigMap and leader lease. The rules are those of
// upstream's examples/cluster-autoscaler-run-on-master.yaml
// (cloudprovider/hetzner, cluster-autoscaler-1.36.1), grouped by purpose.
func autoscalerAccess(ctx *pulumi.Context, opts []pulumi.ResourceOption) ([]pulumi.Resource, error) {
	rule := func(group string, resources, verbs []string, names ...string) rbacv1.PolicyRuleArgs {
		r := rbacv1.PolicyRuleArgs{
			ApiGroups: pulumi.ToStringArray([]string{group}),
			Resources: pulumi.ToStringArray(resources),
			Verbs:     pulumi.ToStringArray(verbs),
		}
		if len(names) > 0 {
			r.ResourceNames = pulumi.ToStringArray(names)
		}
		return r
	}
	read := []string{"get", "list", "watch"}
	account, err := corev1.NewServiceAccount(ctx, AutoscalerName, &corev1.ServiceAccountArgs{Metadata: objectMeta()}, opts...)
	if err != nil {
		return nil, err
	}
	clusterRole, err := rbacv1.NewClusterRole(ctx, AutoscalerName, &rbacv1.ClusterRoleArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(AutoscalerName)},
		Rules: rbacv1.PolicyRuleArray{
			rule("", []string{"events", "endpoints"}, []string{"create", "patch"}),
			rule("", []string{"endpoints"}, []string{"get", "update"}, AutoscalerName),
			rule("", []string{"pods/eviction"}, []string{"create"}),
			rule("", []string{"pods/status"}, []string{"update"}),
			rule("", []string{"nodes"}, []string{"get", "list", "watch", "update"}),
			rule("", []string{"namespaces", "pods", "services", "replicationcontrollers", "persistentvolumeclaims", "persistentvolumes"}, read),
			rule("apps", []string{"statefulsets", "replicasets", "daemonsets"}, read),
			rule("batch", []string{"jobs"}, append(read, "patch")),
			rule("policy", []string{"poddisruptionbudgets"}, read),
			rule("storage.k8s.io", []string{"storageclasses", "csinodes", "csistoragecapacities", "csidrivers"}, read),
			rule("coordination.k8s.io", []string{"leases"}, []string{"create"}),
			rule("coordination.k8s.io", []string{"leases"}, []string{"get", "update"}, AutoscalerName),
		},
	}, opts...)
	if err != nil {
		return nil, err
	}
	role, err := rbacv1.NewRole(ctx, AutoscalerName, &rbacv1.RoleArgs{
		Metadata: objectMeta(),
		Rules: rbacv1.PolicyRuleArray{
			rule("", []string{"configmaps"}, []string{"create", "list", "watch"}),
			rule("", []string{"configmaps"}, []string{"get", "update", "delete", "watch"}, "cluster-autoscaler-status"),
		},
	}, opts...)
	if err != nil {
		return nil, err
	}
	subjects := rbacv1.SubjectArray{rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(AutoscalerName), Namespace: pulumi.String(kubeSystem)}}
	roleRef := func(kind string) rbacv1.RoleRefArgs {
		return rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String(kind), Name: pulumi.String(AutoscalerName)}
	}
	clusterBinding, err := rbacv1.NewClusterRoleBinding(ctx, AutoscalerName, &rbacv1.ClusterRoleBindingArgs{
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(AutoscalerName)},
		RoleRef:  roleRef("ClusterRole"), Subjects: subjects,
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{clusterRole}))...)
	if err != nil {
		return nil, err
	}
	binding, err := rbacv1.NewRoleBinding(ctx, AutoscalerName, &rbacv1.RoleBindingArgs{
		Metadata: objectMeta(),
		RoleRef:  roleRef("Role"), Subjects: subjects,
	}, append(opts, pulumi.DependsOn([]pulumi.Resource{role}))...)
	if err != nil {
		return nil, err
	}
	return []pulumi.Resource{account, clusterBinding, binding}, nil
}
