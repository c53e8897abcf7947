//! Plan-time validation of a pipeline's configuration. No AWS call: every
//! check works on the configuration alone, and unknown values are skipped
//! here and checked again at apply (the resource re-runs [`validate`] on the
//! planned state before any AWS call).
//!
//! Every finding carries the attribute path (so Terraform shows file and
//! line), what was given, what is allowed and how to fix it. [`RULES`] holds
//! each rule once, with the argument it documents, its doc line and its
//! check: [`validate`] runs the table, and the reference docs print the same
//! table next to each argument, so the two cannot drift apart.

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::desired::Desired;
use super::diagnostics::{item, Finding, PathStep};
use super::state::{PipelineState, StrList, StrMap};

mod alarm;
mod archive;
mod event_pattern;
mod kms;
mod lists;
mod log_group;
pub mod name;
mod notification;
mod rules;
mod tags;
mod timeouts;
mod trail;

pub use alarm::MAX_EVALUATION_SECONDS;
pub use lists::SECRETS_MANAGER_OPERATIONS;
pub use log_group::RETENTION_DAYS;
pub use name::MAX_NAME_LEN;
pub use rules::{rules_for, Rule, RULES};
pub use tags::{MAX_TAGS, MAX_TAG_KEY_LEN, MAX_TAG_VALUE_LEN};

/// What is being validated: the user's configuration, or at apply the
/// planned state, where the defaults are written in (so a setting counts as
/// set only when it differs from its default) and the warnings were already
/// shown at plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    Configuration,
    Planned,
}

/// A configuration (or planned state) under validation: as written, to
/// tell what is set and where, and with its defaults applied, for the rules
/// that weigh one setting against another.
pub struct Input<'a> {
    pub state: &'a PipelineState,
    pub desired: Desired,
    pub stage: Stage,
}

impl Input<'_> {
    /// A setting the configuration does not allow here: any set value in a
    /// configuration, a value other than the default in a planned state.
    fn is_set<T: PartialEq>(&self, value: &Value<T>, default: Option<T>) -> bool {
        match value {
            Value::Value(v) => {
                self.stage == Stage::Configuration || default.is_none_or(|d| *v != d)
            }
            _ => false,
        }
    }

    /// Warnings are for the configuration; at apply they were shown already.
    fn warns(&self) -> bool {
        self.stage == Stage::Configuration
    }

    /// `trail.create = false`: an existing trail's log group is reused.
    fn reuses_trail(&self) -> bool {
        self.state
            .trail
            .as_ref_option()
            .is_some_and(|t| matches!(t.create, Value::Value(false)))
    }
}

/// Validates a configuration, or (when `id` is known, which only a planned
/// state has) the planned state at apply.
pub fn validate(config: &PipelineState) -> Vec<Finding> {
    // Computed-only attributes are null in a configuration; the planned
    // state carries `id` (the name).
    let stage = if config.id.is_null() {
        Stage::Configuration
    } else {
        Stage::Planned
    };
    validate_at(config, stage)
}

/// Runs every rule of [`RULES`] on `state`.
pub fn validate_at(state: &PipelineState, stage: Stage) -> Vec<Finding> {
    let input = Input {
        state,
        desired: Desired::of(state),
        stage,
    };
    let mut findings = Findings::default();
    for rule in RULES {
        (rule.check)(&input, &mut findings);
    }
    findings.0
}

/// The checks that need the provider's `default_tags`: the merged tag count.
pub fn validate_merged_tags(
    config: &PipelineState,
    default_tags: &BTreeMap<String, String>,
) -> Vec<Finding> {
    tags::merged_count(config, default_tags)
}

/// Checks a tag map (such as the provider's `default_tags.tags`) at `path`.
pub fn validate_tag_map(path: Vec<PathStep>, tags: &StrMap) -> Vec<Finding> {
    let mut findings = Findings::default();
    tags::check_map(&mut findings, path, tags);
    findings.0
}

/// The findings of a run, in the order the rules found them.
#[derive(Debug, Default)]
pub struct Findings(Vec<Finding>);

impl Findings {
    fn error(&mut self, path: Vec<PathStep>, summary: &str, detail: String) {
        self.0.push(Finding::error(path, summary, detail));
    }

    fn warning(&mut self, path: Vec<PathStep>, summary: &str, detail: String) {
        self.0.push(Finding::warning(path, summary, detail));
    }

    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn null_entries(&mut self, field: &str, path: Vec<PathStep>, list: &StrList) {
        for (i, v) in strings_at(list) {
            if v.is_null() {
                self.error(
                    item(path.clone(), i),
                    "Null list entry",
                    format!("{field}[{i}] is null: every entry needs a value. Remove it, or give the value."),
                );
            }
        }
    }

    /// Reports each repeated entry; true when there was one.
    fn duplicates(&mut self, field: &str, path: Vec<PathStep>, list: &StrList) -> bool {
        let entries = known_at(list);
        let mut found = false;
        for (i, value) in &entries {
            if let Some((first, _)) = entries.iter().find(|(j, other)| j < i && other == value) {
                found = true;
                self.error(
                    item(path.clone(), *i),
                    "Duplicate entry",
                    format!(
                        "{field}[{i}] = {} repeats {field}[{first}]. Each entry may appear once: remove the repeat.",
                        shown(value)
                    ),
                );
            }
        }
        found
    }
}

/// A value as the diagnostic shows it: quoted, shortened when long.
fn shown(value: &str) -> String {
    const MAX: usize = 120;
    if value.chars().count() > MAX {
        let cut: String = value.chars().take(MAX).collect();
        format!(
            "\"{}...\" ({} characters)",
            cut.escape_debug(),
            value.chars().count()
        )
    } else {
        format!("{value:?}")
    }
}

fn strings_at(list: &StrList) -> Vec<(usize, Value<String>)> {
    match list {
        Value::Value(items) => items.iter().cloned().enumerate().collect(),
        _ => Vec::new(),
    }
}

fn known_at(list: &StrList) -> Vec<(usize, String)> {
    strings_at(list)
        .into_iter()
        .filter_map(|(i, v)| v.as_ref_option().map(|s| (i, s.clone())))
        .collect()
}

#[cfg(test)]
mod tests;
