#!/usr/bin/env bash
# System packages the tests use, from Debian's archive: Prometheus 2.42 (analysis tests scrape real
# metrics) and Lua 5.1 (ArgoCD health-check tests). Installs only what is missing.
set -euo pipefail
missing=()
command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
command -v lua5.1 >/dev/null 2>&1 || missing+=(lua5.1)
if [ ${#missing[@]} -eq 0 ]; then
  echo "[install-deps] prometheus and lua5.1 present" >&2
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
