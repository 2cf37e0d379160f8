package stack_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/hcloud-k3s/hcloud-k3s/components/backup"
	"github.com/hcloud-k3s/hcloud-k3s/components/config"
	"github.com/hcloud-k3s/hcloud-k3s/components/internal/shell"
	"github.com/hcloud-k3s/hcloud-k3s/components/k3s"
	"github.com/hcloud-k3s/hcloud-k3s/internal/cloudmodel"
	"github.com/hcloud-k3s/hcloud-k3s/internal/mockcloud"
)

const testS3SecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

// s3Snapshots is etcdSnapshots with off-site copies in the bucket "backups"
// (Hetzner Object Storage in the first control-plane location), plus more.
func s3Snapshots(more map[string]any) map[string]any {
	overrides := map[string]any{"etcdSnapshots": map[string]any{
		"schedule": "0 */6 * * *", "retention": 7,
		"s3": map[string]any{"bucket": "backups", "accessKey": "AKIAEXAMPLE", "secretKey": testS3SecretKey},
	}}
	for k, v := range more {
		overrides[k] = v
	}
	return overrides
}

// controlPlaneNodes are the control-plane node names of a stack.
func controlPlaneNodes(g graph) []string {
	var names []string
	for _, name := range g.names(server) {
		if g.get(server, name).Inputs["labels"].ObjectValue()["role"].StringValue() == "control-plane" {
			names = append(names, name)
		}
	}
	return names
}

func TestSnapshotsStayLocalWithoutS3(t *testing.T) {
	for _, name := range []string{"dev", "prod"} {
		t.Run(name, func(t *testing.T) {
			g := stack(t, name, nil)
			if slices.Contains(g.names(command), "etcd-snapshot") {
				t.Error("an on-demand snapshot is taken without S3: it would stay on the node it protects")
			}
			for _, cp := range controlPlaneNodes(g) {
				if label := g.get(server, cp).Inputs["labels"].ObjectValue()["etcd-snapshots"].StringValue(); label != "local" {
					t.Errorf("%s etcd-snapshots label = %q, want local", cp, label)
				}
				install := g.get(command, cp+"-install").Inputs
				if !strings.Contains(install["create"].StringValue(), "before_start="+shell.Quote(backup.SetupScript(nil))) || !install["stdin"].IsSecret() {
					t.Errorf("%s without S3 does not remove S3 settings before k3s starts", cp)
				}
				config := installConfig(install["create"].StringValue())
				if !strings.Contains(config, "etcd-snapshot-schedule-cron: 0 */12 * * *") || strings.Contains(config, "etcd-s3") {
					t.Errorf("%s config lacks k3s's default schedule or has S3 keys:\n%s", cp, config)
				}
			}
			if _, ok := g.Outputs["etcdSnapshotLocation"]; ok {
				t.Error("etcdSnapshotLocation is exported without S3")
			}
		})
	}
}

func TestSnapshotsGoToS3(t *testing.T) {
	for _, tt := range []struct{ stack, location string }{{"dev", "nbg1"}, {"prod", "fsn1"}} {
		t.Run(tt.stack, func(t *testing.T) {
			g := stack(t, tt.stack, s3Snapshots(nil))
			for _, cp := range controlPlaneNodes(g) {
				assertS3Node(t, g, cp, tt.location)
			}
			for _, pool := range g.names(server) {
				if script := g.get(command, pool+"-install").Inputs["create"].StringValue(); !slices.Contains(controlPlaneNodes(g), pool) && strings.Contains(script, "etcd-s") {
					t.Errorf("agent %s gets snapshot settings", pool)
				}
			}
			location := g.Outputs["etcdSnapshotLocation"]
			want := map[string]string{"endpoint": tt.location + ".your-objectstorage.com", "region": tt.location, "bucket": "backups", "folder": tt.stack}
			if !reflect.DeepEqual(location.Value, want) || location.Secret {
				t.Errorf("etcdSnapshotLocation = %v (secret %v), want %v", location.Value, location.Secret, want)
			}
		})
	}
}

// assertS3Node checks that a control-plane node gets the S3 settings in its
// config, and the secret key only on its install's secret stdin, for the
// setup the install runs before k3s starts.
func assertS3Node(t *testing.T, g graph, cp, location string) {
	t.Helper()
	install := g.get(command, cp+"-install")
	stdin := install.Inputs["stdin"]
	if !stdin.IsSecret() || !strings.HasSuffix(stdin.SecretValue().Element.StringValue(), "\n"+k3s.S3SecretDropIn(testS3SecretKey)) {
		t.Errorf("%s install stdin: secret %v, or no S3 secret drop-in after the token", cp, stdin.IsSecret())
	}
	// The setup's parameters, quoted once more inside the install's.
	if !strings.Contains(install.Inputs["create"].StringValue(), `s3='\''true'\''`) {
		t.Errorf("%s install does not write the S3 secret drop-in before k3s starts", cp)
	}
	config := installConfig(install.Inputs["create"].StringValue())
	for _, want := range []string{"etcd-s3: true", "etcd-s3-bucket: backups", "etcd-s3-endpoint: " + location + ".your-objectstorage.com",
		"etcd-s3-region: " + location, "etcd-s3-access-key: AKIAEXAMPLE", "etcd-snapshot-retention: 7", "etcd-s3-retention: 7",
		"etcd-snapshot-schedule-cron: 0 */6 * * *"} {
		if !strings.Contains(config, want) {
			t.Errorf("%s config lacks %q", cp, want)
		}
	}
	if label := g.get(server, cp).Inputs["labels"].ObjectValue()["etcd-snapshots"].StringValue(); label != "s3" {
		t.Errorf("%s etcd-snapshots label = %q, want s3", cp, label)
	}
}

