//! The per-event path: a synthetic unauthorised read, confirmed by
//! EventBridge's TestEventPattern on every stored rule on its way, then a
//! labelled message in the per-event format published to the topic.

use super::*;

/// The secret id every synthetic read asks for, or ends with.
const PROBE_SECRET: &str = "secretmonitor-verification";

/// A secret id inside the pipeline's scope.
fn secret_in_scope(spec: &PipelineSpec) -> String {
    match spec.secrets.iter().find_map(|s| parse_secret(s).ok()) {
        None => PROBE_SECRET.to_owned(),
        Some(SecretScope::Prefix(stem)) => format!("{stem}{PROBE_SECRET}"),
        Some(SecretScope::Name(name)) => name,
        Some(SecretScope::Arn { arn, .. }) => arn,
    }
}

/// A CloudTrail GetSecretValue event as EventBridge delivers it.
pub fn synthetic_read(names: &Names, principal_account: &str, secret: &str) -> serde_json::Value {
    serde_json::json!({
        "version": "0",
        "id": "00000000-0000-0000-0000-000000000000",
        "detail-type": CLOUDTRAIL_DETAIL_TYPE,
        "source": SECRETS_MANAGER_SOURCE,
        "account": names.account_id,
        "time": now(),
        "region": names.region,
        "resources": [],
        "detail": {
            "eventVersion": "1.09",
            "userIdentity": {
                "type": "IAMUser",
                "arn": format!("arn:aws:iam::{principal_account}:user/secretmonitor-verification"),
                "accountId": principal_account,
            },
            "eventSource": SECRETS_MANAGER_EVENT_SOURCE,
            "eventName": "GetSecretValue",
            "awsRegion": names.region,
            "requestParameters": { "secretId": secret },
            "eventID": "00000000-0000-0000-0000-000000000000",
            "readOnly": true,
            "eventType": "AwsApiCall",
            "managementEvent": true,
            "recipientAccountId": names.account_id,
        }
    })
}

/// A read the pipeline must alert on, chosen with the provider's evaluator;
/// `None` when the allow-list covers every candidate principal.
pub fn unauthorised_read(spec: &PipelineSpec, names: &Names) -> Option<serde_json::Value> {
    notified_read(spec, names).map(|route| route.event)
}

/// A synthetic read and the rules it passes on its way to the topic, in
/// order: the single rule; or, with two stages, the caller rule on the
/// default bus that forwards it and the scope rule on the pipeline's bus
/// that notifies.
#[derive(Debug, Clone, PartialEq)]
pub struct Route {
    pub event: serde_json::Value,
    pub rules: Vec<ReadRule>,
}

/// The route of a read, chosen with the provider's evaluator over the
/// layout's patterns; `None` when no candidate reaches the topic.
pub fn notified_read(spec: &PipelineSpec, names: &Names) -> Option<Route> {
    first_route(
        names,
        wanted_reads(spec, names),
        &[secret_in_scope(spec)],
        spec.detection.rules.two_stage(),
    )
}

/// The route of a read through the read rules as AWS stores them (the
/// pipeline's configuration unknown: an action knows only its name), the
/// read's secret taken from the rules' own `secretId` conditions; `None`
/// when no candidate reaches the topic.
pub fn stored_route(names: &Names, stored: &[Named]) -> Option<Route> {
    let rules: Vec<ReadRule> = stored
        .iter()
        .filter_map(|rule| {
            let (bus, notifies) = if names.plan.is_staged_rule('s', &rule.name) {
                (Bus::Pipeline, true)
            } else if names.plan.is_staged_rule('c', &rule.name) {
                (Bus::Default, false)
            } else if rule.name == names.read_rule {
                (Bus::Default, true)
            } else {
                return None;
            };
            Some(ReadRule {
                name: rule.name.clone(),
                bus,
                pattern: rule.pattern.clone(),
                notifies,
            })
        })
        .collect();
    let two_stage = rules.iter().any(|rule| rule.bus == Bus::Pipeline);
    let mut secrets: Vec<String> = Vec::new();
    for rule in &rules {
        if let Ok(pattern) = EventPattern::parse(&rule.pattern) {
            secret_candidates(&pattern, &mut secrets);
        }
    }
    secrets.push(PROBE_SECRET.to_owned());
    first_route(names, rules, &secrets, two_stage)
}

