package config

import (
	"strings"
	"testing"
)

const testSecretKey = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"

// withS3 is valid() with off-site snapshots to the given bucket.
func withS3(modify func(s3 *S3Input)) Input {
	in := valid()
	s3 := S3Input{Bucket: "backups", AccessKey: "AKIAEXAMPLE", SecretKey: testSecretKey}
	if modify != nil {
		modify(&s3)
	}
	in.EtcdSnapshots.S3 = &s3
	return in
}

func TestEtcdSnapshotDefaults(t *testing.T) {
	c, err := Resolve("dev", valid())
	if err != nil {
		t.Fatal(err)
	}
	if s := c.EtcdSnapshots; s.Schedule != "0 */12 * * *" || s.Retention != 5 || s.OffSite() {
		t.Errorf("snapshots without config = %+v, want k3s's defaults and no S3", s)
	}
}

func TestS3Defaults(t *testing.T) {
	tests := []struct {
		name                     string
		location                 string
		s3                       func(*S3Input)
		endpoint, region, folder string
	}{
		{"Hetzner Object Storage in the home location, folder named after the cluster", "", nil,
			"nbg1.your-objectstorage.com", "nbg1", "dev"},
		{"another Hetzner location's endpoint sets its region", "fsn1", func(s *S3Input) { s.Endpoint = "hel1.your-objectstorage.com" },
			"hel1.your-objectstorage.com", "hel1", "dev"},
		{"other S3 services default to k3s's region", "ash", func(s *S3Input) { s.Endpoint = "s3.example.com:9000"; s.Folder = "k3s/dev" },
			"s3.example.com:9000", "us-east-1", "k3s/dev"},
		{"an explicit region wins", "", func(s *S3Input) { s.Region = "eu-central" },
			"nbg1.your-objectstorage.com", "eu-central", "dev"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := withS3(tt.s3)
			if tt.location != "" {
				in.ControlPlane.Locations = []string{tt.location}
				in.ControlPlane.ServerType = "ccx13" // sold everywhere
				in.WorkerPools[0].ServerType = "ccx13"
			}
			c, err := Resolve("dev", in)
			if err != nil {
				t.Fatal(err)
			}
			s3 := c.EtcdSnapshots.S3
			if s3.Endpoint != tt.endpoint || s3.Region != tt.region || s3.Folder != tt.folder || s3.SecretKey != testSecretKey {
				t.Errorf("got endpoint %q region %q folder %q, want %q %q %q", s3.Endpoint, s3.Region, s3.Folder, tt.endpoint, tt.region, tt.folder)
			}
		})
	}
}