// installConfig is the config.yaml an install script writes.
func installConfig(script string) string {
	_, rest, _ := strings.Cut(script, "\nconfig='")
	config, _, _ := strings.Cut(rest, "'\n")
	return config
}

func TestOnDemandSnapshotGuardsUpgradesAndResizes(t *testing.T) {
	g := stack(t, "prod", s3Snapshots(nil))
	snapshot := g.get(command, "etcd-snapshot")
	if !g.dependsOn(snapshot, g.get(command, "cp-1-install")) {
		t.Error("the snapshot does not wait for the first control-plane node")
	}
	if host := snapshot.Inputs["connection"].SecretValue().Element.ObjectValue()["host"].StringValue(); host != g.get(server, "cp-1").State["ipv4Address"].StringValue() {
		t.Errorf("the snapshot is taken on %s, want the first control-plane node", host)
	}
	if triggers := snapshot.Inputs["triggers"].Mappable(); !reflect.DeepEqual(triggers, []any{config.DefaultK3sVersion, 3.0, "cx33"}) {
		t.Errorf("snapshot triggers = %v, want the k3s version, the control-plane size and server type", triggers)
	}
	if !g.dependsOn(g.get(command, "upgrade-gate"), snapshot) {
		t.Error("the upgrade gate, and so the Plans, do not wait for the snapshot")
	}

	upgraded := runningProd(t, s3Snapshots(map[string]any{"k3sVersion": "v1.37.0+k3s1"}))
	// As TestK3sUpgradeReplacesNothingAndChangesNoInstall, plus the snapshot.
	assertChange(t, diff(runningProd(t, s3Snapshots(nil)), upgraded), nil, nil, map[string][]string{
		command + "/etcd-snapshot": {"triggers"},
		command + "/upgrade-gate":  {"create"},
		// Two mocked runs cannot keep a Stash's output, so cp-1-install shows
		// the new version here; the engine shows it unchanged
		// (TestK3sUpgradeReplacesNothingAndChangesNoInstall).
		command + "/cp-1-install":                      {"create"},
		cloudmodel.TypeStash + "/cp-1-install-version": {"input"},
		cloudmodel.TypePlan + "/k3s-server":            {"spec"},
		cloudmodel.TypePlan + "/k3s-agent":             {"spec"},
	})

	// Shrinking: the snapshot is replaced (and runs) while the program
	// registers; the leaving members' drains run on delete, which the engine
	// schedules only after that.
	shrunk := stack(t, "prod", s3Snapshots(map[string]any{"controlPlane": map[string]any{"count": 1, "serverType": "cx33", "locations": []string{"fsn1"}}}))
	c := diff(g, shrunk)
	if !slices.Equal(c.changed[command+"/etcd-snapshot"], []string{"triggers"}) {
		t.Errorf("shrinking the control plane does not take a snapshot first: %v", c.changed)
	}
	for _, gone := range []string{"cp-2-drain", "cp-3-drain"} {
		if !slices.Contains(c.removed, command+"/"+gone) {
			t.Errorf("%s is not removed with its node: %v", gone, c.removed)
		}
	}
}

func TestChangingTheScheduleRestartsTheServersOneAtATime(t *testing.T) {
	before := stack(t, "prod", s3Snapshots(nil))
	after := runningProd(t, s3Snapshots(map[string]any{"etcdSnapshots": map[string]any{
		"schedule": "15 3 * * *", "retention": 7,
		"s3": map[string]any{"bucket": "backups", "accessKey": "AKIAEXAMPLE", "secretKey": testS3SecretKey},
	}}))
	// The installs rewrite config.yaml and leave the restart pending; the
	// rollouts restart k3s, each once the previous server is ready again.
	assertChange(t, diff(before, after), nil, nil, map[string][]string{
		command + "/cp-1-install": {"create"}, command + "/cp-2-install": {"create"}, command + "/cp-3-install": {"create"},
		command + "/cp-1-rollout": {"update"}, command + "/cp-2-rollout": {"update"}, command + "/cp-3-rollout": {"update"},
	})
	rollout := func(name string) mockcloud.Resource { return after.get(command, name+"-rollout") }
	for _, pair := range [][2]string{{"cp-2", "cp-1"}, {"cp-3", "cp-2"}} {
		if !after.waitsDirectly(rollout(pair[0]), rollout(pair[1])) {
			t.Errorf("%s restarts while %s may still be restarting: two etcd members down at once", pair[0], pair[1])
		}
	}
	if !strings.Contains(rollout("cp-1").Inputs["update"].StringValue(), "unit_action restart") {
		t.Error("the rollout does not restart k3s")
	}
}

func TestBadS3ConfigRegistersNothingAndHidesTheSecret(t *testing.T) {
	res, err := runStack(t, "prod", map[string]any{"etcdSnapshots": map[string]any{
		"s3": map[string]any{"endpoint": "https://fsn1.your-objectstorage.com", "bucket": "Backups", "secretKey": testS3SecretKey},
	}}, mockcloud.Options{SecretKeys: []string{"hcloud-k3s:etcdSnapshots"}})
	for _, want := range []string{`hcloud-k3s:etcdSnapshots.s3.endpoint: "https://fsn1.your-objectstorage.com" must be a host name without a scheme`,
		`hcloud-k3s:etcdSnapshots.s3.bucket: "Backups" is not a bucket name S3 accepts`,
		`hcloud-k3s:etcdSnapshots.s3.accessKey: "" is required`} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("error %v lacks %q", err, want)
		}
	}
	if err != nil && strings.Contains(err.Error(), testS3SecretKey) {
		t.Error("the error shows the S3 secret key")
	}
	if len(res.Resources) != 0 {
		t.Errorf("%d resources registered despite bad config", len(res.Resources))
	}
}