/// Secret ids that satisfy the pattern's `secretId` conditions, in order.
fn secret_candidates(pattern: &EventPattern, out: &mut Vec<String>) {
    for (key, node) in pattern.fields() {
        match node {
            Node::Object(inner) => secret_candidates(inner, out),
            Node::Matchers(matchers) if key == "secretId" => {
                out.extend(matchers.iter().filter_map(|matcher| match matcher {
                    Matcher::Exact(serde_json::Value::String(id))
                    | Matcher::EqualsIgnoreCase(id) => Some(id.clone()),
                    Matcher::Prefix(stem) | Matcher::PrefixIgnoreCase(stem) => {
                        Some(format!("{stem}{PROBE_SECRET}"))
                    }
                    Matcher::Suffix(end) | Matcher::SuffixIgnoreCase(end) => {
                        Some(format!("{PROBE_SECRET}{end}"))
                    }
                    _ => None,
                }))
            }
            Node::Matchers(_) => {}
        }
    }
    for branch in pattern.any_of() {
        secret_candidates(branch, out);
    }
}

/// The first candidate read (principal accounts × `secrets`) that a rule
/// notifies on, and, with two stages, that a caller rule forwards.
fn first_route(
    names: &Names,
    rules: Vec<ReadRule>,
    secrets: &[String],
    two_stage: bool,
) -> Option<Route> {
    let rules: Vec<(ReadRule, EventPattern)> = rules
        .into_iter()
        .filter_map(|rule| {
            let pattern = EventPattern::parse(&rule.pattern).ok()?;
            Some((rule, pattern))
        })
        .collect();
    let first = |notifies: bool, event: &serde_json::Value| {
        rules
            .iter()
            .find(|(rule, pattern)| rule.notifies == notifies && pattern.matches(event))
            .map(|(rule, _)| rule.clone())
    };
    // The pipeline's own account first; another one if that account is allowed.
    let accounts = [names.account_id.as_str(), "999999999999", "888888888888"];
    secrets
        .iter()
        .flat_map(|secret| {
            accounts
                .iter()
                .map(move |account| synthetic_read(names, account, secret))
        })
        .find_map(|event| {
            let notifying = first(true, &event)?;
            let mut rules = Vec::new();
            if two_stage {
                rules.push(first(false, &event)?);
            }
            rules.push(notifying);
            Some(Route { event, rules })
        })
}

/// AWS's own verdict on the stored pattern of `rule` for `event`.
async fn stored_rule_matches(
    clients: &Clients,
    names: &Names,
    rule: &ReadRule,
    event: &serde_json::Value,
) -> Result<bool, String> {
    let name = rule.name.as_str();
    let described = clients
        .events
        .describe_rule()
        .name(name)
        .set_event_bus_name(rule.bus.name(names))
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(Component::EventRules, "DescribeRule", name, e).to_string()
        })?;
    let stored = described.event_pattern.unwrap_or_default();
    let tested = clients
        .events
        .test_event_pattern()
        .event_pattern(&stored)
        .event(event.to_string())
        .send()
        .await
        .map_err(|e| {
            AwsError::from_sdk(Component::EventRules, "TestEventPattern", name, e).to_string()
        })?;
    Ok(tested.result)
}

/// The per-event path of the pipeline `pipeline` along `route`, within
/// [`PATH_TIMEOUT`].
pub async fn event_path(
    clients: &Clients,
    names: &Names,
    pipeline: &str,
    route: &Route,
    origin: Origin,
    progress: Progress<'_>,
) -> Result<String, String> {
    let deadline = tokio::time::Instant::now() + PATH_TIMEOUT;
    until(
        deadline,
        event_path_steps(clients, names, pipeline, route, origin, progress),
    )
    .await
}

