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

/// One page of a listing: its items and the token of the next page (none
/// after the last); `None` when what is listed does not exist.
pub type Page<T> = Option<(Vec<T>, Option<String>)>;

/// Every page of a listing, read one after the other until the last, at
/// most [`MAX_PAGES`]; `None` when `fetch` finds that what is listed does
/// not exist. `fetch` is given the token of the page to read.
pub async fn all_pages<T, F, Fut>(
    component: Component,
    operation: &'static str,
    resource: &str,
    mut fetch: F,
) -> Result<Option<Vec<T>>, AwsError>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>, AwsError>>,
{
    let mut items = Vec::new();
    let mut token = None;
    for _ in 0..MAX_PAGES {
        let Some((page, next)) = fetch(token.take()).await? else {
            return Ok(None);
        };
        items.extend(page);
        token = next;
        if token.is_none() {
            return Ok(Some(items));
        }
    }
    Err(AwsError::new(
        component,
        operation,
        resource,
        format!("{MAX_PAGES} pages listed without reaching the end of the listing"),
    ))
}
