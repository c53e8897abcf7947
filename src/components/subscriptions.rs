//! The topic's subscriptions, and which of them still await confirmation.

use std::collections::{BTreeSet, HashSet};

use futures::FutureExt;

use super::{
    always, topic, Component, Ctx, Deleted, Observed, PartDef, PipelineError, Recorder, Seen,
    Subscription,
};
use crate::aws::{codes, Absence, AwsError};

const SUBS: Component = Component::Subscriptions;

/// SNS answers this in place of an ARN for a subscription not yet confirmed.
const PENDING: &str = "PendingConfirmation";

/// Protocols whose endpoint owner must confirm the subscription.
fn needs_confirmation(protocol: &str) -> bool {
    matches!(protocol, "email" | "email-json" | "http" | "https")
}

/// Lists the topic's subscriptions and tells the unconfirmed ones apart.
///
/// AWS lists an unconfirmed subscription as "PendingConfirmation" unless it
/// was created asking for its ARN; then only its attributes tell. The
/// attributes of the subscriptions in `known` (the state's) are read while the
/// topic is listed, so refresh costs one round trip unless a subscription
/// appeared since. One the state already knows as confirmed is not asked
/// again: confirmation cannot be undone, and a subscription that is removed
/// leaves the listing.
pub async fn list(
    ctx: &Ctx<'_>,
    topic: &str,
    known: &[Subscription],
) -> Result<Vec<Subscription>, AwsError> {
    let confirmed = known_confirmed(known);
    let ask = |s: &Subscription| must_ask(s, &confirmed);
    let looked_ahead: Vec<String> = known
        .iter()
        .filter(|s| ask(s))
        .map(|s| s.arn.clone())
        .collect();
    let (listed, early) = tokio::join!(list_topic(ctx, topic), confirmations(ctx, looked_ahead));
    let mut subscriptions = listed?;
    let mut answers = early;
    let late: Vec<String> = subscriptions
        .iter()
        .filter(|s| ask(s) && !answers.contains_key(&s.arn))
        .map(|s| s.arn.clone())
        .collect();
    answers.extend(confirmations(ctx, late).await);
    for s in &mut subscriptions {
        // An error counts only for a subscription that is still listed. One
        // listed but not found by its ARN (SNS being eventually consistent) is
        // taken as still pending: that is what it was when it was listed with
        // an ARN of its own.
        if let Some(answer) = answers.remove(&s.arn) {
            s.pending_confirmation = answer?.unwrap_or(true);
        }
    }
    sort_by_endpoint(&mut subscriptions);
    Ok(subscriptions)
}

/// The order subscriptions are recorded in, so that a plan compares them
/// whatever order SNS lists them in.
fn sort_by_endpoint(subscriptions: &mut [Subscription]) {
    subscriptions.sort_by(|a, b| (&a.protocol, &a.endpoint).cmp(&(&b.protocol, &b.endpoint)));
}

/// The ARNs of the subscriptions `known` records as confirmed.
fn known_confirmed(known: &[Subscription]) -> HashSet<&str> {
    known
        .iter()
        .filter(|s| s.arn != PENDING && !s.pending_confirmation)
        .map(|s| s.arn.as_str())
        .collect()
}

/// Whether only `GetSubscriptionAttributes` can tell if `s` is pending: a
/// confirmable subscription listed with an ARN of its own, not already known
/// to be confirmed.
fn must_ask(s: &Subscription, confirmed: &HashSet<&str>) -> bool {
    s.arn != PENDING && needs_confirmation(&s.protocol) && !confirmed.contains(s.arn.as_str())
}

