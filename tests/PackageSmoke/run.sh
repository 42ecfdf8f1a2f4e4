#!/usr/bin/env bash
# Packs the NuGet packages (EslSupervision.Redis packed and validated, not yet referenced by the smoke test) with a fixed version into artifacts/packages, then builds and runs
# tests/PackageSmoke against those packages (by version, not by project reference).
#   usage: bash tests/PackageSmoke/run.sh [results-dir]      (.ci/run passes its TRX directory)
# The packages are restored into a fresh folder under artifacts/, so a package packed by an earlier
# run (same version, different content) can never be picked up from the machine's NuGet cache.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$repo"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

# The version is set once, in eng/Version.props; the smoke packages carry it with a -ci suffix.
base_version="$(sed -n 's:.*<EslSupervisionVersion>\(.*\)</EslSupervisionVersion>.*:\1:p' eng/Version.props)"
if [ -z "$base_version" ]; then
  echo "no <EslSupervisionVersion> in eng/Version.props" >&2
  exit 1
fi
version="${ESL_SUPERVISION_PACKAGE_VERSION:-$base_version-ci}"
results="${1:-artifacts/test-results}"
mkdir -p "$results"
results="$(cd "$results" && pwd)"
packages="$repo/artifacts/packages"
restore_root="$repo/artifacts/package-smoke"
smoke="$repo/tests/PackageSmoke"

rm -rf "$packages" "$restore_root" "$smoke/bin" "$smoke/obj"
mkdir -p "$packages" "$restore_root"

# A full rebuild first: an incremental build does not recompile when only ContinuousIntegrationBuild changes,
# and would pack a PDB with this machine's paths left over from an earlier local build.
echo "== rebuild $version as a CI build"
for project in src/EslSupervision src/EslSupervision.Testing src/EslSupervision.AspNetCore src/EslSupervision.Redis; do
  name="$(basename "$project")"
  dotnet build "$project/$name.csproj" -c Release -warnaserror --no-incremental \
    -p:Version="$version" -p:ContinuousIntegrationBuild=true
done

echo "== pack $version into artifacts/packages (with package validation)"
for project in src/EslSupervision.EventSocket src/EslSupervision src/EslSupervision.Testing src/EslSupervision.AspNetCore src/EslSupervision.Redis; do
  name="$(basename "$project")"
  dotnet pack "$project/$name.csproj" -c Release -warnaserror --no-build -o "$packages" \
    -p:Version="$version" -p:ContinuousIntegrationBuild=true
done

for id in EslSupervision.EventSocket EslSupervision EslSupervision.Testing EslSupervision.AspNetCore EslSupervision.Redis; do
  for ext in nupkg snupkg; do
    if [ ! -f "$packages/$id.$version.$ext" ]; then
      echo "missing $packages/$id.$version.$ext" >&2
      exit 1
    fi
  done
done

# Dependencies (xunit, Microsoft.Extensions.*) may come from the machine's global packages folder,
# used read-only as a fallback; the EslSupervision packages must come from artifacts/packages.
global_packages="$(dotnet nuget locals global-packages --list | sed -n 's/^global-packages: *//p')"
restore_props=(
  -p:EslSupervisionPackageVersion="$version"
  -p:EslSupervisionPackageSource="$packages"
  -p:RestorePackagesPath="$restore_root/packages"
  -p:RestoreFallbackFolders="$global_packages"
)

echo "== restore and build tests/PackageSmoke against the packages"
dotnet restore "$smoke/PackageSmoke.csproj" "${restore_props[@]}"
for id in eslsupervision.eventsocket eslsupervision eslsupervision.testing; do
  if [ ! -d "$restore_root/packages/$id/$version" ]; then
    echo "$id $version was not restored from artifacts/packages (stale copy in a NuGet cache?)" >&2
    exit 1
  fi
done
dotnet build "$smoke/PackageSmoke.csproj" -c Release --no-restore -warnaserror "${restore_props[@]}"

echo "== run the package smoke test"
dotnet test "$smoke/PackageSmoke.csproj" -c Release --no-build "${restore_props[@]}" \
  --logger "trx;LogFileName=PackageSmoke.trx" --results-directory "$results"
