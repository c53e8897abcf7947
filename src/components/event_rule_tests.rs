//! The event rules' pure parts: rule identity, listing prefix, and what
//! refresh makes of a listed rule.

use super::*;

#[test]
fn both_rules_are_listed_by_their_common_prefix() {
    let cases = [
        ("prod-secret-reads", "prod-tamper", "prod-"),
        ("same", "same", "same"),
        ("ab", "abc", "ab"),
        ("abc", "ab", "ab"),
    ];
    for (a, b, prefix) in cases {
        assert_eq!(common_prefix(a, b), prefix, "{a} / {b}");
    }
    let names = Names::derive(
        &crate::terraform::desired::example_spec("prod"),
        "111122223333",
        "us-east-1",
    );
    let prefix = common_prefix(Rule::Reads.name(&names), Rule::Tamper.name(&names));
    assert_eq!(prefix, "prod-");
}

#[test]
fn a_rule_alerts_only_as_listed_in_its_state_with_our_target() {
    let names = Names::derive(
        &crate::terraform::desired::example_spec("prod"),
        "111122223333",
        "us-east-1",
    );
    let topic = names.topic_arn();
    let wanted = Wanted {
        names: &names,
        pipeline: "prod",
        topic_arn: &topic,
        read_pattern: None,
    };
    let listed = |name: &str, state: RuleState| {
        ListedRule::builder()
            .name(name)
            .arn(format!("arn:aws:events:us-east-1:111122223333:rule/{name}"))
            .state(state)
            .event_pattern(format!("{{\"listed\":\"{name}\"}}"))
            .build()
    };
    let target = |arn: &str, template: String| {
        Target::builder()
            .id(TARGET_ID)
            .arn(arn)
            .input_transformer(
                InputTransformer::builder()
                    .input_template(template)
                    .build()
                    .expect("template set"),
            )
            .build()
            .expect("id and arn set")
    };
    let ours = "prod-secret-reads";
    // Another pipeline's rule shares the prefix ("prod-" of "prod-eu").
    let other = "prod-eu-secret-reads";
    let in_state = RuleState::EnabledWithAllCloudtrailManagementEvents;
    let our_target = || vec![target(&topic, input_template(Rule::Reads, "prod"))];
    /// A case: its name, what ListRules lists, what ListTargetsByRule
    /// answers (`None`: the rule is gone), and the expected `alerting`
    /// (`None`: no rule observed).
    type Case<'a> = (&'a str, Vec<ListedRule>, Option<Vec<Target>>, Option<bool>);
    let cases: Vec<Case> = vec![
        (
            "in place",
            vec![
                listed(other, in_state.clone()),
                listed(ours, in_state.clone()),
            ],
            Some(our_target()),
            Some(true),
        ),
        (
            "only another pipeline's rule",
            vec![listed(other, in_state.clone())],
            Some(our_target()),
            None,
        ),
        (
            "deleted before its targets were listed",
            vec![listed(ours, in_state.clone())],
            None,
            None,
        ),
        (
            "disabled",
            vec![listed(ours, RuleState::Disabled)],
            Some(our_target()),
            Some(false),
        ),
        (
            "plain ENABLED sees no read-only events",
            vec![listed(ours, RuleState::Enabled)],
            Some(our_target()),
            Some(false),
        ),
        (
            "no target",
            vec![listed(ours, in_state.clone())],
            Some(vec![]),
            Some(false),
        ),
        (
            "another topic",
            vec![listed(ours, in_state.clone())],
            Some(vec![target(
                "arn:aws:sns:us-east-1:111122223333:other",
                input_template(Rule::Reads, "prod"),
            )]),
            Some(false),
        ),
        (
            "edited message",
            vec![listed(ours, in_state.clone())],
            Some(vec![target(&topic, "{}".to_owned())]),
            Some(false),
        ),
    ];
    for (case, listing, targets, alerting) in cases {
        let observed = wanted
            .observe(Rule::Reads, &listing, Ok(targets))
            .expect("no error given");
        assert_eq!(observed.as_ref().map(|o| o.alerting), alerting, "{case}");
        if let Some(observed) = observed {
            assert_eq!(
                observed.arn,
                format!("arn:aws:events:us-east-1:111122223333:rule/{ours}"),
                "{case}"
            );
            assert_eq!(
                observed.pattern,
                format!("{{\"listed\":\"{ours}\"}}"),
                "{case}"
            );
        }
    }
    // A targets error counts only for a rule that is listed.
    let failed = || Err(AwsError::new(C, "ListTargetsByRule", ours, "throttled"));
    assert!(wanted
        .observe(Rule::Reads, &[], failed())
        .expect("not listed")
        .is_none());
    assert!(wanted
        .observe(Rule::Reads, &[listed(ours, in_state)], failed())
        .is_err());
}

#[test]
fn a_listed_read_pattern_that_means_the_generated_one_is_recorded_as_generated() {
    let names = Names::derive(
        &crate::terraform::desired::example_spec("prod"),
        "111122223333",
        "us-east-1",
    );
    let topic = names.topic_arn();
    let generated =
        r#"{"source":["aws.secretsmanager"],"detail":{"eventName":["GetSecretValue"]}}"#;
    let reformatted =
        r#"{"detail": {"eventName": ["GetSecretValue"]}, "source": ["aws.secretsmanager"]}"#;
    let edited = r#"{"source":["aws.secretsmanager"],"detail":{"eventName":["DescribeSecret"]}}"#;
    // (rule, what ListRules returns, the generated read pattern, what refresh records)
    let cases = [
        (Rule::Reads, reformatted, Some(generated), generated),
        (Rule::Reads, edited, Some(generated), edited),
        (Rule::Reads, reformatted, None, reformatted),
        (Rule::Tamper, reformatted, Some(generated), reformatted),
    ];
    for (rule, listed_pattern, read_pattern, recorded) in cases {
        let wanted = Wanted {
            names: &names,
            pipeline: "prod",
            topic_arn: &topic,
            read_pattern,
        };
        let name = rule.name(&names);
        let listed = ListedRule::builder()
            .name(name)
            .arn(format!("arn:aws:events:us-east-1:111122223333:rule/{name}"))
            .state(rule.state())
            .event_pattern(listed_pattern)
            .build();
        let observed = wanted
            .observe(rule, &[listed], Ok(Some(vec![])))
            .expect("no error given")
            .expect("listed");
        assert_eq!(observed.pattern, recorded, "{rule:?} {listed_pattern}");
    }
}
