# Versions of every binary the test cluster uses. Sourced by the other scripts.
# Changing a version changes the cache key, so the next run builds it anew.
KUBE_VERSION="${KUBE_VERSION:-v1.37.2}"
ETCD_VERSION="${ETCD_VERSION:-v3.7.3}"
KWOK_VERSION="${KWOK_VERSION:-v0.8.0}"
COREDNS_VERSION="${COREDNS_VERSION:-v1.15.0}"
PROMETHEUS_VERSION="${PROMETHEUS_VERSION:-v3.16.0}"
HELM_VERSION="${HELM_VERSION:-v3.22.0}"
GATEWAY_API_VERSION="${GATEWAY_API_VERSION:-v1.6.3}"
ARGOCD_VERSION="${ARGOCD_VERSION:-v3.6.1}"
# The benchmark's peer (bench/lib/peer-round.ts), built only for `make bench`; its go.mod asks for this Go.
ARGO_ROLLOUTS_VERSION="${ARGO_ROLLOUTS_VERSION:-v1.10.2}"
ARGO_ROLLOUTS_GO="${ARGO_ROLLOUTS_GO:-go1.26.10}"
AGENT_ARMY_CACHE="${AGENT_ARMY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/agent-army}"
AGENT_ARMY_BIN="$AGENT_ARMY_CACHE/bin"
