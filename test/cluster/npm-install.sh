#!/usr/bin/env bash
# Installs the npm workspaces from package-lock.json. `npm ci` first; npm 11 can write a lock file that
# leaves out other platforms' optional packages (e.g. @biomejs/cli-darwin-*) and then have `npm ci` refuse
# that same file (npm/cli#4828, #8320). Only in that case fall back to `npm install`, which installs the
# locked versions and adds nothing else (direct dependencies are pinned exactly in package.json).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
log="$(mktemp)"
if npm ci --no-audit --no-fund >"$log" 2>&1; then
  cat "$log"
elif grep -q 'can only install packages when your package.json and package-lock.json' "$log"; then
  echo "[npm-install] npm ci refused the lock file over other platforms' optional packages; using npm install" >&2
  npm install --no-audit --no-fund
else
  cat "$log" >&2
  exit 1
fi
rm -f "$log"
