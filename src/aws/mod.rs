//! AWS plumbing shared by every component: the clients built once per provider
//! configuration, the error type that names component, call and resource, the
//! error codes decisions are made on, the retry loop for eventual-consistency
//! errors, and the log of every call.

pub mod call_limit;
mod clients;
pub mod codes;
mod endpoint;
mod error;
#[cfg(test)]
pub mod fake_http;
pub mod log;
mod retry;

/// Re-exported for the AWS plumbing that labels calls with their part.
pub use crate::components::Component;
pub use clients::{AssumeRole, ClientSettings, Clients, Endpoints};
pub use error::{Absence, AwsError};
pub use retry::{retry_while, RetryPolicy};

/// At most this many pages of one listing are read. A prefix listing ends
/// long before (a page holds 50 names), unless an endpoint keeps answering
/// with another page; that becomes an error rather than an endless loop.
pub const MAX_PAGES: usize = 100;
