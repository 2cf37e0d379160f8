package addons

import (
	"errors"
	"slices"
	"strings"

	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	rbacv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/rbac/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// The objects of system-upgrade-controller's release config.DefaultSUCVersion
// (v0.20.1), written as the program's own. Each fact is read from upstream's
// tag v0.20.1 (github.com/rancher/system-upgrade-controller), whose release
// manifest is `kustomize build` of kustomization.yaml with the image set to
// the tag (scripts/package-controller): manifests/system-upgrade-controller.yaml
// (Namespace, ServiceAccount, ConfigMap, Deployment), manifests/clusterrole.yaml
// (the two ClusterRoles and the Role) and manifests/clusterrolebinding.yaml
// (the bindings), all namespaced into system-upgrade by kustomization.yaml.
// The CRD is not among them: the controller registers it (see suc.go).
const (
	sucController  = "system-upgrade-controller" // the Deployment, its ClusterRole and Role, its leader-election lease
	sucDrainer     = "system-upgrade-controller-drainer"
	sucAccount     = "system-upgrade" // the ServiceAccount and the bindings' name
	sucEnvironment = "default-controller-env"
	sucImage       = "rancher/system-upgrade-controller:" + config.DefaultSUCVersion
	// sucControllerLabel names the controller's pods; the controller reads
	// its own name from it, and does not drain pods that carry it.
	sucControllerLabel = "upgrade.cattle.io/controller"
)

// sucSettings are the controller's environment, the release's ConfigMap
// (manifests/system-upgrade-controller.yaml:14-31).
var sucSettings = map[string]string{
	"SYSTEM_UPGRADE_CONTROLLER_DEBUG":             "false",
	"SYSTEM_UPGRADE_CONTROLLER_THREADS":           "2",
	"SYSTEM_UPGRADE_CONTROLLER_LEADER_ELECT":      "true",
	"SYSTEM_UPGRADE_JOB_ACTIVE_DEADLINE_SECONDS":  "900", // jobDeadlineBesidesDrain
	"SYSTEM_UPGRADE_JOB_BACKOFF_LIMIT":            "99",
	"SYSTEM_UPGRADE_JOB_IMAGE_PULL_POLICY":        "Always",
	"SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE":            "rancher/kubectl:v1.30.3",
	"SYSTEM_UPGRADE_JOB_KUBECTL_IMAGE_WINDOWS":    "",
	"SYSTEM_UPGRADE_JOB_PRIVILEGED":               "true",
	"SYSTEM_UPGRADE_JOB_TTL_SECONDS_AFTER_FINISH": "900",
	"SYSTEM_UPGRADE_PLAN_POLLING_INTERVAL":        "15m",
}

// rule is one RBAC rule.
type rule struct{ groups, resources, names, verbs []string }

// sucClusterRules are what the controller does cluster-wide
// (manifests/clusterrole.yaml:1-76): watch Jobs, Nodes and Namespaces;
// register the Plan CRD at startup (list, create, get and update
// customresourcedefinitions: pkg/upgrade/controller.go:184-194, wrangler's
// pkg/crd/crd.go BatchCreateCRDs);
// record events; elect a leader; run Plans.
var sucClusterRules = []rule{
	{[]string{"batch"}, []string{"jobs"}, nil, []string{"get", "list", "watch"}},
	{[]string{"apiextensions.k8s.io"}, []string{"customresourcedefinitions"}, nil, []string{"get", "list", "watch", "create", "patch", "update"}},
	{[]string{""}, []string{"namespaces", "nodes"}, nil, []string{"get", "list", "watch"}},
	{[]string{""}, []string{"nodes"}, nil, []string{"update"}},
	{[]string{""}, []string{"events"}, nil, []string{"get", "create", "patch", "update"}},
	{[]string{"coordination.k8s.io"}, []string{"leases"}, nil, []string{"create"}},
	{[]string{"coordination.k8s.io"}, []string{"leases"}, []string{sucController}, []string{"get", "update"}},
	{[]string{"upgrade.cattle.io"}, []string{"plans", "plans/status"}, nil, []string{"get", "list", "watch", "create", "patch", "update", "delete"}},
}

// sucDrainerRules are what an upgrade Job's drain needs
// (manifests/clusterrole.yaml:105-144): evict and delete pods, cordon the
// node, find the pods' owners.
var sucDrainerRules = []rule{
	{[]string{""}, []string{"pods/eviction"}, nil, []string{"create"}},
	{[]string{""}, []string{"pods"}, nil, []string{"get", "list", "delete"}},
	{[]string{""}, []string{"nodes"}, nil, []string{"get", "patch"}},
	{[]string{"apps"}, []string{"statefulsets", "daemonsets", "replicasets"}, nil, []string{"get", "list"}},
}

// sucNamespaceRules are what the controller does in its namespace
// (manifests/clusterrole.yaml:78-103): run the upgrade Jobs, read the
// Secrets Plans mount.
var sucNamespaceRules = []rule{
	{[]string{"batch"}, []string{"jobs"}, nil, []string{"create", "delete", "deletecollection", "patch", "update", "get", "list", "watch"}},
	{[]string{""}, []string{"secrets"}, nil, []string{"get", "list", "watch"}},
}

func policyRules(rules []rule) rbacv1.PolicyRuleArray {
	out := make(rbacv1.PolicyRuleArray, len(rules))
	for i, r := range rules {
		args := rbacv1.PolicyRuleArgs{
			ApiGroups: pulumi.ToStringArray(r.groups), Resources: pulumi.ToStringArray(r.resources), Verbs: pulumi.ToStringArray(r.verbs),
		}
		if r.names != nil {
			args.ResourceNames = pulumi.ToStringArray(r.names)
		}
		out[i] = args
	}
	return out
}

// sucObjects registers the controller's objects and returns its
// Deployment, which starts once everything it runs with exists.
func sucObjects(ctx *pulumi.Context, opts []pulumi.ResourceOption) (*appsv1.Deployment, error) {
	namespace, err := corev1.NewNamespace(ctx, objectName("", upgradeNamespace), &corev1.NamespaceArgs{
		// The upgrade Jobs run privileged.
		Metadata: &metav1.ObjectMetaArgs{Name: pulumi.String(upgradeNamespace), Labels: pulumi.StringMap{"pod-security.kubernetes.io/enforce": pulumi.String("privileged")}},
	}, opts...)
	if err != nil {
		return nil, err
	}
	inNamespace := append(slices.Clone(opts), pulumi.DependsOn([]pulumi.Resource{namespace}))
	runsWith, err := sucAccess(ctx, opts, inNamespace)
	if err != nil {
		return nil, err
	}
	environment, err := corev1.NewConfigMap(ctx, objectName(upgradeNamespace, sucEnvironment), &corev1.ConfigMapArgs{
		Metadata: namespaced(sucEnvironment),
		Data:     pulumi.ToStringMap(sucSettings),
	}, inNamespace...)
	if err != nil {
		return nil, err
	}
	return appsv1.NewDeployment(ctx, objectName(upgradeNamespace, sucController), &appsv1.DeploymentArgs{
		Metadata: namespaced(sucController),
		Spec:     sucDeploymentSpec(),
	}, append(opts, pulumi.DependsOn(append(runsWith, namespace, environment)))...)
}

// sucAccess registers the controller's ServiceAccount and what it may do:
// its ClusterRoles and Role, bound to the account. Objects in the namespace
// are registered with inNamespace, which waits for it.
func sucAccess(ctx *pulumi.Context, opts, inNamespace []pulumi.ResourceOption) ([]pulumi.Resource, error) {
	var registered []pulumi.Resource
	var errs []error
	keep := func(r pulumi.Resource, err error) {
		registered = append(registered, r)
		errs = append(errs, err)
	}
	subjects := rbacv1.SubjectArray{rbacv1.SubjectArgs{Kind: pulumi.String("ServiceAccount"), Name: pulumi.String(sucAccount), Namespace: pulumi.String(upgradeNamespace)}}
	keep(corev1.NewServiceAccount(ctx, objectName(upgradeNamespace, sucAccount), &corev1.ServiceAccountArgs{Metadata: namespaced(sucAccount)},
		inNamespace...))
	for _, r := range []struct {
		name, binding string
		rules         []rule
	}{{sucController, sucAccount, sucClusterRules}, {sucDrainer, "system-upgrade-drainer", sucDrainerRules}} {
		keep(rbacv1.NewClusterRole(ctx, objectName("", r.name), &rbacv1.ClusterRoleArgs{Metadata: named(r.name), Rules: policyRules(r.rules)},
			opts...))
		keep(rbacv1.NewClusterRoleBinding(ctx, objectName("", r.binding), &rbacv1.ClusterRoleBindingArgs{
			Metadata: named(r.binding), RoleRef: roleRef("ClusterRole", r.name), Subjects: subjects,
		}, opts...))
	}
	keep(rbacv1.NewRole(ctx, objectName(upgradeNamespace, sucController), &rbacv1.RoleArgs{Metadata: namespaced(sucController), Rules: policyRules(sucNamespaceRules)},
		inNamespace...))
	keep(rbacv1.NewRoleBinding(ctx, objectName(upgradeNamespace, sucAccount), &rbacv1.RoleBindingArgs{
		Metadata: namespaced(sucAccount), RoleRef: roleRef("Role", sucController), Subjects: subjects,
	}, inNamespace...))
	return registered, errors.Join(errs...)
}

func roleRef(kind, name string) rbacv1.RoleRefArgs {
	return rbacv1.RoleRefArgs{ApiGroup: pulumi.String("rbac.authorization.k8s.io"), Kind: pulumi.String(kind), Name: pulumi.String(name)}
}

func named(name string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name)}
}

