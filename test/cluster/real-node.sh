#!/usr/bin/env bash
# One REAL node beside the KWOK nodes of the test cluster: kubelet + containerd + runc + CNI bridge +
# kube-proxy (nftables), with CoreDNS as the cluster DNS. Pods scheduled here run the project's images for
# real (probes, Services, traffic); KWOK manages only its own nodes (annotation kwok.x-k8s.io/node=fake).
# The node is tainted and labelled so that only pods meant for it land there:
#   nodeSelector  agentarmy.dev/node: real
#   toleration    agentarmy.dev/real-node=true:NoSchedule
#
#   real-node.sh up DIR KUBECONFIG      start (idempotent); prints the node IP
#   real-node.sh down DIR               stop what it started (by pid), remove its containers and network bits
#   real-node.sh check [DIR]            exit 1 with one line saying why this machine cannot run a real node
#                                       (for DIR: another cluster's real node already running is a reason)
#
# Images are built by images.sh and imported into containerd; containerd's content store lives in the
# cache ($AGENT_ARMY_CACHE/containerd), so an image is imported once per input hash. The references of
# the images imported by the last `up` are in DIR/real-node/images.json (what tests deploy).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"

NODE_NAME="${REAL_NODE_NAME:-real-0}"
POD_CIDR="10.244.0.0/24"
bin="$AGENT_ARMY_BIN"
log() { printf '[real-node] %s\n' "$*" >&2; }

node_ip() { ip -4 route get 1.1.1.1 2>/dev/null | awk '{for (i = 1; i < NF; i++) if ($i == "src") print $(i + 1)}'; }

# Why this machine cannot run a real node (empty: it can).
why_not() {
  [ "$(id -u)" -eq 0 ] || { echo "not root (kubelet and containerd need root)"; return; }
  for c in containerd runc ip nft iptables; do
    command -v "$c" >/dev/null 2>&1 || { echo "$c is not installed (make setup installs it)"; return; }
  done
  [ -x /usr/lib/cni/bridge ] || { echo "CNI plugins are missing (/usr/lib/cni/bridge)"; return; }
  grep -qw overlay /proc/filesystems || modprobe overlay 2>/dev/null || { echo "no overlayfs in this kernel"; return; }
  local cg=/sys/fs/cgroup/memory
  [ -d "$cg" ] || cg=/sys/fs/cgroup
  local probe="$cg/agent-army-probe-$$"
  mkdir "$probe" 2>/dev/null && rmdir "$probe" || { echo "cgroups are not writable ($cg)"; return; }
  [ -n "$(node_ip)" ] || { echo "no IPv4 address with a default route (kubelet needs a node IP)"; return; }
  if owner_alive && [ "$(owner)" != "${state:-}" ]; then
    echo "a real node already runs for another cluster ($(owner)); there is one per machine"
    return
  fi
}

# A pid file whose process still runs the command it was started for (pids are reused on a busy machine).
alive() {
  [ -f "$1" ] || return 1
  local pid cmd
  pid="$(cat "$1")"
  cmd="$( { tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null)" || return 1
  [[ "$cmd" == *"$state"* ]]
}

# One real node per machine: its owner (the state directory) is recorded in the cache. The node-wide
# network bits (cni0, kube-proxy's nftables tables, CNI netns) belong to that owner alone.
owner_file="$AGENT_ARMY_CACHE/real-node.owner"
owner() { cat "$owner_file" 2>/dev/null || true; }
owner_alive() { local o; o="$(owner)"; [ -n "$o" ] && [ -f "$o/containerd.pid" ] && state="$o" alive "$o/containerd.pid"; }

start_bg() { # start_bg NAME LOGFILE CMD... (pid in $state/NAME.pid)
  local name="$1" logf="$2"
  shift 2
  if alive "$state/$name.pid"; then return 0; fi
  setsid "$@" >"$logf" 2>&1 </dev/null &
  echo $! >"$state/$name.pid"
}

wait_for() { # wait_for SECONDS DESCRIPTION CMD...
  local deadline=$((SECONDS + $1)) what="$2"
  shift 2
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { log "timed out waiting for $what"; return 1; }
    sleep 0.5
  done
}

# put FILE: stdin into FILE only when it differs (kube-proxy exits when its configuration file changes).
put() {
  local tmp
  tmp="$(mktemp)"
  cat >"$tmp"
  if cmp -s "$tmp" "$1"; then rm -f "$tmp"; else mv "$tmp" "$1"; fi
}

