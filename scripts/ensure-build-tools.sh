#!/usr/bin/env bash
# Installs what building the provider needs and the machine may lack: protoc
# (tf-provider compiles the Terraform plugin protocol at build time).
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
