//! The IAM role CloudTrail assumes to deliver the trail's events to the log
//! group.

use aws_sdk_iam::types::Tag as IamTag;

use futures::{FutureExt, TryFutureExt};

use super::{seen, with_trail, Component, Ctx, Deleted, Names, Observed, PartDef, Recorder, Seen};
use crate::aws::{codes, Absence, AwsError};
use crate::policy::{PolicyDocument, Statement};

const ROLE: Component = Component::DeliveryRole;
const ROLE_POLICY_NAME: &str = "cloudtrail-delivery";

/// CloudTrail may assume the role only on behalf of this trail.
pub fn delivery_trust_policy(names: &Names) -> PolicyDocument {
    PolicyDocument::new(vec![Statement::allow("CloudTrailAssumesForThisTrail")
        .service("cloudtrail.amazonaws.com")
        .actions(&["sts:AssumeRole"])
        .condition("StringEquals", "aws:SourceArn", names.trail_arn())])
}

/// The role may only create streams and put events in this one log group.
pub fn delivery_permissions(names: &Names) -> PolicyDocument {
    PolicyDocument::new(vec![Statement::allow("DeliverToThisLogGroupOnly")
        .actions(&["logs:CreateLogStream", "logs:PutLogEvents"])
        .resources([format!("{}:log-stream:*", names.log_group_arn())])])
}

pub async fn find(ctx: &Ctx<'_>, name: &str) -> Result<Option<String>, AwsError> {
    let found = ctx
        .clients
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(ROLE, "GetRole", name, e))
        .found_if(&[codes::iam::NO_SUCH_ENTITY])?;
    Ok(found.and_then(|out| out.role).map(|role| role.arn))
}

pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), AwsError> {
    let name = ctx.names.delivery_role.as_str();
    let iam = &ctx.clients.iam;
    let trust = delivery_trust_policy(ctx.names).to_json();
    let arn = match find(ctx, name).await? {
        Some(arn) => {
            iam.update_assume_role_policy()
                .role_name(name)
                .policy_document(&trust)
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(ROLE, "UpdateAssumeRolePolicy", name, e))?;
            arn
        }
        None => {
            let mut create = iam
                .create_role()
                .role_name(name)
                .assume_role_policy_document(&trust)
                .description(format!(
                    "Lets CloudTrail deliver secretmonitor pipeline {} events to its log group",
                    ctx.spec.name
                ));
            for (key, value) in ctx.tags() {
                create = create.tags(
                    IamTag::builder()
                        .key(key)
                        .value(value)
                        .build()
                        .map_err(|e| AwsError::new(ROLE, "CreateRole", name, e.to_string()))?,
                );
            }
            create
                .send()
                .await
                .map_err(|e| AwsError::from_sdk(ROLE, "CreateRole", name, e))?
                .role
                .map(|r| r.arn)
                .ok_or_else(|| AwsError::new(ROLE, "CreateRole", name, "no role returned"))?
        }
    };
    rec.update(|o| o.delivery_role_arn = Some(arn));
    iam.put_role_policy()
        .role_name(name)
        .policy_name(ROLE_POLICY_NAME)
        .policy_document(delivery_permissions(ctx.names).to_json())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(ROLE, "PutRolePolicy", name, e))?;
    Ok(())
}

pub async fn delete(ctx: &Ctx<'_>, name: &str) -> Result<(), AwsError> {
    let iam = &ctx.clients.iam;
    iam.delete_role_policy()
        .role_name(name)
        .policy_name(ROLE_POLICY_NAME)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(ROLE, "DeleteRolePolicy", name, e))
        .gone_if(&[codes::iam::NO_SUCH_ENTITY])?;
    iam.delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(ROLE, "DeleteRole", name, e))
        .gone_if(&[codes::iam::NO_SUCH_ENTITY])
}

/// CloudTrail assumes the role to deliver to the log group.
pub const PART: PartDef = PartDef {
    id: Component::DeliveryRole,
    present: with_trail,
    after: &[],
    after_usable: &[],
    refers_to: &[],
    inside: None,
    protections: &[],
    ensure: |ctx, rec, _| ensure(ctx, rec).err_into().boxed(),
    find: Some(|ctx, _| {
        async move {
            let found = find(ctx, &ctx.names.delivery_role).await?;
            Ok(seen(found.map(RoleArn)))
        }
        .boxed()
    }),
    delete: |ctx, _| {
        async move {
            delete(ctx, &ctx.names.delivery_role).await?;
            Ok(Deleted::Done)
        }
        .boxed()
    },
    forget: |o| o.delivery_role_arn = None,
};

/// The role, as refresh finds it.
struct RoleArn(String);

impl Seen for RoleArn {
    fn record(&self, observed: &mut Observed) {
        observed.delivery_role_arn = Some(self.0.clone());
    }
}
