//! Components against canned AWS answers: the branches that depend on what
//! AWS says (adopt on "already exists", fall back, rescue, keep, give up),
//! driven through each component's own functions and the real SDK clients,
//! with [`FakeAws`] standing in for the services at the HTTP layer.

mod alarm;
mod archive;
mod dashboard;
mod errors;
mod event_bus;
mod findings;
mod key;
mod log_group;
mod metric_filter;
mod pipeline;
mod query_definitions;
mod topic;
mod trail;

use std::time::Duration;

use super::{Ctx, Names, Observed, PipelineSpec, Recorder};
use crate::aws::fake_http::FakeAws;
use crate::aws::Clients;

pub const ACCOUNT: &str = "111122223333";
pub const REGION: &str = "us-east-1";

/// A pipeline's spec and names, with clients that talk to a [`FakeAws`].
pub struct World {
    pub fake: FakeAws,
    pub clients: Clients,
    pub spec: PipelineSpec,
    pub names: Names,
}

impl World {
    pub fn new() -> Self {
        Self::with_spec(crate::terraform::desired::example_spec("audit"))
    }

    pub fn with_spec(spec: PipelineSpec) -> Self {
        let fake = FakeAws::new();
        let clients = Clients::for_tests(fake.http_client(), REGION);
        let names = Names::derive(&spec, ACCOUNT, REGION);
        Self {
            fake,
            clients,
            spec,
            names,
        }
    }

    /// A context whose deadline is far enough away never to matter.
    pub fn ctx(&self) -> Ctx<'_> {
        self.ctx_until(tokio::time::Instant::now() + Duration::from_secs(3600))
    }

    pub fn ctx_until(&self, deadline: tokio::time::Instant) -> Ctx<'_> {
        Ctx::new(&self.clients, &self.spec, &self.names, deadline)
    }

    pub fn key_arn(&self) -> String {
        format!("arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    }

    pub fn role_arn(&self) -> String {
        format!("arn:aws:iam::{ACCOUNT}:role/{}", self.names.delivery_role)
    }

    /// What the trail's dependencies recorded before the trail step starts.
    pub fn recorded_for_trail(&self) -> Recorder {
        Recorder::new(Observed {
            kms_key_arn: Some(self.key_arn()),
            delivery_role_arn: Some(self.role_arn()),
            log_group_name: Some(self.names.log_group.clone()),
            log_group_arn: Some(self.names.log_group_arn()),
            archive_bucket_name: Some(self.names.bucket.clone()),
            ..Observed::default()
        })
    }

    /// Only the key recorded: what the log group and topic steps start with.
    pub fn recorded_key(&self) -> Recorder {
        Recorder::new(Observed {
            kms_key_arn: Some(self.key_arn()),
            ..Observed::default()
        })
    }
}
