//! terraform-provider-secretmonitor: one Terraform resource that builds, refreshes
//! and tears down an AWS pipeline detecting reads of Secrets Manager secrets.
//!
//! Layout:
//! - [`terraform`]: the Terraform glue (schema, config, validation, diagnostics);
//! - [`pipeline`] and [`engine`]: the operations as loops over the parts, run
//!   concurrently as dependency graphs;
//! - [`components`]: one module per part of the pipeline, each with the same
//!   contract (`PartDef`), its AWS calls and policies;
//! - [`pattern`]: the CloudWatch filter and EventBridge event pattern
//!   generators and evaluators (pure, no I/O);
//! - [`verify`]: `verify_on_apply`'s test notifications;
//! - [`policy`]: typed IAM policy documents; [`aws`]: clients, errors, retries;
//! - [`arn`]: the one ARN, partition, region and account-ID parser.

pub mod arn;
pub mod aws;
pub mod components;
pub mod discover;
pub mod engine;
pub mod pattern;
pub mod permissions;
pub mod pipeline;
pub mod policy;
pub mod terraform;
pub mod verify;
