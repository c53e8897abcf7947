//! Turning the provider's errors into Terraform diagnostics.

use tf_provider::{AttributePath, Diagnostic, Diagnostics};

use crate::aws::AwsError;
use crate::components::trail::OtherTrail;
use crate::components::{labels, PipelineError};

/// CloudTrail's price of every copy of management events after the first
/// (<https://aws.amazon.com/cloudtrail/pricing/>, read 2026-12-01; docs/cost.md).
pub const FURTHER_COPY_PRICE: &str = "$2.00 per 100,000 management events";

/// The warning of a create that adds a trail where others already record
/// the region's management events: what it costs and how to reuse one.
pub fn second_trail_cost(own_trail: &str, others: &[OtherTrail]) -> String {
    let described: Vec<String> = others
        .iter()
        .map(|t| {
            let mut about = Vec::new();
            if t.organization {
                about.push("organization trail".to_owned());
            }
            if let Some(home) = &t.home_region {
                about.push(format!("home region {home}"));
            }
            match &t.log_group_name {
                Some(group) => about.push(format!("delivers to log group {group:?}")),
                None => about.push("no CloudWatch Logs group".to_owned()),
            }
            format!("{:?} ({})", t.name, about.join(", "))
        })
        .collect();
    let reuse = match others.iter().find_map(|t| t.log_group_name.as_deref()) {
        Some(group) => format!(
            "To reuse it instead, set `trail {{ create = false, existing_log_group_name = {group:?} }}` \
             (this replaces the pipeline)."
        ),
        None => "To reuse one instead, give it a CloudWatch Logs group and set \
                 `trail { create = false, existing_log_group_name = \"...\" }`."
            .to_owned(),
    };
    format!(
        "This pipeline created trail {own_trail:?}, and {} this region's management events: {}. AWS bills the first copy of management events free and every further copy at \
         {FURTHER_COPY_PRICE}, so {own_trail:?} is a paid copy (docs/cost.md has the figures). {reuse}",
        if others.len() == 1 {
            "another trail already records"
        } else {
            "other trails already record"
        },
        described.join("; "),
    )
}

/// One problem with the configuration, at an attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub path: Vec<PathStep>,
    pub summary: String,
    pub detail: String,
    pub severity: Severity,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PathStep {
    Attribute(&'static str),
    Index(usize),
    /// A map key, such as a tag's: `tags["team"]`.
    Key(String),
}

impl Finding {
    pub fn error(
        path: Vec<PathStep>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            path,
            summary: summary.into(),
            detail: detail.into(),
            severity: Severity::Error,
        }
    }

    pub fn warning(
        path: Vec<PathStep>,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(path, summary, detail)
        }
    }

    fn attribute_path(&self) -> AttributePath {
        let mut path = AttributePath::root();
        for step in &self.path {
            match step {
                PathStep::Attribute(name) => {
                    path.add_attribute(*name);
                }
                PathStep::Index(i) => {
                    path.add_index(i64::try_from(*i).unwrap_or(i64::MAX));
                }
                PathStep::Key(key) => {
                    path.add_key(key.clone());
                }
            }
        }
        path
    }
}

pub fn attr(name: &'static str) -> Vec<PathStep> {
    vec![PathStep::Attribute(name)]
}

pub fn nested(block: &'static str, name: &'static str) -> Vec<PathStep> {
    vec![PathStep::Attribute(block), PathStep::Attribute(name)]
}

pub fn item(mut path: Vec<PathStep>, index: usize) -> Vec<PathStep> {
    path.push(PathStep::Index(index));
    path
}

pub fn key(mut path: Vec<PathStep>, key: &str) -> Vec<PathStep> {
    path.push(PathStep::Key(key.to_owned()));
    path
}

/// The path as written in HCL: `alarm.period_seconds`, `secrets[2]`, `tags["a"]`.
pub fn path_text(path: &[PathStep]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            PathStep::Attribute(name) => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(name);
            }
            PathStep::Index(i) => out.push_str(&format!("[{i}]")),
            PathStep::Key(k) => out.push_str(&format!("[{k:?}]")),
        }
    }
    out
}

pub fn report(diags: &mut Diagnostics, findings: Vec<Finding>) {
    for finding in findings {
        let diagnostic = Diagnostic::new(
            finding.summary.clone(),
            finding.detail.clone(),
            finding.attribute_path(),
        );
        match finding.severity {
            Severity::Error => diags.add_error(diagnostic),
            Severity::Warning => diags.add_warning(diagnostic),
        }
    }
}

pub fn aws_error(diags: &mut Diagnostics, err: &AwsError) {
    diags.root_error(
        format!("{}: {} failed", err.component, err.operation),
        format!("{} (resource: {})", err.message, err.resource),
    );
}

/// Each kind of pipeline failure with a summary of its own.
pub fn pipeline_error(diags: &mut Diagnostics, err: &PipelineError) {
    match err {
        PipelineError::Aws(err) => aws_error(diags, err),
        PipelineError::TimedOut {
            operation,
            not_started,
        } => diags.root_error(
            format!("The {operation} timed out"),
            format!(
                "timed out: the {operation} did not finish in time; not started: {}. Everything that exists is recorded in the state; run it again, or raise the timeouts block's value",
                labels(not_started)
            ),
        ),
        PipelineError::DependencyMissing { component, what } => diags.root_error(
            format!("{component}: started before what it needs"),
            format!("{what} is not known yet: the provider ran this part before the part that records it (a bug; please report it)"),
        ),
        PipelineError::Blocked {
            operation,
            not_started,
        } => diags.root_error(
            format!("The {operation} left parts in place"),
            format!(
                "not started, because a part they must wait for failed (see the other errors): {}. Everything else is done; they still exist and stay in the state; run the {operation} again once the failure is fixed",
                labels(not_started)
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::components::{Component, Operation};

    #[test]
    fn each_pipeline_failure_has_a_summary_of_its_own() {
        let aws = AwsError::new(
            Component::Alarm,
            "DeleteAlarms",
            "p-secret-access",
            "denied",
        );
        // (error, summary, words the detail must carry)
        let cases: [(PipelineError, &str, &[&str]); 4] = [
            (
                aws.into(),
                "CloudWatch alarm: DeleteAlarms failed",
                &["denied", "(resource: p-secret-access)"],
            ),
            (
                PipelineError::TimedOut {
                    operation: Operation::Apply,
                    not_started: vec![Component::Trail, Component::RuleTargets],
                },
                "The apply timed out",
                &[
                    "timed out",
                    "not started: CloudTrail trail, EventBridge rule targets",
                ],
            ),
            (
                PipelineError::DependencyMissing {
                    component: Component::Alarm,
                    what: "topic ARN",
                },
                "CloudWatch alarm: started before what it needs",
                &["topic ARN is not known yet"],
            ),
            (
                PipelineError::Blocked {
                    operation: Operation::Destroy,
                    not_started: vec![Component::MetricFilter],
                },
                "The destroy left parts in place",
                &["metric filter"],
            ),
        ];
        for (err, summary, words) in cases {
            let mut diags = Diagnostics::default();
            pipeline_error(&mut diags, &err);
            assert_eq!(diags.errors.len(), 1, "{err:?}");
            assert_eq!(diags.errors[0].summary, summary);
            for word in words {
                assert!(
                    diags.errors[0].detail.contains(word),
                    "{summary}: {word:?} missing in {:?}",
                    diags.errors[0].detail
                );
            }
        }
    }
}
