//! Every component's name, derived from the pipeline's name (and, for ARNs
//! and the default bucket, its account and region), so that any of them can
//! be found again without state.

use super::PipelineSpec;

/// The names that depend on the pipeline's name alone, not on its account
/// or region: all a plan can know before apply asks STS. It holds no ARN and
/// no bucket name (the default one carries the account), so none can be
/// built with an empty account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlanNames {
    pub key_alias: String,
    pub trail: String,
    pub log_group: String,
    pub delivery_role: String,
    pub metric_filter: String,
    pub alarm: String,
    pub topic: String,
    pub read_rule: String,
    pub tamper_rule: String,
    /// The pipeline's own event bus, where the scope rules of a two-stage
    /// per-event path live.
    pub event_bus: String,
    /// Where the notifying rules write findings when the alarm counts them.
    pub findings_log_group: String,
    /// The metric filter on the findings log group.
    pub findings_filter: String,
    /// The pipeline's CloudWatch dashboard (dashboard names allow
    /// `A-Za-z0-9_-`, which the pipeline's name keeps to).
    pub dashboard: String,
}

impl PlanNames {
    pub fn of(spec: &PipelineSpec) -> Self {
        let name = &spec.name;
        let log_group = match (&spec.trail.create, &spec.trail.existing_log_group_name) {
            (false, Some(existing)) => existing.clone(),
            _ => format!("{}{name}/cloudtrail", Names::LOG_GROUP_ROOT),
        };
        Self {
            key_alias: Names::key_alias_for(name),
            trail: name.clone(),
            log_group,
            delivery_role: truncate(&format!("{name}-cloudtrail-to-logs"), 64),
            metric_filter: format!("{name}-secret-access"),
            alarm: format!("{name}-secret-access"),
            topic: format!("{name}-alerts"),
            read_rule: truncate(&format!("{name}-secret-reads"), 64),
            tamper_rule: truncate(&format!("{name}-tamper"), 64),
            event_bus: format!("{name}-secret-reads"),
            findings_log_group: format!("{}{name}/findings", Names::LOG_GROUP_ROOT),
            findings_filter: format!("{name}-findings"),
            dashboard: format!("{}{name}", Names::DASHBOARD_PREFIX),
        }
    }

    /// The metric filter holding `pattern`, the `index`-th of `count`: one
    /// filter keeps the pipeline's filter name; several are named by their
    /// content, so that a changed chunk is a new filter put in place before
    /// the old one goes, and an unchanged one is left alone.
    pub fn metric_filter_at(&self, count: usize, pattern: &str) -> String {
        if count == 1 {
            self.metric_filter.clone()
        } else {
            format!("{}-{}", self.metric_filter, content_id(pattern))
        }
    }

    /// Whether `name` is one of this pipeline's metric filters on the
    /// trail's log group.
    pub fn is_metric_filter(&self, name: &str) -> bool {
        name == self.metric_filter
            || name
                .strip_prefix(self.metric_filter.as_str())
                .and_then(|rest| rest.strip_prefix('-'))
                .is_some_and(is_content_id)
    }

    /// A read rule of the per-event path: `stage` is `c` (caller rules, on the
    /// default bus) or `s` (scope rules, on the pipeline's bus); named by
    /// content for the reason [`Self::metric_filter_at`] gives. The single
    /// rule of a small pipeline keeps `read_rule`.
    pub fn staged_rule(&self, stage: char, pattern: &str) -> String {
        format!("{}{}", self.staged_prefix(stage), content_id(pattern))
    }

    /// What every name [`Self::staged_rule`] gives for `stage` starts with.
    pub fn staged_prefix(&self, stage: char) -> String {
        format!("{}{stage}-", self.staged_rules_prefix())
    }

    /// What every staged rule's name starts with, of either stage.
    pub fn staged_rules_prefix(&self) -> String {
        format!("{}-reads-", self.trail)
    }

    /// Whether `name` is a rule [`Self::staged_rule`] names for `stage`.
    pub fn is_staged_rule(&self, stage: char, name: &str) -> bool {
        name.strip_prefix(self.staged_prefix(stage).as_str())
            .is_some_and(is_content_id)
    }

