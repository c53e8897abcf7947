//! The Terraform glue: schemas, the typed state, plan logic, validation and
//! diagnostics. Nothing here calls AWS except through [`crate::pipeline`].

pub mod action;
pub mod desired;
pub mod diagnostics;
pub mod docs;
pub mod functions;
pub mod list;
pub mod plan;
pub mod provider;
pub mod resource;
pub mod schema;
pub mod state;
pub mod validate;

pub use provider::SecretMonitorProvider;
