//! terraform-provider-secretmonitor: one Terraform resource that builds, refreshes
//! and tears down an AWS pipeline detecting reads of Secrets Manager secrets.
//!
//! Layout:
//! - [`terraform`]: the Terraform glue (schema, config, validation, diagnostics);
//! - [`pipeline`] and [`engine`]: the operations as dependency graphs, run concurrently;
//! - [`components`]: one module per AWS component with its calls and policies;
//! - [`pattern`]: the CloudWatch filter pattern generator and evaluator (pure, no I/O);
//! - [`policy`]: typed IAM policy documents; [`aws`]: clients, errors, retries.

pub mod arn;
pub mod aws;
pub mod components;
pub mod engine;
pub mod pattern;
pub mod pipeline;
pub mod policy;
pub mod terraform;
pub mod verify;