    /// Every name, for checks that hold of all of them.
    pub fn all(&self) -> [&str; 13] {
        [
            &self.key_alias,
            &self.trail,
            &self.log_group,
            &self.delivery_role,
            &self.metric_filter,
            &self.alarm,
            &self.topic,
            &self.read_rule,
            &self.tamper_rule,
            &self.event_bus,
            &self.findings_log_group,
            &self.findings_filter,
            &self.dashboard,
        ]
    }
}

/// Eight hex digits of the FNV-1a hash of `text`: stable across builds and
/// platforms, which a name in AWS must be.
pub fn content_id(text: &str) -> String {
    let hash = text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    });
    format!("{:08x}", hash >> 32)
}

fn is_content_id(text: &str) -> bool {
    text.len() == 8 && text.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// Names of every component, derived from the pipeline's name, account and
/// region so that any of them can be found again without state (import,
/// repair after a lost apply).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Names {
    pub account_id: String,
    pub region: String,
    pub key_alias: String,
    pub bucket: String,
    pub trail: String,
    pub log_group: String,
    pub delivery_role: String,
    pub metric_filter: String,
    pub alarm: String,
    pub topic: String,
    /// EventBridge rule of the per-event read alerts.
    pub read_rule: String,
    /// EventBridge rule of the tamper alerts.
    pub tamper_rule: String,
    pub event_bus: String,
    pub findings_log_group: String,
    pub findings_filter: String,
    pub dashboard: String,
    /// What the names of the sets (filters, staged rules) derive from.
    pub plan: PlanNames,
}

impl Names {
    pub fn derive(spec: &PipelineSpec, account_id: &str, region: &str) -> Self {
        let plan = PlanNames::of(spec);
        Self {
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            key_alias: plan.key_alias.clone(),
            bucket: spec
                .archive
                .bucket_name
                .clone()
                .unwrap_or_else(|| default_bucket_name(&spec.name, account_id, region)),
            trail: plan.trail.clone(),
            log_group: plan.log_group.clone(),
            delivery_role: plan.delivery_role.clone(),
            metric_filter: plan.metric_filter.clone(),
            alarm: plan.alarm.clone(),
            topic: plan.topic.clone(),
            read_rule: plan.read_rule.clone(),
            tamper_rule: plan.tamper_rule.clone(),
            event_bus: plan.event_bus.clone(),
            findings_log_group: plan.findings_log_group.clone(),
            findings_filter: plan.findings_filter.clone(),
            dashboard: plan.dashboard.clone(),
            plan,
        }
    }

    /// The key's alias, which needs no account: the key is looked up by it
    /// while the account is.
    pub fn key_alias_for(pipeline: &str) -> String {
        format!("alias/secretmonitor/{pipeline}")
    }

    /// The tag every key the provider creates carries, valued with the
    /// pipeline's name: the alias comes one call after the key, so a key whose
    /// apply died in between is found by this tag alone.
    pub const KEY_OWNER_TAG: &'static str = "secretmonitor:pipeline";

    /// Where the log groups the provider creates live: `<root><pipeline>/...`.
    pub const LOG_GROUP_ROOT: &'static str = "/secretmonitor/";

    /// How every pipeline's dashboard name starts: `<prefix><pipeline>`.
    pub const DASHBOARD_PREFIX: &'static str = "secretmonitor-";

    /// The pipeline a log group under [`Self::LOG_GROUP_ROOT`] belongs to.
    pub fn pipeline_of_log_group(log_group: &str) -> Option<&str> {
        log_group
            .strip_prefix(Self::LOG_GROUP_ROOT)
            .and_then(|rest| rest.split_once('/'))
            .map(|(pipeline, _)| pipeline)
            .filter(|pipeline| !pipeline.is_empty())
    }

    /// The pipeline a dashboard named with [`Self::DASHBOARD_PREFIX`] belongs to.
    pub fn pipeline_of_dashboard(dashboard: &str) -> Option<&str> {
        dashboard
            .strip_prefix(Self::DASHBOARD_PREFIX)
            .filter(|pipeline| !pipeline.is_empty())
    }

    pub fn trail_arn(&self) -> String {
        format!(
            "arn:aws:cloudtrail:{}:{}:trail/{}",
            self.region, self.account_id, self.trail
        )
    }

