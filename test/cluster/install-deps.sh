#!/usr/bin/env bash
# System packages the tests use, from Debian's archive. Installs only what is missing.
#   prometheus           analysis tests scrape real metrics
#   lua5.1               Argo CD health-check tests
#   redis-server         the Argo CD that the GitOps tests run (its repo-server and controller cache)
#   containerd, runc, containernetworking-plugins, iptables, nftables   the real node (kubelet's runtime,
#                        CNI, kube-proxy in nftables mode)
#   buildah, mmdebstrap, gcc  the project's images, built from its Dockerfiles on a Debian base (no Docker),
#                        and the static pause binary of the real node's pod sandboxes
#   chromium             the dashboard's browser tests (driven by playwright-core, no browser download)
set -euo pipefail
# command (or file) that proves the package is there → package
checks=(
  "prometheus:prometheus"
  "lua5.1:lua5.1"
  "redis-server:redis-server"
  "containerd:containerd"
  "runc:runc"
  "/usr/lib/cni/bridge:containernetworking-plugins"
  "iptables:iptables"
  "nft:nftables"
  "buildah:buildah"
  "mmdebstrap:mmdebstrap"
  "gcc:gcc"
  "chromium:chromium"
)
missing=()
for c in "${checks[@]}"; do
  what="${c%%:*}" pkg="${c#*:}"
  if [[ "$what" == /* ]]; then [ -e "$what" ] && continue; else command -v "$what" >/dev/null 2>&1 && continue; fi
  missing+=("$pkg")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "[install-deps] all system packages present" >&2
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "[install-deps] missing ${missing[*]}: install them with your package manager (Debian: apt-get install ${missing[*]})" >&2
  exit 1
fi
sudo_cmd=()
[ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
echo "[install-deps] installing ${missing[*]}" >&2
"${sudo_cmd[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# containerd's Debian package may start a system daemon; the harness runs its own under the cache dir.
