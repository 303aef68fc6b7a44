#!/usr/bin/env bash
# Drift canary: the seed journeys (tests/e2e_clerk) on the newest @clerk/clerk-js,
# @clerk/react and @clerk/backend on the npm registry, in a copy of this project under
# build/clerk-latest. It reports the versions and the result and always exits 0: the pinned
# versions (make e2e-clerk) are what CI holds to; this says early when Clerk's SDK moves.
#   bash clients/clerk-react/drift-canary.sh [python]
set -uo pipefail
cd "$(dirname "$0")/../.."
PY="${1:-.venv/bin/python}"
WORK=build/clerk-latest
rm -rf "$WORK" && mkdir -p "$WORK"
cp -R clients/clerk-react/. "$WORK"/
rm -rf "$WORK/node_modules" "$WORK/dist"
report() { echo "== drift canary: $1"; exit 0; }
( cd "$WORK" && npm install --no-audit --no-fund --save-exact \
    @clerk/clerk-js@latest @clerk/react@latest @clerk/backend@latest >/dev/null ) \
  || report "could not install the newest @clerk/* packages (registry unreachable?)"
versions=$(cd "$WORK" && node -e '
  for (const p of ["@clerk/clerk-js", "@clerk/react", "@clerk/backend", "@clerk/shared"])
    process.stdout.write(`${p} ${require(`./node_modules/${p}/package.json`).version}  `)')
echo "== drift canary: testing $versions"
( cd "$WORK" && npx vite build >/dev/null ) || report "FAILED to build the pages on $versions"
CLERK_APP_DIR="$PWD/$WORK/dist" CLERK_CLIENT_DIR="$PWD/$WORK" \
  "$PY" -m pytest -m e2e tests/e2e_clerk -q -p no:randomly 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if [ "$status" = 0 ]; then
  report "PASSED on $versions"
fi
report "FAILED on $versions (exit $status): the pinned versions still pass; see above"
