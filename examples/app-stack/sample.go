package main

import (
	appsv1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/apps/v1"
	corev1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/core/v1"
	metav1 "github.com/pulumi/pulumi-kubernetes/sdk/v4/go/kubernetes/meta/v1"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

// sampleApp describes the sample: an unprivileged HTTP server behind a
// ClusterIP service, in a namespace of its own.
type sampleApp struct {
	name     string // namespace, deployment, service and app label
	image    string
	replicas int
	port     int // the container's HTTP port
	user     int // the image's non-root user and group
}

var helloApp = sampleApp{
	name:     "hello",
	image:    "nginxinc/nginx-unprivileged:1.28-alpine",
	replicas: 2,
	port:     8080,
	user:     101,
}

const (
	portName  = "http" // the container port; the probe and the service refer to it by name
	tmpVolume = "tmp"  // the writable /tmp under a read-only root filesystem
)

// deployedSample holds what the sample's stack outputs report.
type deployedSample struct {
	namespace, serviceName pulumi.StringOutput
}

// deploySample registers the sample's objects with the cluster's provider.
func deploySample(ctx *pulumi.Context, app sampleApp, provider pulumi.ProviderResource) (deployedSample, error) {
	onCluster := pulumi.Provider(provider)
	ns, err := corev1.NewNamespace(ctx, app.name, &corev1.NamespaceArgs{Metadata: app.namespaceMetadata()}, onCluster)
	if err != nil {
		return deployedSample{}, err
	}
	namespace := ns.Metadata.Name().Elem()
	if _, err := appsv1.NewDeployment(ctx, app.name, app.deployment(namespace), onCluster); err != nil {
		return deployedSample{}, err
	}
	svc, err := corev1.NewService(ctx, app.name, app.service(namespace), onCluster)
	if err != nil {
		return deployedSample{}, err
	}
	return deployedSample{namespace: namespace, serviceName: svc.Metadata.Name().Elem()}, nil
}

// namespaceMetadata makes the namespace enforce the "restricted" Pod Security
// Standard, so the cluster itself rejects a privileged change to the sample.
func (a sampleApp) namespaceMetadata() *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{
		Name: pulumi.String(a.name),
		Labels: pulumi.StringMap{
			"pod-security.kubernetes.io/enforce": pulumi.String("restricted"),
		},
	}
}

func (a sampleApp) labels() pulumi.StringMap {
	return pulumi.StringMap{"app.kubernetes.io/name": pulumi.String(a.name)}
}

func (a sampleApp) metadata(namespace pulumi.StringInput) *metav1.ObjectMetaArgs {
	return &metav1.ObjectMetaArgs{Name: pulumi.String(a.name), Namespace: namespace, Labels: a.labels()}
}

func (a sampleApp) deployment(namespace pulumi.StringInput) *appsv1.DeploymentArgs {
	return &appsv1.DeploymentArgs{
		Metadata: a.metadata(namespace),
		Spec: &appsv1.DeploymentSpecArgs{
			Replicas: pulumi.Int(a.replicas),
			Selector: &metav1.LabelSelectorArgs{MatchLabels: a.labels()},
			Template: &corev1.PodTemplateSpecArgs{
				Metadata: &metav1.ObjectMetaArgs{Labels: a.labels()},
				Spec:     a.podSpec(),
			},
		},
	}
}

func (a sampleApp) podSpec() *corev1.PodSpecArgs {
	return &corev1.PodSpecArgs{
		SecurityContext: &corev1.PodSecurityContextArgs{
			RunAsNonRoot:   pulumi.Bool(true),
			RunAsUser:      pulumi.Int(a.user),
			RunAsGroup:     pulumi.Int(a.user),
			SeccompProfile: &corev1.SeccompProfileArgs{Type: pulumi.String("RuntimeDefault")},
		},
		Containers: corev1.ContainerArray{a.container()},
		// The root filesystem is read-only; nginx writes its pid and caches to /tmp.
		Volumes: corev1.VolumeArray{corev1.VolumeArgs{
			Name:     pulumi.String(tmpVolume),
			EmptyDir: &corev1.EmptyDirVolumeSourceArgs{},
		}},
	}
}

func (a sampleApp) container() corev1.ContainerArgs {
	return corev1.ContainerArgs{
		Name:  pulumi.String(a.name),
		Image: pulumi.String(a.image),
		Ports: corev1.ContainerPortArray{corev1.ContainerPortArgs{
			Name:          pulumi.String(portName),
			ContainerPort: pulumi.Int(a.port),
		}},
		Resources: &corev1.ResourceRequirementsArgs{
			Requests: pulumi.StringMap{"cpu": pulumi.String("50m"), "memory": pulumi.String("32Mi")},
			Limits:   pulumi.StringMap{"memory": pulumi.String("64Mi")},
		},
		ReadinessProbe: &corev1.ProbeArgs{
			HttpGet:       &corev1.HTTPGetActionArgs{Path: pulumi.String("/"), Port: pulumi.String(portName)},
			PeriodSeconds: pulumi.Int(5),
		},
		SecurityContext: &corev1.SecurityContextArgs{
			AllowPrivilegeEscalation: pulumi.Bool(false),
			ReadOnlyRootFilesystem:   pulumi.Bool(true),
			Capabilities:             &corev1.CapabilitiesArgs{Drop: pulumi.StringArray{pulumi.String("ALL")}},
		},
		VolumeMounts: corev1.VolumeMountArray{corev1.VolumeMountArgs{
			Name:      pulumi.String(tmpVolume),
			MountPath: pulumi.String("/tmp"),
		}},
	}
}

// service exposes the sample inside the cluster only: a LoadBalancer service
// would get a public Hetzner load balancer, which the firewall does not filter.
func (a sampleApp) service(namespace pulumi.StringInput) *corev1.ServiceArgs {
	return &corev1.ServiceArgs{
		Metadata: a.metadata(namespace),
		Spec: &corev1.ServiceSpecArgs{
			Type:     pulumi.String("ClusterIP"),
			Selector: a.labels(),
			Ports: corev1.ServicePortArray{corev1.ServicePortArgs{
				Name:       pulumi.String(portName),
				Port:       pulumi.Int(80),
				TargetPort: pulumi.String(portName),
			}},
		},
	}
}
