#!/usr/bin/env bash
# `make release`: registry-layout artifacts of the provider for this platform in
# dist/, and a filesystem mirror tree; `make install` (scripts/release.sh install)
# puts the provider where `terraform init` finds it with a plain
# required_providers block: ~/.terraform.d/plugins (Terraform's implied local mirror).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
version="$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)"
os=linux; arch=amd64
name="terraform-provider-secretmonitor"
binary="target/release/$name"
[ -x "$binary" ] || { echo "error: $binary missing; run make build" >&2; exit 1; }
python="$(command -v python3)"

package() {
  local dist="$ROOT/dist"
  rm -rf "$dist"; mkdir -p "$dist"
  local zip="${name}_${version}_${os}_${arch}.zip"
  "$python" - "$binary" "$dist/$zip" "${name}_v${version}" <<'PY'
import sys, zipfile
src, dst, arcname = sys.argv[1:]
with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as z:
    info = zipfile.ZipInfo(arcname, date_time=(2026, 1, 1, 0, 0, 0))
    info.external_attr = 0o755 << 16
    info.compress_type = zipfile.ZIP_DEFLATED
    z.writestr(info, open(src, "rb").read())
PY
  printf '{\n  "version": 1,\n  "metadata": {\n    "protocol_versions": ["6.0"]\n  }\n}\n' > "$dist/${name}_${version}_manifest.json"
  (cd "$dist" && sha256sum "$zip" "${name}_${version}_manifest.json" > "${name}_${version}_SHA256SUMS")
  # Packed filesystem-mirror layout: HOST/NAMESPACE/TYPE/<zip>.
  local mirror="$dist/mirror/registry.terraform.io/secretmonitor/secretmonitor"
  mkdir -p "$mirror"; cp "$dist/$zip" "$mirror/"
  echo "==> dist/: $zip, ${name}_${version}_SHA256SUMS, ${name}_${version}_manifest.json, mirror/"
}

install() {
  local dir="${HOME}/.terraform.d/plugins/registry.terraform.io/secretmonitor/secretmonitor/${version}/${os}_${arch}"
  mkdir -p "$dir"
  cp -f "$binary" "$dir/${name}_v${version}"
  echo "==> installed $name $version into $dir"
}

case "${1:-package}" in
  package) package ;;
  install) install ;;
  *) echo "usage: $0 [package|install]" >&2; exit 2 ;;
esac
