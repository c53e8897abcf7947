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

.PHONY: all build build-tools test cargo-test acceptance demo demo-destroy localstack localstack-stop terraform-config fmt lint clean

all: build

build-tools:
	@scripts/ensure-build-tools.sh

build: build-tools
	@echo "==> building the provider (release)"
	cargo build --release --locked

# Terraform finds the freshly built provider through dev_overrides.
terraform-config:
	@mkdir -p .tools
	@printf 'provider_installation {\n  dev_overrides {\n    "secretmonitor/secretmonitor" = "%s"\n  }\n  direct {}\n}\n' "$(PROVIDER_DIR)" > $(TF_CLI_CONFIG)

localstack:
	@scripts/localstack.sh start

localstack-stop:
	@scripts/localstack.sh stop

cargo-test: build-tools
	@echo "==> cargo tests"
	cargo test --release --locked

acceptance: build terraform-config
	@scripts/acceptance.sh

test: cargo-test acceptance
	@echo "==> all tests passed"

demo: build terraform-config localstack
	@scripts/demo.sh

demo-destroy: terraform-config
	@scripts/demo.sh destroy

fmt:
	cargo fmt --all

lint:
	cargo fmt --all -- --check
	cargo clippy --release --all-targets -- -D warnings

clean:
	cargo clean
	rm -rf .tools
