package config

import (
	"fmt"
	"net"
	"net/netip"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/robfig/cron/v3"
)

// EtcdSnapshotsInput is the `etcdSnapshots` key.
type EtcdSnapshotsInput struct {
	Schedule  string   `json:"schedule"`
	Retention *int     `json:"retention"`
	S3        *S3Input `json:"s3"`
}

// S3Input is `etcdSnapshots.s3`. SecretKey is a secret: it is validated
// here without being echoed, and leaves spec only wrapped in a Pulumi secret.
type S3Input struct {
	Endpoint  string `json:"endpoint"`
	Region    string `json:"region"`
	Bucket    string `json:"bucket"`
	Folder    string `json:"folder"`
	AccessKey string `json:"accessKey"`
	SecretKey string `json:"secretKey" secret:"true"`
}

// EtcdSnapshots is how the control-plane servers snapshot embedded etcd:
// on a schedule, keeping Retention snapshots on each server and, with S3,
// as many in object storage.
type EtcdSnapshots struct {
	Schedule  string // a cron schedule as k3s parses it
	Retention int
	S3        *S3 // nil: snapshots stay on the servers
}

// S3 is the off-site copy of the snapshots, in S3-compatible object storage.
type S3 struct {
	Endpoint  string // host[:port], without scheme or path
	Region    string
	Bucket    string
	Folder    string
	AccessKey string
	SecretKey string // secret
}

// OffSite tells whether snapshots leave the servers.
func (s EtcdSnapshots) OffSite() bool { return s.S3 != nil }

// Defaults of etcdSnapshots: k3s's own (pkg/cli/cmds/server.go at v1.33.5+k3s1:
// etcd-snapshot-schedule-cron "0 */12 * * *", etcd-snapshot-retention 5).
const (
	DefaultSnapshotSchedule  = "0 */12 * * *"
	DefaultSnapshotRetention = 5
	// defaultS3Region is k3s's etcd-s3-region default, for endpoints other than Hetzner's.
	defaultS3Region = "us-east-1"
	// hetznerObjectStorage is the endpoint domain of Hetzner Object Storage, <location>.your-objectstorage.com.
	hetznerObjectStorage = ".your-objectstorage.com"
)

// objectStorageLocations sell Hetzner Object Storage; each location is its own region.
var objectStorageLocations = []string{"fsn1", "nbg1", "hel1"}

var (
	// bucketName is S3's rule for general-purpose buckets: 3-63 lowercase
	// letters, digits, '.' and '-', starting and ending with a letter or digit.
	bucketName = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)
	// reservedBucketAffixes are prefixes and suffixes S3 reserves.
	reservedBucketPrefixes = []string{"xn--", "sthree-", "amzn-s3-demo-"}
	reservedBucketSuffixes = []string{"-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"}
	// folderPattern keeps object keys to S3's safe characters; '/' separates levels.
	folderPattern = regexp.MustCompile(`^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$`)
	// secretKeyPattern is printable ASCII without spaces, quotes or
	// backslashes, so the key goes verbatim into a YAML drop-in and curl's config.
	secretKeyPattern = regexp.MustCompile(`^[!#-&(-\[\]-~]+$`)
	accessKeyPattern = regexp.MustCompile(`^[A-Za-z0-9_.-]+$`)
)

// resolveEtcdSnapshots validates etcdSnapshots; the S3 endpoint defaults to
// Hetzner Object Storage in the cluster's home location, and the folder to
// the cluster's name, so clusters can share a bucket.
func resolveEtcdSnapshots(p *problems, in EtcdSnapshotsInput, cluster, home string) EtcdSnapshots {
	s := EtcdSnapshots{Schedule: or(in.Schedule, DefaultSnapshotSchedule), Retention: valueOr(in.Retention, DefaultSnapshotRetention)}
	// k3s schedules snapshots with robfig/cron's standard parser (cron.New in
	// pkg/etcd/etcd.go), so this accepts exactly what k3s accepts.
	if _, err := cron.ParseStandard(s.Schedule); err != nil {
		p.add("etcdSnapshots.schedule", s.Schedule, "is not a cron schedule: use five fields (minute hour day-of-month month day-of-week) such as %q, or a descriptor such as @daily", DefaultSnapshotSchedule)
	}
	if s.Retention < 1 {
		p.add("etcdSnapshots.retention", s.Retention, "must be 1 or more: how many snapshots each server, and S3, keeps")
	}
	if in.S3 != nil {
		s.S3 = resolveS3(p, *in.S3, cluster, home)
	}
	return s
}