func namespaced(name string) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(name), Namespace: pulumi.String(upgradeNamespace)}
}

// sucDeploymentSpec runs one controller on a control-plane node
// (manifests/system-upgrade-controller.yaml:33-143), as an unprivileged user,
// with the host's CA certificates to reach channel URLs.
func sucDeploymentSpec() appsv1.DeploymentSpecArgs {
	labels := pulumi.StringMap{
		"app.kubernetes.io/component": pulumi.String("controller"),
		"app.kubernetes.io/name":      pulumi.String(sucController),
		sucControllerLabel:            pulumi.String(sucController),
	}
	return appsv1.DeploymentSpecArgs{
		Strategy: appsv1.DeploymentStrategyArgs{Type: pulumi.String("Recreate")},
		Selector: metav1.LabelSelectorArgs{MatchLabels: pulumi.StringMap{sucControllerLabel: pulumi.String(sucController)}},
		Template: corev1.PodTemplateSpecArgs{
			Metadata: metav1.ObjectMetaArgs{Labels: labels},
			Spec: corev1.PodSpecArgs{
				Affinity:           sucAffinity(),
				ServiceAccountName: pulumi.String(sucAccount),
				Tolerations:        sucTolerations(),
				Containers:         corev1.ContainerArray{sucContainer()},
				Volumes:            sucVolumes(),
			},
		},
	}
}