async fn list_topic(ctx: &Ctx<'_>, topic: &str) -> Result<Vec<Subscription>, AwsError> {
    let mut subscriptions = Vec::new();
    let mut next = None;
    loop {
        let page = ctx
            .clients
            .sns
            .list_subscriptions_by_topic()
            .topic_arn(topic)
            .set_next_token(next)
            .send()
            .await
            .map_err(|e| AwsError::from_sdk(SUBS, "ListSubscriptionsByTopic", topic, e))?;
        for s in page.subscriptions() {
            let arn = s.subscription_arn().unwrap_or_default().to_owned();
            subscriptions.push(Subscription {
                protocol: s.protocol().unwrap_or_default().to_owned(),
                endpoint: s.endpoint().unwrap_or_default().to_owned(),
                pending_confirmation: arn == PENDING,
                arn,
            });
        }
        next = page.next_token;
        if next.is_none() {
            return Ok(subscriptions);
        }
    }
}

/// [`awaiting_confirmation`] of each subscription, asked at once.
async fn confirmations(
    ctx: &Ctx<'_>,
    arns: Vec<String>,
) -> std::collections::HashMap<String, Result<Option<bool>, AwsError>> {
    let answers =
        futures::future::join_all(arns.iter().map(|arn| awaiting_confirmation(ctx, arn))).await;
    arns.into_iter().zip(answers).collect()
}

/// Whether the subscription still awaits confirmation; `None` when it is gone.
async fn awaiting_confirmation(ctx: &Ctx<'_>, arn: &str) -> Result<Option<bool>, AwsError> {
    let found = ctx
        .clients
        .sns
        .get_subscription_attributes()
        .subscription_arn(arn)
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(SUBS, "GetSubscriptionAttributes", arn, e))
        .found_if(&[codes::sns::NOT_FOUND])?;
    Ok(found.map(|out| {
        out.attributes
            .and_then(|a| a.get("PendingConfirmation").cloned())
            .is_some_and(|v| v == "true")
    }))
}

pub async fn ensure(ctx: &Ctx<'_>, rec: &Recorder) -> Result<(), PipelineError> {
    let topic = rec.require(SUBS, "topic ARN", |o| o.topic_arn.clone())?;
    let topic = topic.as_str();
    let sns = &ctx.clients.sns;
    let known = rec.get(|o| o.subscriptions.clone());
    let existing = list(ctx, topic, &known).await?;
    let wanted: BTreeSet<(&str, String)> = ctx.spec.notification.endpoints().into_iter().collect();
    let have: BTreeSet<(&str, String)> = existing
        .iter()
        .map(|s| (s.protocol.as_str(), s.endpoint.clone()))
        .collect();
    let subscribe =
        wanted
            .iter()
            .filter(|w| !have.contains(w))
            .map(|(protocol, endpoint)| async move {
                let subscribed = sns
                    .subscribe()
                    .topic_arn(topic)
                    .protocol(*protocol)
                    .endpoint(endpoint)
                    .return_subscription_arn(true)
                    .send()
                    .await
                    .map_err(|e| AwsError::from_sdk(SUBS, "Subscribe", endpoint, e))?;
                // Just made: it awaits confirmation exactly when its protocol needs one.
                Ok::<_, AwsError>(Subscription {
                    protocol: (*protocol).to_owned(),
                    endpoint: endpoint.clone(),
                    arn: subscribed
                        .subscription_arn
                        .unwrap_or_else(|| PENDING.to_owned()),
                    pending_confirmation: needs_confirmation(protocol),
                })
            });
    // A pending subscription has no ARN yet and cannot be removed; it expires on its own.
    let unsubscribe = existing
        .iter()
        .filter(|s| {
            !s.pending_confirmation && !wanted.contains(&(s.protocol.as_str(), s.endpoint.clone()))
        })
        .map(|s| async move {
            sns.unsubscribe()
                .subscription_arn(&s.arn)
                .send()
                .await
                .map(|_| s.arn.clone())
                .map_err(|e| AwsError::from_sdk(SUBS, "Unsubscribe", &s.arn, e))
        });
    let (subscribed, unsubscribed) = tokio::join!(
        futures::future::join_all(subscribe),
        futures::future::join_all(unsubscribe)
    );
    // What the calls answered is recorded, even when one of them failed; the
    // next refresh reads the rest.
    let mut now = existing;
    let mut first_error = None;
    for result in unsubscribed {
        match result {
            Ok(arn) => now.retain(|s| s.arn != arn),
            Err(err) => first_error = first_error.or(Some(err)),
        }
    }
    for result in subscribed {
        match result {
            Ok(subscription) => now.push(subscription),
            Err(err) => first_error = first_error.or(Some(err)),
        }
    }
    sort_by_endpoint(&mut now);
    rec.update(|o| o.subscriptions = now);
    first_error.map_or(Ok(()), |err| Err(err.into()))
}

