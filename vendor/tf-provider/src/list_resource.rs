// secretmonitor patch (protocol 6.10): list resources for `terraform query`.
// Not part of tf-provider 0.2.2; see vendor/README.md.

//! [`ListResource`] module

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::diagnostics::Diagnostics;
use crate::raw::RawValue;
use crate::schema::Schema;
use crate::tfplugin6 as tf;

/// One resource found by a list resource
#[derive(Debug, Clone, Default)]
pub struct ListedResource {
    /// Identity, in the layout of the managed resource's identity schema
    pub identity: RawValue,
    /// Name shown to humans by `terraform query`
    pub display_name: String,
    /// The full resource object, when the request included it
    pub resource_object: Option<RawValue>,
    /// Warnings or errors about this one result
    pub diagnostics: Diagnostics,
}

/// Where a list resource sends its results, one at a time, as Terraform
/// reads them
pub struct ListResults {
    pub(crate) tx: mpsc::Sender<tf::list_resource::Event>,
}

impl ListResults {
    /// Send one result; false when Terraform stopped reading (its limit was
    /// reached or it went away), so the listing should stop.
    pub async fn send(&self, listed: ListedResource) -> bool {
        let event = tf::list_resource::Event {
            identity: Some(tf::ResourceIdentityData {
                identity_data: Some(listed.identity.into()),
            }),
            display_name: listed.display_name,
            resource_object: listed.resource_object.map(Into::into),
            diagnostic: listed.diagnostics.into(),
        };
        self.tx.send(event).await.is_ok()
    }

    /// Send diagnostics that belong to no result (e.g. a failed call)
    pub async fn send_diagnostics(&self, diags: Diagnostics) -> bool {
        let event = tf::list_resource::Event {
            diagnostic: diags.into(),
            ..Default::default()
        };
        self.tx.send(event).await.is_ok()
    }
}

/// Trait for implementing a list resource: the `list` block of a
/// `.tfquery.hcl` file, named after the managed resource type it finds
#[async_trait]
pub trait ListResource: Send + Sync {
    /// Schema of the `config` block of a `list` block
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Validate the `config` block
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// List resources, sending each to `results`; stop after `limit` results
    /// or when `results` refuses one. Diagnostics left in `diags` are sent
    /// after the last result.
    async fn list(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        include_resource_object: bool,
        limit: i64,
        results: &ListResults,
    ) -> Option<()>;
}
