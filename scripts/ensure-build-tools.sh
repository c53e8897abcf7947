#!/usr/bin/env bash
# Installs what building the provider needs and the machine may lack: protoc
# and protobuf's well-known types (tf-provider compiles the Terraform plugin
# protocol at build time; protocol 6.10 imports google/protobuf/timestamp.proto).
set -euo pipefail
if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo is not on PATH; install Rust (https://rustup.rs) first" >&2
  exit 1
fi
apt_install() {
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  # The package lists may be missing or stale on a fresh machine.
  $sudo apt-get install -y -q "$1" >/dev/null 2>&1 || {
    $sudo apt-get update -q >/dev/null
    $sudo apt-get install -y -q "$1" >/dev/null
  }
}
if ! command -v protoc >/dev/null 2>&1; then
  echo "==> installing protoc (Debian package protobuf-compiler), needed to build tf-provider"
  apt_install protobuf-compiler
fi
if [ ! -f "$(dirname "$(command -v protoc)")/../include/google/protobuf/timestamp.proto" ]; then
  echo "==> installing protobuf's well-known types (Debian package libprotobuf-dev), imported by the plugin protocol"
  apt_install libprotobuf-dev
fi
