// secretmonitor patch (protocol 6.10): actions (`terraform apply -invoke`,
// `lifecycle { action_trigger { ... } }`). Not part of tf-provider 0.2.2; see
// vendor/README.md.

//! [`Action`] module

use async_trait::async_trait;
use tokio::sync::mpsc;

use crate::diagnostics::Diagnostics;
use crate::raw::RawValue;
use crate::schema::Schema;
use crate::tfplugin6 as tf;

/// Where an action reports its progress; Terraform prints each message as it
/// arrives
pub struct ActionProgress {
    pub(crate) tx: mpsc::Sender<tf::invoke_action::Event>,
}

impl ActionProgress {
    /// Report one progress message
    pub async fn report(&self, message: impl Into<String>) {
        let event = tf::invoke_action::Event {
            r#type: Some(tf::invoke_action::event::Type::Progress(
                tf::invoke_action::event::Progress {
                    message: message.into(),
                },
            )),
        };
        // Terraform gone: the action's result has nobody to go to either.
        _ = self.tx.send(event).await;
    }
}

/// Trait for implementing an action
#[async_trait]
pub trait Action: Send + Sync {
    /// Schema of the action's `config` block
    fn schema(&self, diags: &mut Diagnostics) -> Option<Schema>;

    /// Validate the configuration
    async fn validate(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// Plan the action (checks that need the configured provider)
    async fn plan(&self, diags: &mut Diagnostics, config: RawValue) -> Option<()> {
        _ = (diags, config);
        Some(())
    }

    /// Run the action, reporting progress; its diagnostics complete it
    async fn invoke(
        &self,
        diags: &mut Diagnostics,
        config: RawValue,
        progress: &ActionProgress,
    ) -> Option<()>;
}
