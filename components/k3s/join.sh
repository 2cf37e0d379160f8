# hcloud-k3s join of a server that the cluster-autoscaler created: its
# private IP is not known before it boots. Parameter: network, the cluster's
# network CIDR. Then the install runs as on a fixed worker, with this address.

# private_address: the IPv4 address this server holds inside the cluster's
# network, waiting for DHCP to assign it.
private_address() {
  local addr
  for _ in $(seq 1 60); do
    addr=$(ip -o -4 addr show | awk -v cidr="$network" '
      function num(ip,  p) { split(ip, p, "."); return ((p[1] * 256 + p[2]) * 256 + p[3]) * 256 + p[4] }
      BEGIN { split(cidr, c, "/"); size = 2 ^ (32 - c[2]); base = num(c[1]) - num(c[1]) % size }
      { split($4, a, "/"); n = num(a[1]); if (n >= base && n < base + size) { print a[1]; exit } }')
    if [ -n "$addr" ]; then
      echo "$addr"
      return 0
    fi
    sleep 2
  done
  fail "no address in the cluster's network $network after 120s; is the server attached to it?"
}

node_ip=$(private_address)
config="$config
node-ip: $node_ip"