write_configs() {
  local ip="$1"
  mkdir -p "$state/cni" "$state/kubelet" "$state/containerd-state" "$cache/root"
  put "$state/cni/10-agent-army.conflist" <<EOF
{
  "cniVersion": "0.4.0",
  "name": "agent-army",
  "plugins": [
    {"type": "bridge", "bridge": "cni0", "isGateway": true, "ipMasq": true, "hairpinMode": true,
     "ipam": {"type": "host-local", "dataDir": "$state/cni-ipam", "ranges": [[{"subnet": "$POD_CIDR"}]],
              "routes": [{"dst": "0.0.0.0/0"}]}},
    {"type": "portmap", "capabilities": {"portMappings": true}},
    {"type": "loopback"}
  ]
}
EOF
  put "$state/containerd.toml" <<EOF
version = 2
root = "$cache/root"
state = "$state/containerd-state"
[grpc]
  address = "$sock"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_image"
  # This machine refuses a negative oom_score_adj; the kubelet asks -998 for every sandbox.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$state/cni"
EOF
  put "$state/kubelet/config.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
failCgroupV1: false
cgroupDriver: cgroupfs
failSwapOn: false
cgroupsPerQOS: false
enforceNodeAllocatable: []
containerRuntimeEndpoint: unix://$sock
authentication:
  anonymous: {enabled: true}
  webhook: {enabled: false}
authorization: {mode: AlwaysAllow}
port: 10350
healthzPort: 10358
healthzBindAddress: 127.0.0.1
readOnlyPort: 0
evictionHard: {memory.available: 100Mi, nodefs.available: 1%, imagefs.available: 1%}
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
localStorageCapacityIsolation: false
resolvConf: /etc/resolv.conf
clusterDNS: [$ip]
clusterDomain: cluster.local
registerWithTaints:
- {key: agentarmy.dev/real-node, value: "true", effect: NoSchedule}
serializeImagePulls: false
EOF
  put "$state/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: $kubeconfig}
mode: nftables
hostnameOverride: $NODE_NAME
clusterCIDR: $POD_CIDR
conntrack: {maxPerCore: 0}
metricsBindAddress: 127.0.0.1:10349
healthzBindAddress: 127.0.0.1:10356
EOF
  put "$state/Corefile" <<EOF
cluster.local:53 in-addr.arpa:53 ip6.arpa:53 {
  bind $ip
  kubernetes cluster.local in-addr.arpa ip6.arpa {
    kubeconfig $kubeconfig
    pods insecure
    fallthrough in-addr.arpa ip6.arpa
  }
  cache 5
}
.:53 {
  bind $ip
  forward . /etc/resolv.conf
  cache 30
}
EOF
}

