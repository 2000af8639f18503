#!/usr/bin/env bash
# The local test cluster: a real kube-apiserver, kube-controller-manager, kube-scheduler and etcd, run by
# KWOK's binary runtime with fake nodes, so Deployments get Pods that become Ready without containers —
# and, beside them, one real node (real-node.sh: kubelet, containerd, CNI, kube-proxy, CoreDNS) where
# pods that select it run the project's images for real.
#
#   cluster.sh up         build binaries if missing (cached), start the cluster or reuse a running one
#   cluster.sh down       stop exactly the processes it started (pid files) and remove its data dir
#   cluster.sh status     exit 0 and print the kubeconfig path when the cluster answers /readyz
#   cluster.sh real-node  exit 0 and print the real node's IP when it is up
#   cluster.sh env        print shell exports (KUBECONFIG, PATH with the cached kubectl/helm)
#
# Settings (env): CLUSTER_NAME (agent-army), CLUSTER_NODES (2), CLUSTER_DIR (<repo>/.cluster/<name>),
# CLUSTER_CONFIG (an extra KwokctlConfiguration file, e.g. bench's QPS settings),
# REAL_NODE: auto (default: start it when this machine can, else say why and go on; under CI=true a
# machine that cannot is an error), 1 (required), 0 (KWOK nodes only).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"

name="${CLUSTER_NAME:-agent-army}"
nodes="${CLUSTER_NODES:-2}"
dir="${CLUSTER_DIR:-$repo/.cluster/$name}"
kubeconfig="$dir/kubeconfig"
export KWOK_WORKDIR="$dir/kwok"
bin="$AGENT_ARMY_BIN"
kubectl="$bin/kubectl-$KUBE_VERSION"
kwokctl="$bin/kwokctl-$KWOK_VERSION"

real_node="${REAL_NODE:-auto}"
log() { printf '[cluster] %s\n' "$*" >&2; }

answers() {
  [ -f "$kubeconfig" ] && "$kubectl" --kubeconfig "$kubeconfig" --request-timeout=3s get --raw /readyz >/dev/null 2>&1
}

wait_ready() {
  local deadline=$((SECONDS + ${1:-120}))
  until answers; do
    [ $SECONDS -lt $deadline ] || { log "apiserver did not become ready"; return 1; }
    sleep 0.5
  done
  until "$kubectl" --kubeconfig "$kubeconfig" get serviceaccount default -n default >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { log "default ServiceAccount did not appear"; return 1; }
    sleep 0.5
  done
  local ready=0
  until [ "$ready" -ge "$nodes" ]; do
    ready="$("$kubectl" --kubeconfig "$kubeconfig" get nodes --no-headers 2>/dev/null | grep -c ' Ready ' || true)"
    [ $SECONDS -lt $deadline ] || { log "only $ready of $nodes nodes Ready"; return 1; }
    [ "$ready" -ge "$nodes" ] || sleep 0.5
  done
}

# The real node, when wanted and possible; REAL_NODE=auto outside CI falls back to KWOK nodes only.
# real-node.sh up is idempotent: on a running node it only builds and imports the images of the current
# sources (nothing when they are cached).
up_real_node() {
  [ "$real_node" != 0 ] || return 0
  local why
  if ! why="$(bash "$here/real-node.sh" check "$dir")"; then
    if [ "$real_node" = auto ] && [ "${CI:-}" != true ]; then
      log "no real node on this machine ($why); pods run on KWOK nodes only"
      return 0
    fi
    log "a real node is required (REAL_NODE=$real_node${CI:+, CI=$CI}) but this machine cannot run one: $why"
    return 1
  fi
  bash "$here/build-binaries.sh" kubelet kube-proxy coredns prometheus >&2
  local ip
  ip="$(bash "$here/real-node.sh" up "$dir" "$kubeconfig")"
  echo "$ip" >"$dir/real-node/node-ip"
}

real_node_ip() {
  [ -f "$dir/real-node/node-ip" ] || return 1
  "$kubectl" --kubeconfig "$kubeconfig" get node real-0 \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null | grep -qx True || return 1
  cat "$dir/real-node/node-ip"
}

up() {
  if answers; then
    log "cluster '$name' already running; reusing it ($kubeconfig)"
    up_real_node
    echo "$kubeconfig"
    return 0
  fi
  bash "$here/build-binaries.sh" etcd kube-apiserver kube-controller-manager kube-scheduler kubectl kwok kwokctl >&2
  # A dead cluster (machine rebooted, processes killed) leaves state behind: clear it before starting anew.
  if [ -d "$KWOK_WORKDIR/clusters/$name" ]; then
    log "removing stale state of '$name'"
    "$kwokctl" delete cluster --name "$name" >/dev/null 2>&1 || true
    rm -rf "$dir"
  fi
  mkdir -p "$dir"
  local t0=$SECONDS cfg=(--config "$dir/kwokctl.yaml")
  # In-cluster clients (the operator's pod) reach the apiserver through the kubernetes Service's IP,
  # which its certificate must name (first IP of each service range kube-apiserver may use).
  cat >"$dir/kwokctl.yaml" <<'EOF'
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokctlConfiguration
options:
  kubeApiserverCertSANs: ["10.0.0.1", "10.96.0.1"]
EOF
  [ -n "${CLUSTER_CONFIG:-}" ] && cfg+=(--config "$CLUSTER_CONFIG")
  log "starting cluster '$name' (Kubernetes $KUBE_VERSION, etcd $ETCD_VERSION, $nodes KWOK nodes) in $dir"
  "$kwokctl" create cluster --name "$name" --runtime binary --kubeconfig "$kubeconfig" \
    --kube-apiserver-binary "$bin/kube-apiserver-$KUBE_VERSION" \
    --kube-controller-manager-binary "$bin/kube-controller-manager-$KUBE_VERSION" \
    --kube-scheduler-binary "$bin/kube-scheduler-$KUBE_VERSION" \
    --etcd-binary "$bin/etcd-$ETCD_VERSION" \
    --kwok-controller-binary "$bin/kwok-$KWOK_VERSION" \
    --extra-args kwok-controller=manage-all-nodes=false \
    --extra-args kwok-controller=manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --extra-args kube-apiserver=kubelet-preferred-address-types=InternalIP \
    "${cfg[@]}" --wait 120s >"$dir/kwokctl-create.log" 2>&1 || {
      log "kwokctl create failed:"; tail -20 "$dir/kwokctl-create.log" >&2; return 1; }
  "$kwokctl" scale node --name "$name" --replicas "$nodes" >"$dir/kwokctl-scale.log" 2>&1
  wait_ready 120
  log "cluster '$name' ready in $((SECONDS - t0)) s; KUBECONFIG=$kubeconfig"
  up_real_node
  echo "$kubeconfig"
}

down() {
  if [ -d "$dir/real-node" ]; then bash "$here/real-node.sh" down "$dir"; fi
  if [ -d "$KWOK_WORKDIR/clusters/$name" ]; then
    "$kwokctl" delete cluster --name "$name" >/dev/null 2>&1 || true
    log "cluster '$name' stopped"
  else
    log "cluster '$name' is not running"
  fi
  rm -rf "$dir"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) answers && echo "$kubeconfig" ;;
  real-node) real_node_ip ;;
  env)
    echo "export KUBECONFIG='$kubeconfig'"
    echo "export PATH='$bin/links':\"\$PATH\""
    ;;
  *) echo "usage: $0 up|down|status|real-node|env" >&2; exit 2 ;;
esac