// sucAffinity keeps the controller on a Linux control-plane node, one per node.
func sucAffinity() corev1.AffinityArgs {
	return corev1.AffinityArgs{
		NodeAffinity: corev1.NodeAffinityArgs{
			RequiredDuringSchedulingIgnoredDuringExecution: corev1.NodeSelectorArgs{
				NodeSelectorTerms: corev1.NodeSelectorTermArray{corev1.NodeSelectorTermArgs{
					MatchExpressions: corev1.NodeSelectorRequirementArray{
						corev1.NodeSelectorRequirementArgs{Key: pulumi.String(controlPlaneLabel), Operator: pulumi.String("Exists")},
						corev1.NodeSelectorRequirementArgs{Key: pulumi.String("kubernetes.io/os"), Operator: pulumi.String("In"), Values: pulumi.ToStringArray([]string{"linux"})},
					},
				}},
			},
		},
		PodAntiAffinity: corev1.PodAntiAffinityArgs{
			RequiredDuringSchedulingIgnoredDuringExecution: corev1.PodAffinityTermArray{corev1.PodAffinityTermArgs{
				TopologyKey: pulumi.String("kubernetes.io/hostname"),
				LabelSelector: metav1.LabelSelectorArgs{MatchExpressions: metav1.LabelSelectorRequirementArray{metav1.LabelSelectorRequirementArgs{
					Key: pulumi.String("app.kubernetes.io/name"), Operator: pulumi.String("In"), Values: pulumi.ToStringArray([]string{sucController}),
				}}},
			}},
		},
	}
}

