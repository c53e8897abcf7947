#!/usr/bin/env bash
# Installs what building the provider needs and the machine may lack: protoc
# and protobuf's well-known types (tf-provider compiles the Terraform plugin
# protocol at build time; protocol 6.10 imports google/protobuf/timestamp.proto).
set -euo pipefail
if ! command -v cargo >/dev/null 2>&1; then
  echo "error: cargo is not on PATH; install Rust (https://rustup.rs) first" >&2
  exit 1
fi
if ! command -v protoc >/dev/null 2>&1; then
  echo "==> installing protoc (Debian package protobuf-compiler), needed to build tf-provider"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q protobuf-compiler >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q protobuf-compiler >/dev/null
  }
fi
protoc_include="$(dirname "$(command -v protoc)")/../include/google/protobuf/timestamp.proto"
if [ ! -f "$protoc_include" ]; then
  echo "==> installing protobuf's well-known types (Debian package libprotobuf-dev), imported by the plugin protocol"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get install -y -q libprotobuf-dev >/dev/null 2>&1 || {
    $SUDO apt-get update -q >/dev/null
    $SUDO apt-get install -y -q libprotobuf-dev >/dev/null
  }
fi
