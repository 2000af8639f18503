#!/usr/bin/env bash
# For users WITH a Docker engine: a kind cluster running the real images and the Helm chart.
# This cannot run on machines without Docker (such as the project's CI machines), where the test
# cluster of test/cluster/cluster.sh is used instead.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
name="${KIND_CLUSTER_NAME:-agent-army}"
tag="${IMAGE_TAG:-dev}"

for tool in docker kind helm kubectl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "kind-up needs '$tool' on PATH" >&2; exit 1; }
done
docker info >/dev/null 2>&1 || { echo "kind-up needs a running Docker engine (docker info failed)" >&2; exit 1; }

kind get clusters 2>/dev/null | grep -qx "$name" || kind create cluster --name "$name" --wait 120s
docker build -f "$repo/operator/Dockerfile" -t "agent-army/operator:$tag" "$repo"
docker build -f "$repo/agent-runtime/Dockerfile" -t "agent-army/agent-runtime:$tag" "$repo"
kind load docker-image --name "$name" "agent-army/operator:$tag" "agent-army/agent-runtime:$tag"
helm upgrade --install agent-army "$repo/charts/agent-army" \
  --namespace agent-army-system --create-namespace \
  --set image.repository=agent-army/operator --set-string image.tag="$tag" --set image.pullPolicy=IfNotPresent --wait
echo "agent-army installed on kind cluster '$name'. Try: kubectl apply -f examples/"
