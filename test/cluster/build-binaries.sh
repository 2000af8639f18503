#!/usr/bin/env bash
# Builds the test cluster's binaries from the Go module proxy, once, into a cache outside the checkout:
#   $AGENT_ARMY_BIN/<name>-<version>
# A binary already in the cache is never rebuilt, so a warm run builds nothing.
# Usage: build-binaries.sh [name ...]   (default: all)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=mod
mkdir -p "$AGENT_ARMY_BIN"
work="$AGENT_ARMY_CACHE/build"
mkdir -p "$work"

log() { printf '[build-binaries] %s\n' "$*" >&2; }
have() { [ -x "$AGENT_ARMY_BIN/$1-$2" ]; }

kube_wrapper() {
  local dir="$work/kube-$KUBE_VERSION"
  if [ ! -f "$dir/.ready" ]; then
    log "preparing wrapper module for k8s.io/kubernetes@$KUBE_VERSION"
    rm -rf "$dir" && mkdir -p "$dir"
    (
      cd "$dir"
      go mod init agentarmy.local/kubebuild >/dev/null 2>&1
      local gomod minor
      gomod="$(go mod download -json "k8s.io/kubernetes@$KUBE_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
      minor="v0.${KUBE_VERSION#v1.}"
      grep -E '^\s*k8s\.io/[a-z0-9-]+ => \./staging/' "$gomod" | awk '{print $1}' | sort -u | while read -r mod; do
        go mod edit "-replace=$mod=$mod@$minor"
      done
      go mod edit "-require=k8s.io/kubernetes@$KUBE_VERSION"
      go get -tool k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager \
        k8s.io/kubernetes/cmd/kube-scheduler k8s.io/kubernetes/cmd/kubectl \
        k8s.io/kubernetes/cmd/kubelet k8s.io/kubernetes/cmd/kube-proxy >/dev/null
    )
    touch "$dir/.ready"
  fi
  echo "$dir"
}

build_kube() {
  local name="$1"
  have "$name" "$KUBE_VERSION" && return 0
  local dir major minor t0
  dir="$(kube_wrapper)"
  major="$(echo "$KUBE_VERSION" | cut -d. -f1 | tr -d v)"
  minor="$(echo "$KUBE_VERSION" | cut -d. -f2)"
  t0=$SECONDS
  log "building $name $KUBE_VERSION"
  local ld="-s -w"
  for p in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ld="$ld -X $p.gitVersion=$KUBE_VERSION -X $p.gitMajor=$major -X $p.gitMinor=$minor"
  done
  (cd "$dir" && go build -ldflags "$ld" -o "$AGENT_ARMY_BIN/$name-$KUBE_VERSION.tmp" "k8s.io/kubernetes/cmd/$name")
  mv "$AGENT_ARMY_BIN/$name-$KUBE_VERSION.tmp" "$AGENT_ARMY_BIN/$name-$KUBE_VERSION"
  log "built $name in $((SECONDS - t0)) s"
}

build_etcd() {
  have etcd "$ETCD_VERSION" && return 0
  local dir="$work/etcd-$ETCD_VERSION" t0=$SECONDS
  log "building etcd $ETCD_VERSION"
  mkdir -p "$dir"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init agentarmy.local/etcdbuild >/dev/null 2>&1
    go get -tool "go.etcd.io/etcd/server/v3@$ETCD_VERSION" >/dev/null
    go build -ldflags "-s -w" -o "$AGENT_ARMY_BIN/etcd-$ETCD_VERSION.tmp" go.etcd.io/etcd/server/v3
  )
  mv "$AGENT_ARMY_BIN/etcd-$ETCD_VERSION.tmp" "$AGENT_ARMY_BIN/etcd-$ETCD_VERSION"
  log "built etcd in $((SECONDS - t0)) s"
}

build_kwok() {
  local name="$1"
  have "$name" "$KWOK_VERSION" && return 0
  local dir="$work/kwok-$KWOK_VERSION" t0=$SECONDS
  log "building $name $KWOK_VERSION"
  mkdir -p "$dir"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init agentarmy.local/kwokbuild >/dev/null 2>&1
    go get -tool "sigs.k8s.io/kwok/cmd/$name@$KWOK_VERSION" >/dev/null
    go build -ldflags "-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=$KWOK_VERSION" \
      -o "$AGENT_ARMY_BIN/$name-$KWOK_VERSION.tmp" "sigs.k8s.io/kwok/cmd/$name"
  )
  mv "$AGENT_ARMY_BIN/$name-$KWOK_VERSION.tmp" "$AGENT_ARMY_BIN/$name-$KWOK_VERSION"
  log "built $name in $((SECONDS - t0)) s"
}