# import_images ARCHIVE...: into containerd's k8s.io namespace, unless already there.
import_images() {
  local have f ref
  have="$(ctr -a "$sock" -n k8s.io images ls -q 2>/dev/null || true)"
  for f in "$@"; do
    ref="$(tar -xOf "$f" manifest.json | sed -n 's/.*"RepoTags":\["\([^"]*\)".*/\1/p')"
    grep -qxF "$ref" <<<"$have" && continue
    ctr -a "$sock" -n k8s.io images import --no-unpack=false "$f" >/dev/null
    log "imported $ref"
  done
}

up() {
  local why
  why="$(why_not)"
  [ -z "$why" ] || { log "cannot run a real node here: $why"; return 3; }
  local ip t0=$SECONDS refs
  ip="$(node_ip)"
  refs="$(bash "$here/images.sh" build)"
  pause_image="$(sed -n 's/.*"pause":"\([^"]*\)".*/\1/p' <<<"$refs")"
  local archives
  archives="$(sed -n 's/.*"archives":"\([^"]*\)".*/\1/p' <<<"$refs")"
  echo "$state" >"$owner_file"
  echo "$refs" >"$state/images.json"
  write_configs "$ip"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  start_bg containerd "$state/containerd.log" containerd --config "$state/containerd.toml"
  wait_for 30 containerd ctr -a "$sock" version
  local tars=()
  for key in pause agentRuntime devTools operator; do
    local ref
    ref="$(sed -n "s/.*\"$key\":\"\([^\"]*\)\".*/\1/p" <<<"$refs")"
    tars+=("$archives/$(basename "${ref%%:*}")-${ref##*:}.tar")
  done
  import_images "${tars[@]}"
  start_bg coredns "$state/coredns.log" "$bin/coredns-$COREDNS_VERSION" -conf "$state/Corefile"
  start_bg kubelet "$state/kubelet.log" "$bin/kubelet-$KUBE_VERSION" --config "$state/kubelet/config.yaml" \
    --kubeconfig "$kubeconfig" --root-dir "$state/kubelet/root" --hostname-override "$NODE_NAME" \
    --node-ip "$ip" --node-labels "agentarmy.dev/node=real" --v=1
  start_bg kube-proxy "$state/kube-proxy.log" "$bin/kube-proxy-$KUBE_VERSION" --config "$state/kube-proxy.yaml"
  wait_for 90 "node $NODE_NAME Ready" bash -c \
    "'$bin/kubectl-$KUBE_VERSION' --kubeconfig '$kubeconfig' get node '$NODE_NAME' -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' | grep -qx True"
  log "node $NODE_NAME Ready at $ip in $((SECONDS - t0)) s (logs in $state)"
  echo "$ip"
}

stop_pid() {
  local f="$state/$1.pid"
  alive "$f" || { rm -f "$f"; return 0; }
  local pid
  pid="$(cat "$f")"
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
  rm -f "$f"
}

down() {
  if [ "$(owner)" != "$state" ] && owner_alive; then
    # Not this directory's node: stop nothing machine-wide, only forget this directory's leftovers.
    rm -rf "$state"
    return 0
  fi
  stop_pid kube-proxy
  stop_pid kubelet
  stop_pid coredns
  if alive "$state/containerd.pid"; then
    local ids
    ids="$(ctr -a "$sock" -n k8s.io tasks ls -q 2>/dev/null || true)"
    for id in $ids; do ctr -a "$sock" -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1 || true; done
    sleep 1
    for id in $ids; do ctr -a "$sock" -n k8s.io tasks rm -f "$id" >/dev/null 2>&1 || true; done
    for id in $(ctr -a "$sock" -n k8s.io containers ls -q 2>/dev/null || true); do
      ctr -a "$sock" -n k8s.io containers rm "$id" >/dev/null 2>&1 || true
    done
  fi
  stop_pid containerd
  # Shims outlive containerd; they hold this run's state directory.
  pkill -f "containerd-shim.*-address $sock" 2>/dev/null || true
  # Mounts the kubelet and containerd left (secrets, projected volumes, rootfs, shm): deepest first.
  if [ -d "$state" ]; then
    { findmnt -rn -o TARGET | grep -F "$state/" || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  fi
  for ns in $(ip netns list 2>/dev/null | awk '/^cni-/{print $1}'); do ip netns delete "$ns" 2>/dev/null || true; done
  nft delete table ip kube-proxy 2>/dev/null || true
  nft delete table ip6 kube-proxy 2>/dev/null || true
  ip link delete cni0 2>/dev/null || true
  for chain in $(iptables -t nat -S 2>/dev/null | awk '/^-N CNI-/{print $2}'); do
    iptables -t nat -F "$chain" 2>/dev/null || true
  done
  { iptables -t nat -S POSTROUTING 2>/dev/null | grep -- '-j CNI-' || true; } | sed 's/^-A/-D/' |
    while read -r rule; do eval "iptables -t nat $rule" 2>/dev/null || true; done
  for chain in $(iptables -t nat -S 2>/dev/null | awk '/^-N CNI-/{print $2}'); do
    iptables -t nat -X "$chain" 2>/dev/null || true
  done
  rm -rf "$state"
  rm -f "$owner_file"
}

cache="$AGENT_ARMY_CACHE/containerd"
case "${1:-}" in
  up)
    state="$(cd "$2" && pwd)/real-node" kubeconfig="$3"
    sock="$state/containerd.sock"
    mkdir -p "$state"
    up
    ;;
  down)
    state="$(cd "$2" 2>/dev/null && pwd)/real-node"
    sock="$state/containerd.sock"
    down
    ;;
  check)
    state="${2:+$(cd "$2" 2>/dev/null && pwd)/real-node}"
    why="$(why_not)"
    [ -z "$why" ] || { echo "$why"; exit 1; }
    ;;
  *) echo "usage: $0 up DIR KUBECONFIG | down DIR | check [DIR]" >&2; exit 2 ;;
esac