/// Subscriptions live in the topic: gone with it, and deleted with it.
pub const PART: PartDef = PartDef {
    id: Component::Subscriptions,
    present: always,
    after: &[Component::Topic],
    after_usable: &[],
    refers_to: &[],
    inside: Some(Component::Topic),
    protections: &[],
    ensure: |ctx, rec, _| ensure(ctx, rec).boxed(),
    find: Some(|ctx, recorded| {
        async move {
            let topic = topic::recorded_arn(ctx, recorded);
            let listed = list(ctx, &topic, &recorded.subscriptions).await?;
            Ok(Some(Box::new(Listed(listed)) as Box<dyn Seen>))
        }
        .boxed()
    }),
    delete: |ctx, rec| unconfirmed_left(ctx, rec).map(Ok).boxed(),
    // The topic's deletion removes them, and its forget clears them.
    forget: |_| {},
};

/// Deleting the topic deletes its subscriptions, except that AWS cannot
/// delete one nobody confirmed: the topic's deletion orphans it harmlessly,
/// and the owner is told.
async fn unconfirmed_left(ctx: &Ctx<'_>, rec: &Recorder) -> Deleted {
    let (topic, known) = rec.get(|o| (topic::recorded_arn(ctx, o), o.subscriptions.clone()));
    let pending: Vec<String> = list(ctx, &topic, &known)
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.pending_confirmation)
        .map(|s| format!("{} {}", s.protocol, s.endpoint))
        .collect();
    if pending.is_empty() {
        return Deleted::Done;
    }
    Deleted::Kept {
        reason: format!(
            "{} subscription(s) of topic {topic} were never confirmed and cannot be deleted by AWS: {}. They lapse with the topic; nothing will be delivered to them.",
            pending.len(),
            pending.join(", ")
        ),
    }
}

/// The subscriptions refresh lists.
struct Listed(Vec<Subscription>);

impl Seen for Listed {
    fn record(&self, observed: &mut Observed) {
        observed.subscriptions = self.0.clone();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subscription(protocol: &str, arn: &str, pending: bool) -> Subscription {
        Subscription {
            protocol: protocol.to_owned(),
            endpoint: "secops@example.com".to_owned(),
            arn: arn.to_owned(),
            pending_confirmation: pending,
        }
    }

    #[test]
    fn only_a_subscription_the_listing_cannot_judge_is_asked_about() {
        let confirmed_arn = "arn:aws:sns:us-east-1:111122223333:t:confirmed";
        let pending_arn = "arn:aws:sns:us-east-1:111122223333:t:pending";
        let new_arn = "arn:aws:sns:us-east-1:111122223333:t:new";
        let known = [
            subscription("email", confirmed_arn, false),
            subscription("email", pending_arn, true),
            subscription("email", PENDING, true),
        ];
        let confirmed = known_confirmed(&known);
        let cases = [
            // Listed as "PendingConfirmation": the listing already says so.
            (subscription("email", PENDING, true), false),
            // Confirmed before: confirmation cannot be undone.
            (subscription("email", confirmed_arn, false), false),
            // Pending when last read, or never read: only its attributes tell.
            (subscription("email", pending_arn, false), true),
            (subscription("https", new_arn, false), true),
            // Nobody confirms a queue's subscription.
            (subscription("sqs", new_arn, false), false),
        ];
        for (listed, asked) in cases {
            assert_eq!(must_ask(&listed, &confirmed), asked, "{listed:?}");
        }
    }
}