func TestEtcdSnapshotsRejects(t *testing.T) {
	tests := []struct {
		name string
		in   Input
		want string
	}{
		{"malformed cron", func() Input { in := valid(); in.EtcdSnapshots.Schedule = "0 */12 * *"; return in }(),
			`hcloud-k3s:etcdSnapshots.schedule: "0 */12 * *" is not a cron schedule: use five fields (minute hour day-of-month month day-of-week) such as "0 */12 * * *", or a descriptor such as @daily`},
		{"cron field out of range", func() Input { in := valid(); in.EtcdSnapshots.Schedule = "0 25 * * *"; return in }(),
			`hcloud-k3s:etcdSnapshots.schedule: "0 25 * * *" is not a cron schedule`},
		{"retention below 1", func() Input { in := valid(); in.EtcdSnapshots.Retention = intp(0); return in }(),
			`hcloud-k3s:etcdSnapshots.retention: 0 must be 1 or more: how many snapshots each server, and S3, keeps`},
		{"endpoint with a scheme", withS3(func(s *S3Input) { s.Endpoint = "https://fsn1.your-objectstorage.com" }),
			`hcloud-k3s:etcdSnapshots.s3.endpoint: "https://fsn1.your-objectstorage.com" must be a host name without a scheme (k3s always uses https), such as fsn1.your-objectstorage.com`},
		{"endpoint with a path", withS3(func(s *S3Input) { s.Endpoint = "fsn1.your-objectstorage.com/backups" }),
			`hcloud-k3s:etcdSnapshots.s3.endpoint: "fsn1.your-objectstorage.com/backups" must be a host name without a path, such as fsn1.your-objectstorage.com`},
		{"endpoint with a bad port", withS3(func(s *S3Input) { s.Endpoint = "s3.example.com:99999" }),
			`hcloud-k3s:etcdSnapshots.s3.endpoint: "s3.example.com:99999" has an invalid port`},
		{"no endpoint outside Hetzner Object Storage's locations", func() Input {
			in := withS3(nil)
			in.ControlPlane.Locations = []string{"ash"}
			return in
		}(), `hcloud-k3s:etcdSnapshots.s3.endpoint: "" is required outside fsn1, nbg1, hel1 (Hetzner Object Storage locations)`},
		{"bucket with capitals", withS3(func(s *S3Input) { s.Bucket = "My-Backups" }),
			`hcloud-k3s:etcdSnapshots.s3.bucket: "My-Backups" is not a bucket name S3 accepts: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit`},
		{"bucket too short", withS3(func(s *S3Input) { s.Bucket = "ab" }), `hcloud-k3s:etcdSnapshots.s3.bucket: "ab" is not a bucket name S3 accepts`},
		{"bucket ending in a hyphen", withS3(func(s *S3Input) { s.Bucket = "backups-" }), `hcloud-k3s:etcdSnapshots.s3.bucket: "backups-" is not a bucket name S3 accepts`},
		{"no bucket", withS3(func(s *S3Input) { s.Bucket = "" }), `hcloud-k3s:etcdSnapshots.s3.bucket: "" is not a bucket name S3 accepts`},
		{"bucket with adjacent periods", withS3(func(s *S3Input) { s.Bucket = "a..b" }),
			`hcloud-k3s:etcdSnapshots.s3.bucket: "a..b" is not a bucket name S3 accepts: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, without two adjacent periods`},
		{"bucket like an IP address", withS3(func(s *S3Input) { s.Bucket = "192.168.5.4" }),
			`hcloud-k3s:etcdSnapshots.s3.bucket: "192.168.5.4" is not a bucket name S3 accepts: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit, not formatted as an IP address`},
		{"bucket with a reserved prefix", withS3(func(s *S3Input) { s.Bucket = "xn--backups" }),
			`hcloud-k3s:etcdSnapshots.s3.bucket: "xn--backups" is not a bucket name S3 accepts: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit; the prefix xn-- is reserved`},
		{"folder with a leading slash", withS3(func(s *S3Input) { s.Folder = "/k3s" }),
			`hcloud-k3s:etcdSnapshots.s3.folder: "/k3s" is not a folder`},
		{"access key without a secret key", withS3(func(s *S3Input) { s.SecretKey = "" }),
			`hcloud-k3s:etcdSnapshots.s3.secretKey: (unset) is required with accessKey: set it with pulumi config set --secret --path etcdSnapshots.s3.secretKey`},
		{"secret key without an access key", withS3(func(s *S3Input) { s.AccessKey = "" }),
			`hcloud-k3s:etcdSnapshots.s3.accessKey: "" is required: the access key of your S3 credentials`},
		{"extra arg setting a snapshot key", func() Input {
			in := valid()
			in.K3s.ExtraServerArgs = []string{"--etcd-s3-secret-key=x"}
			return in
		}(), `hcloud-k3s:k3s.extraServerArgs[0]: "--etcd-s3-secret-key=x" sets --etcd-s3-secret-key, which hcloud-k3s manages`},
		{"secret key with a backslash", withS3(func(s *S3Input) { s.SecretKey = `abc\def` }),
			`hcloud-k3s:etcdSnapshots.s3.secretKey: (secret) is not a secret key`},
		{"secret key with a quote", withS3(func(s *S3Input) { s.SecretKey = "abc'def" }),
			`hcloud-k3s:etcdSnapshots.s3.secretKey: (secret) is not a secret key: printable characters without spaces, quotes or backslashes`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Resolve("dev", tt.in)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error = %v\nwant it to contain %s", err, tt.want)
			}
			if tt.in.EtcdSnapshots.S3 != nil && tt.in.EtcdSnapshots.S3.SecretKey != "" && strings.Contains(err.Error(), tt.in.EtcdSnapshots.S3.SecretKey) {
				t.Errorf("the error shows the secret key: %v", err)
			}
		})
	}
}

func TestCronDescriptorsAreAccepted(t *testing.T) {
	for _, schedule := range []string{"@daily", "@every 6h", "30 2 * * MON-FRI", "*/15 * * * *"} {
		in := valid()
		in.EtcdSnapshots.Schedule = schedule
		if _, err := Resolve("dev", in); err != nil {
			t.Errorf("%q: %v", schedule, err)
		}
	}
}