# CoreDNS for the real node's cluster DNS (kubelet's clusterDNS points at it).
build_coredns() {
  have coredns "$COREDNS_VERSION" && return 0
  local dir="$work/coredns-$COREDNS_VERSION" t0=$SECONDS
  log "building coredns $COREDNS_VERSION"
  mkdir -p "$dir"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init agentarmy.local/corednsbuild >/dev/null 2>&1
    go get -tool "github.com/coredns/coredns@$COREDNS_VERSION" >/dev/null
    go build -ldflags "-s -w" -o "$AGENT_ARMY_BIN/coredns-$COREDNS_VERSION.tmp" github.com/coredns/coredns
  )
  mv "$AGENT_ARMY_BIN/coredns-$COREDNS_VERSION.tmp" "$AGENT_ARMY_BIN/coredns-$COREDNS_VERSION"
  log "built coredns in $((SECONDS - t0)) s"
}

# Prometheus with Kubernetes service discovery, for the real-node tests (Debian's 2.42 package is built
# without kubernetes_sd_configs). Module versions v0.3xx.y are Prometheus v3.xx.y; no web UI assets
# (the API is all the tests use).
build_prometheus() {
  have prometheus "$PROMETHEUS_VERSION" && return 0
  local dir="$work/prometheus-$PROMETHEUS_VERSION" t0=$SECONDS mod
  mod="v0.$(echo "${PROMETHEUS_VERSION#v}" | awk -F. '{printf "%d%02d.%d", $1, $2, $3}')"
  log "building prometheus $PROMETHEUS_VERSION (module $mod)"
  mkdir -p "$dir"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init agentarmy.local/prometheusbuild >/dev/null 2>&1
    go get -tool "github.com/prometheus/prometheus/cmd/prometheus@$mod" >/dev/null
    go build -ldflags "-s -w -X github.com/prometheus/common/version.Version=${PROMETHEUS_VERSION#v}" \
      -o "$AGENT_ARMY_BIN/prometheus-$PROMETHEUS_VERSION.tmp" github.com/prometheus/prometheus/cmd/prometheus
  )
  mv "$AGENT_ARMY_BIN/prometheus-$PROMETHEUS_VERSION.tmp" "$AGENT_ARMY_BIN/prometheus-$PROMETHEUS_VERSION"
  log "built prometheus in $((SECONDS - t0)) s"
}

build_helm() {
  have helm "$HELM_VERSION" && return 0
  local dir="$work/helm-$HELM_VERSION" t0=$SECONDS
  log "building helm $HELM_VERSION"
  mkdir -p "$dir"
  (
    cd "$dir"
    [ -f go.mod ] || go mod init agentarmy.local/helmbuild >/dev/null 2>&1
    go get -tool "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >/dev/null
    go build -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
      -o "$AGENT_ARMY_BIN/helm-$HELM_VERSION.tmp" helm.sh/helm/v3/cmd/helm
  )
  mv "$AGENT_ARMY_BIN/helm-$HELM_VERSION.tmp" "$AGENT_ARMY_BIN/helm-$HELM_VERSION"
  log "built helm in $((SECONDS - t0)) s"
}

# Gateway API CRDs: not a binary, but fetched from the Go module proxy the same way and cached.
fetch_gateway_api() {
  local out="$AGENT_ARMY_CACHE/gateway-api-$GATEWAY_API_VERSION"
  [ -f "$out/standard-install.yaml" ] && return 0
  log "fetching Gateway API CRDs $GATEWAY_API_VERSION"
  local dir
  dir="$(cd "$work" && go mod download -json "sigs.k8s.io/gateway-api@$GATEWAY_API_VERSION" | sed -n 's/.*"Dir": "\(.*\)",*/\1/p')"
  mkdir -p "$out"
  for f in "$dir"/config/crd/standard/*.yaml; do cat "$f"; echo '---'; done > "$out/standard-install.yaml.tmp"
  mv "$out/standard-install.yaml.tmp" "$out/standard-install.yaml"
}

# Argo CD's Application CRD, so examples/argocd-application.yaml is applied to a real schema in tests. The
# module needs a newer Go than this toolchain to build, but `go mod download` still fetches its zip (and then
# reports that), which is all this needs.
fetch_argocd_crds() {
  local out="$AGENT_ARMY_CACHE/argocd-crds-$ARGOCD_VERSION"
  [ -f "$out/application-crd.yaml" ] && return 0
  log "fetching Argo CD CRDs $ARGOCD_VERSION"
  local zip
  zip="$(cd "$work" && { go mod download -json "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION" || true; } |
    sed -n 's/.*"Zip": "\(.*\)",*/\1/p')"
  [ -f "$zip" ] || { log "could not download github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION"; return 1; }
  mkdir -p "$out"
  python3 - "$zip" "github.com/argoproj/argo-cd/v3@$ARGOCD_VERSION/manifests/crds/application-crd.yaml" \
    "$out/application-crd.yaml.tmp" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z, open(sys.argv[3], 'wb') as f:
    f.write(z.read(sys.argv[2]))
PY
  mv "$out/application-crd.yaml.tmp" "$out/application-crd.yaml"
}

