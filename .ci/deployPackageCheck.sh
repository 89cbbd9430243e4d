#!/usr/bin/env bash
# Builds the Function App package as azd deploys it (scripts/buildDeployPackage.mjs) and prints its zipped size
# and file count; the script fails above its budget. It packages the dist/ that `npm test` compiled just before
# in .ci/run (compiling again would only cost time). Staged outside the repository, so the load check inside
# it cannot borrow a devDependency from the repository's node_modules, and nothing is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."

out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT
node scripts/buildDeployPackage.mjs --stage "$out_dir/api" --zip "$out_dir/api.zip"
