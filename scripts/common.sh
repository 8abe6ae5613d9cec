# Shared by scripts/app and scripts/test: where builds and tools live, and the UI build.
# Sourced, not run.

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/orbit/target}
TOOLS_DIR=${ORBIT_TOOLS_DIR:-$HOME/.cache/orbit/tools}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n==> %s\n' "$*"; }

# npm packages exactly as locked; skipped when node_modules already matches the lock file.
npm_install() {
  local dir=$1
  if [ -f "$dir/node_modules/.package-lock.json" ] && cmp -s "$dir/package-lock.json" "$dir/node_modules/.orbit-lock"; then
    return 0
  fi
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  cp "$dir/package-lock.json" "$dir/node_modules/.orbit-lock"
}

build_ui() {
  npm_install "$ROOT/ui"
  (cd "$ROOT/ui" && npm run --silent build)
}