# Argo CD itself (one binary; ARGOCD_BINARY_NAME picks the component), for the GitOps tests that run its
# repo-server and application-controller next to the cluster. Its go.mod asks for Go 1.27, which the go
# command fetches from the module proxy (GOTOOLCHAIN). A wrapper module takes over Argo CD's replace lines
# except the one pointing at its nested ./gitops-engine module (the published gitops-engine/v3 of the same
# version is used). Kept next to it in $AGENT_ARMY_CACHE/argocd-<version>/: hack/git-verify-wrapper.sh and
# gpg-wrapper.sh (repo-server runs them from PATH on every manifest generation), the Application and
# AppProject CRDs, and the controller's and repo-server's workload manifests (the env they get from argocd-cm).
ARGOCD_GO="${ARGOCD_GO:-go1.27.3}"
build_argocd() {
  local keep="$AGENT_ARMY_CACHE/argocd-$ARGOCD_VERSION"
  have argocd "$ARGOCD_VERSION" && [ -f "$keep/.ready" ] && return 0
  local dir="$work/argocd-$ARGOCD_VERSION" mod="github.com/argoproj/argo-cd/v3" t0=$SECONDS
  log "building argocd $ARGOCD_VERSION (with $ARGOCD_GO)"
  mkdir -p "$dir"
  (
    export GOTOOLCHAIN="$ARGOCD_GO"
    cd "$dir"
    if [ ! -f .ready ]; then
      rm -f go.mod go.sum
      go mod init agentarmy.local/argocdbuild >/dev/null 2>&1
      local gomod
      gomod="$(go mod download -json "$mod@$ARGOCD_VERSION" | sed -n 's/.*"GoMod": "\(.*\)",*/\1/p')"
      # "old => new version" lines, in the replace block or single-line; local paths (./...) are skipped.
      sed -n 's/^\(replace\)\{0,1\}[[:space:]]*\([^[:space:]]*\) => \([^.][^[:space:]]*\) \(v[^[:space:]]*\)$/\2=\3@\4/p' "$gomod" |
        while read -r r; do go mod edit "-replace=$r"; done
      go get -tool "$mod/cmd@$ARGOCD_VERSION" >/dev/null
      touch .ready
    fi
    local ld="-s -w -X $mod/common.version=${ARGOCD_VERSION#v} -X $mod/common.gitTag=$ARGOCD_VERSION"
    go build -ldflags "$ld" -o "$AGENT_ARMY_BIN/argocd-$ARGOCD_VERSION.tmp" "$mod/cmd"
    local src
    src="$(go list -m -f '{{.Dir}}' "$mod")"
    mkdir -p "$keep/hack" "$keep/crds" "$keep/manifests"
    install -m 0755 "$src/hack/git-verify-wrapper.sh" "$src/hack/gpg-wrapper.sh" "$keep/hack/"
    install -m 0644 "$src/manifests/crds/application-crd.yaml" "$src/manifests/crds/appproject-crd.yaml" "$keep/crds/"
    install -m 0644 "$src/manifests/base/application-controller/argocd-application-controller-statefulset.yaml" \
      "$src/manifests/base/repo-server/argocd-repo-server-deployment.yaml" "$keep/manifests/"
    touch "$keep/.ready"
  )
  mv "$AGENT_ARMY_BIN/argocd-$ARGOCD_VERSION.tmp" "$AGENT_ARMY_BIN/argocd-$ARGOCD_VERSION"
  log "built argocd in $((SECONDS - t0)) s"
}