    pub fn log_group_arn(&self) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{}",
            self.region, self.account_id, self.log_group
        )
    }

    pub fn bucket_arn(&self) -> String {
        format!("arn:aws:s3:::{}", self.bucket)
    }

    pub fn alarm_arn(&self) -> String {
        format!(
            "arn:aws:cloudwatch:{}:{}:alarm:{}",
            self.region, self.account_id, self.alarm
        )
    }

    pub fn rule_arn(&self, rule: &str) -> String {
        format!(
            "arn:aws:events:{}:{}:rule/{rule}",
            self.region, self.account_id
        )
    }

    pub fn event_bus_arn(&self) -> String {
        format!(
            "arn:aws:events:{}:{}:event-bus/{}",
            self.region, self.account_id, self.event_bus
        )
    }

    /// A rule on the pipeline's bus: its ARN names the bus.
    pub fn bus_rule_arn(&self, rule: &str) -> String {
        format!(
            "arn:aws:events:{}:{}:rule/{}/{rule}",
            self.region, self.account_id, self.event_bus
        )
    }

    pub fn findings_log_group_arn(&self) -> String {
        format!(
            "arn:aws:logs:{}:{}:log-group:{}",
            self.region, self.account_id, self.findings_log_group
        )
    }

    /// A dashboard's ARN has no region: dashboards are global to the account.
    pub fn dashboard_arn(&self) -> String {
        format!(
            "arn:aws:cloudwatch::{}:dashboard/{}",
            self.account_id, self.dashboard
        )
    }

    pub fn topic_arn(&self) -> String {
        format!(
            "arn:aws:sns:{}:{}:{}",
            self.region, self.account_id, self.topic
        )
    }

    pub fn account_root(&self) -> String {
        format!("arn:aws:iam::{}:root", self.account_id)
    }
}

/// S3 names are global, so the default carries account and region; it is
/// shortened (keeping the unique suffix) to S3's 63 characters.
pub fn default_bucket_name(name: &str, account_id: &str, region: &str) -> String {
    let suffix = format!("-archive-{account_id}-{region}");
    let room = 63usize.saturating_sub(suffix.len());
    let stem: String = name
        .to_ascii_lowercase()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .take(room)
        .collect();
    format!("{}{suffix}", stem.trim_end_matches('-'))
}

fn truncate(value: &str, max: usize) -> String {
    value.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_bucket_names_fit_s3_rules() {
        let cases = [
            ("prod-secrets", "111122223333", "eu-west-1"),
            ("Prod_Secrets", "111122223333", "us-east-1"),
            (&"x".repeat(80), "111122223333", "ap-southeast-2"),
        ];
        for (name, account, region) in cases {
            let bucket = default_bucket_name(name, account, region);
            assert!(bucket.len() <= 63 && bucket.len() >= 3, "{bucket}");
            assert!(
                bucket.ends_with(&format!("-archive-{account}-{region}")),
                "{bucket}"
            );
            assert!(
                bucket
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'),
                "{bucket}"
            );
        }
    }

    /// Plan-time names used to come from `Names::derive(spec, "", "")`: a
    /// bucket `p-archive--` and ARNs with an empty account (`arn:aws:sns::`)
    /// that nothing kept the planner from reading. What a plan can know now
    /// holds no account at all, and each name is the one apply uses.
    #[test]
    fn plan_time_names_carry_no_empty_account_and_match_apply() {
        let example = crate::terraform::desired::example_spec("prod-secrets");
        let mut own_bucket = example.clone();
        own_bucket.archive.bucket_name = Some("my-audit-bucket".to_owned());
        let mut existing_group = example.clone();
        existing_group.trail.create = false;
        existing_group.trail.existing_log_group_name = Some("/org/trail".to_owned());
        let long = crate::terraform::desired::example_spec(&"x".repeat(80));
        for spec in [example, own_bucket, existing_group, long] {
            let plan = PlanNames::of(&spec);
            for name in plan.all() {
                assert!(
                    !name.is_empty() && !name.contains("::") && !name.contains("--"),
                    "{name:?} has a gap where an account or region would go"
                );
            }
            let applied = Names::derive(&spec, "111122223333", "eu-west-1");
            let at_apply = [
                &applied.key_alias,
                &applied.trail,
                &applied.log_group,
                &applied.delivery_role,
                &applied.metric_filter,
                &applied.alarm,
                &applied.topic,
                &applied.read_rule,
                &applied.tamper_rule,
                &applied.event_bus,
                &applied.findings_log_group,
                &applied.findings_filter,
                &applied.dashboard,
            ];
            assert_eq!(plan.all(), at_apply.map(String::as_str), "{}", spec.name);
        }
    }
}
