#!/usr/bin/env bash
# Compiles and lints every .bicep file under infra/ with the real Bicep CLI. Any error or warning fails the
# run: lint rules we keep are set to "error" in infra/bicepconfig.json, and compiler warnings (BCP…) are
# caught here, so a warning is either fixed or silenced in the Bicep with a `#disable-next-line` and a reason.
#
# Which Bicep: `bicep` on PATH, else `az bicep`, else the pinned NuGet package Azure.Bicep.CommandLine.linux-x64
# restored by `dotnet` into a throwaway project (no .NET files in the repo) and cached per version.
set -euo pipefail
cd "$(dirname "$0")/.."

# Pinned: nuget.org served 0.47.16, 0.48.1 and 0.49.2 when this was written (`dotnet package search
# Azure.Bicep.CommandLine.linux-x64 --exact-match`). A newer CLI may add lint rules or resource types; bump here.
readonly BICEP_VERSION="${BICEP_VERSION:-0.49.2}"
readonly BICEP_PACKAGE="Azure.Bicep.CommandLine.linux-x64"
readonly CACHE_DIR="${BICEP_CACHE_DIR:-${XDG_CACHE_HOME:-${HOME:-/tmp}/.cache}/teams-gateway-bicep}"

log() { printf 'bicepCheck: %s\n' "$*" >&2; }

restore_from_nuget() {
  local packages="$CACHE_DIR/packages"
  local binary="$packages/${BICEP_PACKAGE,,}/$BICEP_VERSION/tools/bicep"
  if [[ ! -x "$binary" ]]; then
    command -v dotnet >/dev/null || { log "neither bicep, az bicep nor dotnet is available"; return 1; }
    log "restoring $BICEP_PACKAGE $BICEP_VERSION from NuGet into $packages"
    local project
    project="$(mktemp -d)"
    # PackageDownload fetches the package without referencing it: no build, no target framework assets.
    cat >"$project/restore.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <TargetFramework>netstandard2.0</TargetFramework>
  </PropertyGroup>
  <ItemGroup>
    <PackageDownload Include="$BICEP_PACKAGE" Version="[$BICEP_VERSION]" />
  </ItemGroup>
</Project>
EOF
    local status=0
    DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1 \
      dotnet restore "$project/restore.csproj" --packages "$packages" --verbosity quiet >&2 || status=$?
    rm -rf "$project"
    [[ $status -eq 0 ]] || { log "dotnet restore failed ($status)"; return 1; }
    # NuGet extraction does not always keep the execute bit.
    chmod +x "$binary"
  fi
  printf '%s\n' "$binary"
}

# BICEP is an array so `az bicep` works where `bicep` does.
if command -v bicep >/dev/null 2>&1; then
  BICEP=(bicep)
elif command -v az >/dev/null 2>&1 && az bicep version >/dev/null 2>&1; then
  BICEP=(az bicep)
else
  binary="$(restore_from_nuget)"
  BICEP=("$binary")
fi
log "using $("${BICEP[@]}" --version 2>&1 | head -n 1)"

out_dir="$(mktemp -d)"
trap 'rm -rf "$out_dir"' EXIT
failed=0

# Runs one step, prints its output on failure. Warnings count as failures: the CLI exits 0 on them.
check() {
  local label="$1"
  shift
  local output="$out_dir/output.txt" status=0
  "$@" >"$output" 2>&1 || status=$?
  if [[ $status -ne 0 ]] || grep -Eq ': (Warning|Error) ' "$output"; then
    log "FAIL $label"
    cat "$output" >&2
    failed=1
  fi
}

mapfile -t files < <(find infra -name '*.bicep' -type f | sort)
[[ ${#files[@]} -gt 0 ]] || { log "no .bicep files under infra/"; exit 1; }

if [[ "${BICEP[0]}" == "az" ]]; then
  # `az bicep` takes one --file at a time.
  for file in "${files[@]}"; do
    check "build $file" az bicep build --file "$file" --outdir "$out_dir"
    check "lint $file" az bicep lint --file "$file"
  done
else
  # One process per step: the CLI's start-up dominates, so a glob is much faster than a loop.
  # --no-restore: the templates use no registry modules, so nothing is fetched from the network.
  check "build infra/**/*.bicep" "${BICEP[@]}" build --pattern 'infra/**/*.bicep' --outdir "$out_dir" --no-restore
  check "lint infra/**/*.bicep" "${BICEP[@]}" lint --pattern 'infra/**/*.bicep' --no-restore
fi

if [[ $failed -ne 0 ]]; then
  log "Bicep check failed"
  exit 1
fi
log "${#files[@]} Bicep files built and linted with no warnings"
