#!/usr/bin/env bash
# The project's container images, built without Docker: buildah builds the project's own Dockerfiles on a
# base image made from the Debian archive (mmdebstrap minbase + this machine's Node, uid 1000), so the
# harness runs exactly what users build with `docker build`, only with `--build-arg BASE_IMAGE`.
#
#   images.sh build     build what is missing and print the image references as JSON
#   images.sh refs      print the references of the current inputs (no build)
#
# Every image is keyed by a hash of its inputs (Dockerfile, sources, lockfile, base) and kept, with a
# docker-archive tar for containerd, under $AGENT_ARMY_CACHE/images; unchanged inputs build nothing.
# Images: agent-runtime (agent-runtime/Dockerfile), dev-tools (its `dev-tools` target: fake upstream
# and load generator), operator (operator/Dockerfile), pause (the pod sandbox image).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"

store="$AGENT_ARMY_CACHE/images"
# overlay where the kernel and filesystem allow it (layers are diffs); vfs copies every layer whole.
driver="${BUILDAH_STORAGE_DRIVER:-overlay}"
mkdir -p "$store"
node_bin="$(readlink -f "$(command -v node)")"
node_version="$(node -p process.versions.node)"
buildah=(buildah --root "$store/storage-$driver" --runroot "$store/run-$driver" --storage-driver "$driver")

log() { printf '[images] %s\n' "$*" >&2; }

# sha256 of the named files and directories (contents and paths; unit tests excluded: not in the images)
hash_inputs() {
  (
    cd "$repo"
    find "$@" -type f ! -name '*.test.ts' ! -path '*/node_modules/*' ! -path '*/dist/*' ! -path '*/dist-dev/*' |
      LC_ALL=C sort | xargs sha256sum
  ) | sha256sum | cut -c1-12
}

# The base: Debian bookworm minbase, ca-certificates, the machine's Node and npm (with its npm config and
# CA bundle, so `npm ci` inside a build reaches the same registry as the host), user node (uid 1000).
base_key() {
  { echo "node $node_version"; sha256sum "$node_bin"; sed -n '/^build_base()/,/^}/p' "${BASH_SOURCE[0]}"; } |
    sha256sum | cut -c1-12
}

have_image() { "${buildah[@]}" inspect --type image "$1" >/dev/null 2>&1; }

build_base() {
  local ref="$1" rootfs="$store/debian-bookworm-minbase.tar"
  if [ ! -s "$rootfs" ]; then
    log "mmdebstrap: Debian bookworm minbase (about a minute)"
    mmdebstrap --quiet --variant=minbase --include=ca-certificates bookworm "$rootfs.tmp"
    mv "$rootfs.tmp" "$rootfs"
  fi
  local c npm_dir
  npm_dir="$(cd "$(dirname "$(readlink -f "$(command -v npm)")")/.." && pwd)"
  c="$("${buildah[@]}" from --pull-never scratch)"
  "${buildah[@]}" add "$c" "$rootfs" / >/dev/null
  "${buildah[@]}" copy "$c" "$node_bin" /usr/local/bin/node >/dev/null
  "${buildah[@]}" copy "$c" "$npm_dir" /usr/local/lib/node_modules/npm >/dev/null
  [ -f /etc/ssl/certs/ca-certificates.crt ] &&
    "${buildah[@]}" copy "$c" /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt >/dev/null
  for f in /etc/npmrc /usr/etc/npmrc; do
    [ -f "$f" ] && "${buildah[@]}" copy "$c" "$f" /usr/local/etc/npmrc >/dev/null
  done
  "${buildah[@]}" run --isolation chroot "$c" -- sh -c '
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js /usr/local/bin/npm &&
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js /usr/local/bin/npx &&
    useradd --uid 1000 --user-group --create-home --shell /bin/sh node' >/dev/null
  "${buildah[@]}" config --user 0 --workingdir / --env PATH=/usr/local/bin:/usr/bin:/bin \
    --env NPM_CONFIG_UPDATE_NOTIFIER=false "$c"
  "${buildah[@]}" commit --quiet --rm "$c" "$ref" >/dev/null
}

# The pod sandbox ("pause") image containerd runs for every pod: one static binary (pause.c).
build_pause() {
  local ref="$1" c tmp
  tmp="$(mktemp -d)"
  gcc -static -Os -o "$tmp/pause" "$here/pause.c"
  c="$("${buildah[@]}" from --pull-never scratch)"
  "${buildah[@]}" copy "$c" "$tmp/pause" /pause >/dev/null
  "${buildah[@]}" config --entrypoint '["/pause"]' --user 65535:65535 "$c"
  "${buildah[@]}" commit --quiet --rm "$c" "$ref" >/dev/null
  rm -rf "$tmp"
}

# build_dockerfile REF DOCKERFILE [TARGET]
build_dockerfile() {
  local ref="$1" file="$2" target="${3:-}" base="$4" t0=$SECONDS args=()
  [ -n "$target" ] && args+=(--target "$target")
  log "building $ref from $file${target:+ (target $target)}"
  (cd "$repo" && "${buildah[@]}" bud --quiet --pull-never --layers --format docker --isolation chroot --network host \
    --build-arg "BASE_IMAGE=$base" "${args[@]}" -f "$file" -t "$ref" . >&2)
  log "built $ref in $((SECONDS - t0)) s"
}

# archive REF NAME: a docker-archive tar beside the storage, what containerd imports.
archive() {
  local ref="$1" out="$store/$2.tar"
  [ -s "$out" ] && return 0
  rm -f "$out.tmp"
  "${buildah[@]}" push --quiet "$ref" "docker-archive:$out.tmp:$ref" >/dev/null
  mv "$out.tmp" "$out"
}

refs() {
  local bk rk ok
  bk="$(base_key)"
  rk="$(hash_inputs package.json package-lock.json tsconfig.base.json .dockerignore operator/package.json agent-runtime)-$bk"
  ok="$(hash_inputs package.json package-lock.json tsconfig.base.json .dockerignore agent-runtime/package.json operator)-$bk"
  cat <<EOF
{"base":"localhost/agent-army/node-base:$node_version-$bk","pause":"localhost/agent-army/pause:$(hash_inputs test/cluster/pause.c)","agentRuntime":"localhost/agent-army/agent-runtime:$rk","devTools":"localhost/agent-army/dev-tools:$rk","operator":"localhost/agent-army/operator:$ok","archives":"$store"}
EOF
}

field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }

build() {
  local r base pause runtime tools operator t0=$SECONDS
  r="$(refs)"
  base="$(field base <<<"$r")" pause="$(field pause <<<"$r")" runtime="$(field agentRuntime <<<"$r")"
  tools="$(field devTools <<<"$r")" operator="$(field operator <<<"$r")"
  have_image "$base" || { log "building base $base"; build_base "$base"; }
  have_image "$pause" || build_pause "$pause"
  have_image "$runtime" || build_dockerfile "$runtime" agent-runtime/Dockerfile "" "$base"
  have_image "$tools" || build_dockerfile "$tools" agent-runtime/Dockerfile dev-tools "$base"
  have_image "$operator" || build_dockerfile "$operator" operator/Dockerfile "" "$base"
  for ref in "$pause" "$runtime" "$tools" "$operator"; do
    archive "$ref" "$(basename "${ref%%:*}")-${ref##*:}"
  done
  log "images ready in $((SECONDS - t0)) s"
  echo "$r"
}

case "${1:-}" in
  build) build ;;
  refs) refs ;;
  *) echo "usage: $0 build|refs" >&2; exit 2 ;;
esac