// sucTolerations let the controller onto control-plane nodes, hcloud-k3s's
// CriticalAddonsOnly taint (config.ControlPlaneTaint) included.
func sucTolerations() corev1.TolerationArray {
	tolerations := corev1.TolerationArray{corev1.TolerationArgs{Key: pulumi.String(config.ControlPlaneTaint.Key), Operator: pulumi.String("Exists")}}
	for _, t := range []struct{ key, effect string }{
		{"node-role.kubernetes.io/master", "NoSchedule"},
		{"node-role.kubernetes.io/controlplane", "NoSchedule"},
		{controlPlaneLabel, "NoSchedule"},
		{"node-role.kubernetes.io/etcd", "NoExecute"},
	} {
		tolerations = append(tolerations, corev1.TolerationArgs{Key: pulumi.String(t.key), Operator: pulumi.String("Exists"), Effect: pulumi.String(t.effect)})
	}
	return tolerations
}

func sucContainer() corev1.ContainerArgs {
	fromPod := func(name, field string) corev1.EnvVarArgs {
		return corev1.EnvVarArgs{Name: pulumi.String(name), ValueFrom: corev1.EnvVarSourceArgs{FieldRef: corev1.ObjectFieldSelectorArgs{FieldPath: pulumi.String(field)}}}
	}
	mounts := corev1.VolumeMountArray{}
	for _, dir := range sucHostCertificates {
		mounts = append(mounts, corev1.VolumeMountArgs{Name: pulumi.String(volumeName(dir)), MountPath: pulumi.String(dir), ReadOnly: pulumi.Bool(true)})
	}
	return corev1.ContainerArgs{
		Name:            pulumi.String(sucController),
		Image:           pulumi.String(sucImage),
		ImagePullPolicy: pulumi.String("IfNotPresent"),
		SecurityContext: corev1.SecurityContextArgs{
			RunAsNonRoot: pulumi.Bool(true), RunAsUser: pulumi.Int(65534), RunAsGroup: pulumi.Int(65534),
			AllowPrivilegeEscalation: pulumi.Bool(false),
			SeccompProfile:           corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
			Capabilities:             corev1.CapabilitiesArgs{Drop: pulumi.ToStringArray([]string{"ALL"})},
		},
		EnvFrom: corev1.EnvFromSourceArray{corev1.EnvFromSourceArgs{ConfigMapRef: corev1.ConfigMapEnvSourceArgs{Name: pulumi.String(sucEnvironment)}}},
		Env: corev1.EnvVarArray{
			fromPod("SYSTEM_UPGRADE_CONTROLLER_NAME", "metadata.labels['"+sucControllerLabel+"']"),
			fromPod("SYSTEM_UPGRADE_CONTROLLER_NAMESPACE", "metadata.namespace"),
			fromPod("SYSTEM_UPGRADE_CONTROLLER_NODE_NAME", "spec.nodeName"),
		},
		VolumeMounts: append(mounts, corev1.VolumeMountArgs{Name: pulumi.String("tmp"), MountPath: pulumi.String("/tmp")}),
	}
}

// sucHostCertificates are the host directories of CA certificates the
// controller reads.
var sucHostCertificates = []string{"/etc/ssl", "/etc/pki", "/etc/ca-certificates"}

func sucVolumes() corev1.VolumeArray {
	volumes := corev1.VolumeArray{}
	for _, dir := range sucHostCertificates {
		volumes = append(volumes, corev1.VolumeArgs{Name: pulumi.String(volumeName(dir)),
			HostPath: corev1.HostPathVolumeSourceArgs{Path: pulumi.String(dir), Type: pulumi.String("DirectoryOrCreate")}})
	}
	return append(volumes, corev1.VolumeArgs{Name: pulumi.String("tmp"), EmptyDir: corev1.EmptyDirVolumeSourceArgs{}})
}

// volumeName is upstream's name for a host directory's volume: /etc/pki is etc-pki.
func volumeName(dir string) string { return strings.ReplaceAll(strings.TrimPrefix(dir, "/"), "/", "-") }