# The operator benchmark's peer: Argo Rollouts' controller, and its CRDs beside it in the cache. Not in
# `all` (no test needs it; `make bench` asks for it). Argo's go.mod wants a newer Go than the local one (the
# go command fetches that toolchain from the module proxy) and replaces k8s.io staging modules: a wrapper
# module must carry the same replace lines, or `go get` cannot resolve them.
build_rollouts_controller() {
  local crds="$AGENT_ARMY_CACHE/argo-rollouts-crds-$ARGO_ROLLOUTS_VERSION"
  have rollouts-controller "$ARGO_ROLLOUTS_VERSION" && [ -f "$crds/rollout-crd.yaml" ] && return 0
  local dir="$work/argo-rollouts-$ARGO_ROLLOUTS_VERSION" mod="github.com/argoproj/argo-rollouts" t0=$SECONDS
  log "building rollouts-controller $ARGO_ROLLOUTS_VERSION (Go $ARGO_ROLLOUTS_GO)"
  mkdir -p "$dir"
  (
    cd "$dir"
    export GOTOOLCHAIN="$ARGO_ROLLOUTS_GO"
    [ -f go.mod ] || go mod init agentarmy.local/rolloutsbuild >/dev/null 2>&1
    local info gomod src
    info="$(go mod download -json "$mod@$ARGO_ROLLOUTS_VERSION")"
    gomod="$(sed -n 's/.*"GoMod": "\(.*\)",*/\1/p' <<<"$info")"
    src="$(sed -n 's/.*"Dir": "\(.*\)",*/\1/p' <<<"$info")"
    # Every replace of Argo's go.mod (block and one-line form) as `old[@v]=new[@v]` for `go mod edit`.
    awk '/^replace \(/ { block = 1; next } block && /^\)/ { block = 0 }
         block || /^replace [^(]/ {
           sub(/^replace /, ""); split($0, side, "=>"); split(side[1], l, " "); split(side[2], r, " ")
           print l[1] (l[2] ? "@" l[2] : "") "=" r[1] (r[2] ? "@" r[2] : "")
         }' "$gomod" | while read -r rep; do go mod edit "-replace=$rep"; done
    go get -tool "$mod/cmd/rollouts-controller@$ARGO_ROLLOUTS_VERSION" >/dev/null
    go build -ldflags "-s -w" -o "$AGENT_ARMY_BIN/rollouts-controller-$ARGO_ROLLOUTS_VERSION.tmp" "$mod/cmd/rollouts-controller"
    mkdir -p "$crds.tmp"
    cp "$src"/manifests/crds/*.yaml "$crds.tmp/"
  )
  rm -rf "$crds" && mv "$crds.tmp" "$crds"
  mv "$AGENT_ARMY_BIN/rollouts-controller-$ARGO_ROLLOUTS_VERSION.tmp" "$AGENT_ARMY_BIN/rollouts-controller-$ARGO_ROLLOUTS_VERSION"
  log "built rollouts-controller in $((SECONDS - t0)) s"
}

all=(etcd kube-scheduler kube-controller-manager kube-apiserver kubectl kubelet kube-proxy kwok kwokctl helm coredns prometheus argocd gateway-api argocd-crds)

targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
t_all=$SECONDS
for t in "${targets[@]}"; do
  case "$t" in
    etcd) build_etcd ;;
    kube-apiserver|kube-controller-manager|kube-scheduler|kubectl|kubelet|kube-proxy) build_kube "$t" ;;
    coredns) build_coredns ;;
    prometheus) build_prometheus ;;
    kwok|kwokctl) build_kwok "$t" ;;
    helm) build_helm ;;
    gateway-api) fetch_gateway_api ;;
    argocd-crds) fetch_argocd_crds ;;
    argocd) build_argocd ;;
    rollouts-controller) build_rollouts_controller ;;
    *) log "unknown target: $t"; exit 2 ;;
  esac
done
# Unversioned names for people and scripts: $AGENT_ARMY_BIN/links/kubectl -> ../kubectl-v1.37.2, etc.
mkdir -p "$AGENT_ARMY_BIN/links"
for f in "$AGENT_ARMY_BIN"/*-v*; do
  [ -x "$f" ] || continue
  base="$(basename "$f")"
  ln -sfn "../$base" "$AGENT_ARMY_BIN/links/${base%-v*}"
done
log "all binaries present in $AGENT_ARMY_BIN ($((SECONDS - t_all)) s)"
