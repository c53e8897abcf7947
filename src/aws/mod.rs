//! AWS plumbing shared by every component: the clients built once per provider
//! configuration, the error type that names component, call and resource, and
//! the retry loop for eventual-consistency errors, and the log of every call.

pub mod call_limit;
mod clients;
mod error;
pub mod log;
mod retry;

/// Re-exported for the AWS plumbing that labels calls with their part.
pub use crate::components::Component;
pub use clients::{AssumeRole, ClientSettings, Clients, Endpoints};
pub use error::{Absence, AwsError};
pub use retry::{retry_while, RetryPolicy};
