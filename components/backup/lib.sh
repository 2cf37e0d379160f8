# Shared by the snapshot, restore and rejoin scripts: the S3 checks. Parameters:
# s3_endpoint, s3_region, s3_bucket, s3_folder, s3_access_key, secret_file
# (the k3s drop-in that holds the secret key), and consequence (what a
# failure means, ending every error).

# s3_secret prints the secret key from the node's root-only drop-in.
s3_secret() { sed -n "s/^etcd-s3-secret-key: '\(.*\)'\$/\1/p" "$root$secret_file" 2>/dev/null || true; }

# s3_status KEY prints the HTTP status of a signed HEAD request for KEY in
# the bucket ("" for the bucket itself). The credentials reach curl on its
# standard input, never in its arguments or environment.
s3_status() {
  local secret
  secret=$(s3_secret)
  [ -n "$secret" ] || fail "no S3 secret key in $secret_file: run pulumi up to write it; $consequence"
  printf 'user = "%s:%s"\n' "$s3_access_key" "$secret" |
    curl -s -o /dev/null -w '%{http_code}' --head --max-time 30 -K - \
      --aws-sigv4 "aws:amz:$s3_region:s3" "https://$s3_endpoint/$s3_bucket/$1" ||
    fail "cannot reach S3 at https://$s3_endpoint (curl exit status $?): check etcdSnapshots.s3.endpoint and the node's connection; $consequence"
}

# s3_check_bucket fails unless the bucket exists and takes the credentials.
s3_check_bucket() {
  local status
  status=$(s3_status "") || exit 1
  case $status in
    200) ;;
    301) fail "S3 bucket $s3_bucket is not in region $s3_region (HTTP 301): set etcdSnapshots.s3.region; $consequence" ;;
    403) fail "S3 refused the credentials for bucket $s3_bucket (HTTP 403): check etcdSnapshots.s3.accessKey and secretKey; $consequence" ;;
    404) fail "S3 bucket $s3_bucket does not exist at $s3_endpoint (HTTP 404): create it or fix etcdSnapshots.s3.bucket; $consequence" ;;
    *) fail "S3 answered HTTP $status for bucket $s3_bucket at $s3_endpoint; $consequence" ;;
  esac
}

# s3_has_snapshot NAME tells whether the snapshot NAME is in the folder.
s3_has_snapshot() {
  local status
  # Callers test the result, which turns errexit off in here: exit explicitly.
  status=$(s3_status "$s3_folder/$1") || exit 1
  case $status in
    200) return 0 ;;
    404) return 1 ;;
    *) fail "S3 answered HTTP $status for s3://$s3_bucket/$s3_folder/$1; $consequence" ;;
  esac
}
