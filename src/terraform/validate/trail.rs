//! `trail`: create a trail, or reuse an existing trail's log group.

use tf_provider::value::Value;

use super::{shown, Findings, Input};
use crate::arn::log_group_problem;
use crate::terraform::desired::DEFAULTS;
use crate::terraform::diagnostics::nested;
use crate::terraform::state::TrailBlock;

fn trail<'a>(input: &Input<'a>) -> Option<&'a TrailBlock> {
    input.state.trail.as_ref_option()
}

pub(super) fn create(input: &Input<'_>, findings: &mut Findings) {
    let Some(trail) = trail(input) else {
        return;
    };
    if matches!(trail.create, Value::Value(false)) && trail.existing_log_group_name.is_null() {
        findings.error(
            nested("trail", "existing_log_group_name"),
            "Missing existing log group",
            "trail.create = false reuses an existing trail's log group, and none is given. Set trail.existing_log_group_name to that log group's name, or remove create = false to let the pipeline create its own trail.".to_owned(),
        );
    }
}

pub(super) fn existing_log_group_name(input: &Input<'_>, findings: &mut Findings) {
    let Some(trail) = trail(input) else {
        return;
    };
    if matches!(trail.create, Value::Value(true) | Value::Null)
        && trail.existing_log_group_name.is_value()
    {
        findings.error(
            nested("trail", "existing_log_group_name"),
            "Existing log group without trail.create = false",
            "trail.existing_log_group_name is only used with trail.create = false; the pipeline creates its own trail and log group otherwise. Set trail.create = false to reuse an existing trail's log group, or remove existing_log_group_name.".to_owned(),
        );
    }
    if let Value::Value(group) = &trail.existing_log_group_name {
        if let Some(problem) = log_group_problem(group) {
            findings.error(
                nested("trail", "existing_log_group_name"),
                "Invalid log group name",
                format!("trail.existing_log_group_name = {}: {problem}. Give the name of the log group the existing trail delivers to.", shown(group)),
            );
        }
    }
}

/// A setting of the trail, refused when no trail is created.
fn not_without_trail(
    input: &Input<'_>,
    findings: &mut Findings,
    field: &'static str,
    value: &Value<bool>,
    default: bool,
) {
    if input.reuses_trail() && input.is_set(value, Some(default)) {
        findings.error(
            nested("trail", field),
            "Setting of a trail that is not created",
            format!("trail.{field} is set, but trail.create = false: no trail is created, so the setting would be ignored. Remove trail.{field} (configure it on the existing trail), or remove create = false."),
        );
    }
}

pub(super) fn multi_region(input: &Input<'_>, findings: &mut Findings) {
    if let Some(trail) = trail(input) {
        not_without_trail(
            input,
            findings,
            "multi_region",
            &trail.multi_region,
            DEFAULTS.trail.multi_region,
        );
    }
}

pub(super) fn organization(input: &Input<'_>, findings: &mut Findings) {
    let Some(trail) = trail(input) else {
        return;
    };
    not_without_trail(
        input,
        findings,
        "organization",
        &trail.organization,
        DEFAULTS.trail.organization,
    );
    if matches!(trail.organization, Value::Value(true))
        && matches!(trail.multi_region, Value::Value(false))
    {
        findings.error(
            nested("trail", "organization"),
            "Organization trails are multi-region",
            "trail.organization = true with trail.multi_region = false: CloudTrail requires organization trails to record every region. Set multi_region = true (or remove it: true is the default), or set organization = false.".to_owned(),
        );
    }
}

pub(super) fn log_file_validation(input: &Input<'_>, findings: &mut Findings) {
    if let Some(trail) = trail(input) {
        not_without_trail(
            input,
            findings,
            "log_file_validation",
            &trail.log_file_validation,
            DEFAULTS.trail.log_file_validation,
        );
    }
}
