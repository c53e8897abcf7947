//! Turning the provider's errors into Terraform diagnostics.

use tf_provider::{AttributePath, Diagnostic, Diagnostics};

use crate::aws::AwsError;

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