async fn event_path_steps(
    clients: &Clients,
    names: &Names,
    pipeline: &str,
    route: &Route,
    origin: Origin,
    progress: Progress<'_>,
) -> Result<String, String> {
    let event = &route.event;
    let principal = event["detail"]["userIdentity"]["arn"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    let secret = event["detail"]["requestParameters"]["secretId"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    // Each stage's stored rule, as AWS judges it: with two stages both the
    // caller rule that forwards the read and the scope rule that notifies.
    for rule in &route.rules {
        if !stored_rule_matches(clients, names, rule, event).await? {
            return Err(format!(
                "EventBridge says the stored pattern of rule {} does not match a read of {secret} by {principal}",
                rule.name
            ));
        }
        progress(format!(
            "rule {} matches a synthetic unauthorised read of {secret} by {principal} (TestEventPattern)",
            rule.name
        ));
    }
    let rules: Vec<&str> = route.rules.iter().map(|rule| rule.name.as_str()).collect();
    let notifying = route
        .rules
        .last()
        .map(|rule| rule.bus.rule_arn(names, &rule.name))
        .unwrap_or_default();
    let message = serde_json::json!({
        "alert": origin.label(),
        "pipeline": pipeline,
        "path": "per-event",
        "rule": notifying,
        "synthetic_principal": principal,
        "synthetic_secret": secret,
        "time": now(),
    });
    let topic = names.topic_arn();
    let published = clients
        .sns
        .publish()
        .topic_arn(&topic)
        .subject("secretmonitor: test notification")
        .message(message.to_string())
        .send()
        .await
        .map_err(|e| AwsError::from_sdk(Component::Topic, "Publish", &topic, e).to_string())?;
    let id = published.message_id.unwrap_or_default();
    progress(format!("SNS accepted message {id} for the per-event path"));
    Ok(format!(
        "EventBridge's TestEventPattern matched a synthetic read of {secret} by {principal} against the stored rule{} {}; SNS accepted the labelled test message {id}",
        if rules.len() == 1 { "" } else { "s" },
        rules.join(" then "),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(secrets: &[&str], allowed: &[&str]) -> PipelineSpec {
        let mut spec = PipelineSpec {
            secrets: secrets.iter().map(|s| s.to_string()).collect(),
            allowed_principals: allowed.iter().map(|s| s.to_string()).collect(),
            ..crate::terraform::desired::example_spec("p")
        };
        spec.detection = crate::terraform::plan::detection(&spec).expect("a layout");
        spec
    }

    #[test]
    fn the_synthetic_read_is_one_the_pipeline_alerts_on() {
        // (secrets, allowed principals, expected (reader's account, secret id))
        type Case<'a> = (&'a [&'a str], &'a [&'a str], Option<(&'a str, &'a str)>);
        let cases: [Case; 5] = [
            (
                &["prod/*"],
                &[],
                Some(("111122223333", "prod/secretmonitor-verification")),
            ),
            (
                &["db-password"],
                &["arn:aws:iam::111122223333:role/app"],
                Some(("111122223333", "db-password")),
            ),
            (
                &[],
                &["111122223333"],
                Some(("999999999999", "secretmonitor-verification")),
            ),
            (
                &["arn:aws:secretsmanager:us-east-1:111122223333:secret:billing-Q1w2E3"],
                &["111122223333", "999999999999"],
                Some((
                    "888888888888",
                    "arn:aws:secretsmanager:us-east-1:111122223333:secret:billing-Q1w2E3",
                )),
            ),
            (
                &["prod/*"],
                &["111122223333", "999999999999", "888888888888"],
                None,
            ),
        ];
        let names = Names::derive(&spec(&[], &[]), "111122223333", "us-east-1");
        for (secrets, allowed, expected) in cases {
            let spec = spec(secrets, allowed);
            let event = unauthorised_read(&spec, &names);
            let got = event.as_ref().map(|e| {
                (
                    e["detail"]["userIdentity"]["accountId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                    e["detail"]["requestParameters"]["secretId"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned(),
                )
            });
            assert_eq!(
                got,
                expected.map(|(a, s)| (a.to_owned(), s.to_owned())),
                "{secrets:?} / {allowed:?}"
            );
            if let Some(event) = event {
                // The metric filter must count the same record: both paths are tested.
                let filter = crate::pattern::generate(&spec.pattern_input()).unwrap();
                assert!(filter.matches(&event["detail"].to_string()), "{secrets:?}");
            }
        }
    }

    /// With two stages the synthetic read is forwarded by a caller rule of
    /// the default bus and notified by a scope rule of the pipeline's bus;
    /// both are the rules verification asks AWS about.
    #[test]
    fn with_two_stages_the_read_passes_a_caller_rule_then_a_scope_rule() {
        let secrets: Vec<String> = (0..30).map(|i| format!("team-{i:02}/service/*")).collect();
        let allowed: Vec<String> = (0..30)
            .map(|i| format!("arn:aws:iam::111122223333:role/application-role-{i:02}"))
            .collect();
        let mut spec = PipelineSpec {
            secrets,
            allowed_principals: allowed,
            event_pattern_max_len: 2048,
            ..crate::terraform::desired::example_spec("p")
        };
        spec.detection = crate::terraform::plan::detection(&spec).expect("a layout");
        assert!(
            spec.detection.rules.two_stage(),
            "{:?}",
            spec.detection.rules
        );
        let names = Names::derive(&spec, "111122223333", "us-east-1");
        let Route { event, rules: path } =
            notified_read(&spec, &names).expect("a read that alerts");
        let stages: Vec<(crate::components::event_rule::Bus, bool)> =
            path.iter().map(|rule| (rule.bus, rule.notifies)).collect();
        use crate::components::event_rule::Bus;
        assert_eq!(stages, [(Bus::Default, false), (Bus::Pipeline, true)]);
        // The rules are the layout's: the names apply creates.
        assert_eq!(path[0].name, names.plan.staged_rule('c', &path[0].pattern));
        assert_eq!(path[1].name, names.plan.staged_rule('s', &path[1].pattern));
        assert_eq!(
            event["detail"]["requestParameters"]["secretId"],
            "team-00/service/secretmonitor-verification"
        );
    }

    /// With only the rules AWS stores (no configuration), the route found
    /// is the one the configuration gives: same rules, and a read that the
    /// stored patterns notify on.
    #[test]
    fn the_stored_rules_give_the_route_the_configuration_gives() {
        let many_secrets: Vec<String> = (0..30).map(|i| format!("team-{i:02}/service/*")).collect();
        let many_roles: Vec<String> = (0..30)
            .map(|i| format!("arn:aws:iam::111122223333:role/application-role-{i:02}"))
            .collect();
        let as_refs = |v: &[String]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        // (secrets, allowed principals, pattern length limit)
        let cases: [(Vec<String>, Vec<String>, usize); 5] = [
            (vec!["prod/*".into()], vec![], 2048),
            (
                vec!["db-password".into()],
                vec!["arn:aws:iam::111122223333:role/app".into()],
                2048,
            ),
            (vec![], vec!["111122223333".into()], 2048),
            (
                vec!["arn:aws:secretsmanager:us-east-1:111122223333:secret:billing-Q1w2E3".into()],
                vec!["111122223333".into(), "999999999999".into()],
                2048,
            ),
            (as_refs(&many_secrets), as_refs(&many_roles), 2048),
        ];
        for (secrets, allowed, max_len) in cases {
            let mut spec = PipelineSpec {
                secrets: secrets.clone(),
                allowed_principals: allowed.clone(),
                event_pattern_max_len: max_len,
                ..crate::terraform::desired::example_spec("p")
            };
            spec.detection = crate::terraform::plan::detection(&spec).expect("a layout");
            let names = Names::derive(&spec, "111122223333", "us-east-1");
            let configured = notified_read(&spec, &names).expect("a read that alerts");
            let stored: Vec<Named> = wanted_reads(&spec, &names)
                .into_iter()
                .map(|rule| Named {
                    name: rule.name,
                    pattern: rule.pattern,
                })
                .collect();
            let found = stored_route(&names, &stored).expect("a route through the stored rules");
            assert_eq!(found.rules, configured.rules, "{secrets:?}");
            for rule in &found.rules {
                let pattern = EventPattern::parse(&rule.pattern).expect("a stored pattern");
                assert!(pattern.matches(&found.event), "{secrets:?}: {}", rule.name);
            }
        }
    }

    #[test]
    fn rules_that_are_not_the_pipelines_read_rules_give_no_route() {
        let spec = spec(&["prod/*"], &[]);
        let names = Names::derive(&spec, "111122223333", "us-east-1");
        let stranger = Named {
            name: format!("{}-other", names.read_rule),
            pattern: wanted_reads(&spec, &names)[0].pattern.clone(),
        };
        assert_eq!(stored_route(&names, &[stranger]), None);
    }
}
