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
}

impl PlanNames {
    pub fn of(spec: &PipelineSpec) -> Self {
        let name = &spec.name;
        let log_group = match (&spec.trail.create, &spec.trail.existing_log_group_name) {
            (false, Some(existing)) => existing.clone(),
            _ => format!("/secretmonitor/{name}/cloudtrail"),
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
        }
    }

    /// Every name, for checks that hold of all of them.
    pub fn all(&self) -> [&str; 9] {
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
        ]
    }
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
}

impl Names {
    pub fn derive(spec: &PipelineSpec, account_id: &str, region: &str) -> Self {
        let plan = PlanNames::of(spec);
        Self {
            account_id: account_id.to_owned(),
            region: region.to_owned(),
            key_alias: plan.key_alias,
            bucket: spec
                .archive
                .bucket_name
                .clone()
                .unwrap_or_else(|| default_bucket_name(&spec.name, account_id, region)),
            trail: plan.trail,
            log_group: plan.log_group,
            delivery_role: plan.delivery_role,
            metric_filter: plan.metric_filter,
            alarm: plan.alarm,
            topic: plan.topic,
            read_rule: plan.read_rule,
            tamper_rule: plan.tamper_rule,
        }
    }

    /// The key's alias, which needs no account: the key is looked up by it
    /// while the account is.
    pub fn key_alias_for(pipeline: &str) -> String {
        format!("alias/secretmonitor/{pipeline}")
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
            ];
            assert_eq!(plan.all(), at_apply.map(String::as_str), "{}", spec.name);
        }
    }
}