func resolveS3(p *problems, in S3Input, cluster, home string) *S3 {
	s := &S3{Endpoint: in.Endpoint, Bucket: in.Bucket, Folder: or(in.Folder, cluster), AccessKey: in.AccessKey, SecretKey: in.SecretKey}
	if s.Endpoint == "" && isObjectStorageLocation(home) {
		s.Endpoint = home + hetznerObjectStorage
	}
	if problem := endpointProblem(s.Endpoint); problem != "" {
		p.add("etcdSnapshots.s3.endpoint", s.Endpoint, "%s", problem)
	}
	s.Region = or(in.Region, endpointRegion(s.Endpoint))
	if problem := bucketProblem(s.Bucket); problem != "" {
		p.add("etcdSnapshots.s3.bucket", s.Bucket, "%s", problem)
	}
	if !folderPattern.MatchString(s.Folder) {
		p.add("etcdSnapshots.s3.folder", s.Folder, "is not a folder: use letters, digits and !_.*'()- in levels separated by '/', without a leading or trailing '/'")
	}
	checkS3Credentials(p, s)
	return s
}

func isObjectStorageLocation(location string) bool {
	return slices.Contains(objectStorageLocations, location)
}

// endpointProblem explains why an endpoint is not a host[:port], or returns "".
func endpointProblem(endpoint string) string {
	example := "such as fsn1" + hetznerObjectStorage
	switch {
	case endpoint == "":
		return fmt.Sprintf("is required outside %s (Hetzner Object Storage locations): an S3 host %s", strings.Join(objectStorageLocations, ", "), example)
	case strings.Contains(endpoint, "://"):
		return "must be a host name without a scheme (k3s always uses https), " + example
	case strings.ContainsAny(endpoint, "/?#"):
		return "must be a host name without a path, " + example
	}
	host, port, err := net.SplitHostPort(endpoint)
	if err != nil {
		host, port = endpoint, ""
	}
	if n, err := strconv.Atoi(port); port != "" && (err != nil || n < 1 || n > 65535) {
		return "has an invalid port: use host or host:port, " + example
	}
	if _, err := netip.ParseAddr(host); err != nil && !dnsSubdomain.MatchString(host) {
		return "is not a host name or IP address, " + example
	}
	return ""
}

// endpointRegion is the region of an endpoint: a Hetzner endpoint's location
// (without it, a user got "301 Moved Permanently", kube-hetzner #1404), otherwise k3s's default.
func endpointRegion(endpoint string) string {
	location, isHetzner := strings.CutSuffix(endpoint, hetznerObjectStorage)
	if isHetzner && isObjectStorageLocation(location) {
		return location
	}
	return defaultS3Region
}

// bucketProblem explains why S3 would refuse a bucket name, or returns "".
func bucketProblem(name string) string {
	const rule = "is not a bucket name S3 accepts: 3-63 lowercase letters, digits, '.' and '-', starting and ending with a letter or digit"
	if !bucketName.MatchString(name) {
		return rule
	}
	if strings.Contains(name, "..") {
		return rule + ", without two adjacent periods"
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return rule + ", not formatted as an IP address"
	}
	for _, prefix := range reservedBucketPrefixes {
		if strings.HasPrefix(name, prefix) {
			return rule + "; the prefix " + prefix + " is reserved"
		}
	}
	for _, suffix := range reservedBucketSuffixes {
		if strings.HasSuffix(name, suffix) {
			return rule + "; the suffix " + suffix + " is reserved"
		}
	}
	return ""
}

// checkS3Credentials wants both keys; the secret key is never echoed.
func checkS3Credentials(p *problems, s *S3) {
	switch {
	case s.AccessKey == "":
		p.add("etcdSnapshots.s3.accessKey", s.AccessKey, "is required: the access key of your S3 credentials")
	case !accessKeyPattern.MatchString(s.AccessKey):
		p.add("etcdSnapshots.s3.accessKey", s.AccessKey, "is not an access key: letters, digits, '_', '.' and '-'")
	}
	switch {
	case s.SecretKey == "" && s.AccessKey != "":
		p.addKey("etcdSnapshots.s3.secretKey", "(unset) is required with accessKey: set it with pulumi config set --secret --path etcdSnapshots.s3.secretKey")
	case s.SecretKey == "":
		p.addKey("etcdSnapshots.s3.secretKey", "(unset) is required: set it with pulumi config set --secret --path etcdSnapshots.s3.secretKey")
	case !secretKeyPattern.MatchString(s.SecretKey):
		p.addKey("etcdSnapshots.s3.secretKey", "(secret) is not a secret key: printable characters without spaces, quotes or backslashes")
	}
}
