//! `timeouts`: how long create, update and delete may take.

use tf_provider::value::Value;

use super::{shown, Findings, Input};
use crate::terraform::desired::DEFAULTS;
use crate::terraform::diagnostics::nested;
use crate::terraform::plan;
use crate::terraform::state::TimeoutsBlock;

fn duration(
    input: &Input<'_>,
    findings: &mut Findings,
    field: &'static str,
    value: fn(&TimeoutsBlock) -> &Value<String>,
) {
    let Some(Value::Value(text)) = input.state.timeouts.as_ref_option().map(value) else {
        return;
    };
    if plan::parse_duration(text).is_none() {
        findings.error(
            nested("timeouts", field),
            "Invalid timeout",
            format!("timeouts.{field} = {}: not a duration. Write a number with s, m or h, such as \"90s\", \"15m\", \"1h\" or \"1h30m\" (default {}).", shown(text), DEFAULTS.timeout_text),
        );
    }
}

pub(super) fn create(input: &Input<'_>, findings: &mut Findings) {
    duration(input, findings, "create", |t| &t.create);
}

pub(super) fn update(input: &Input<'_>, findings: &mut Findings) {
    duration(input, findings, "update", |t| &t.update);
}

pub(super) fn delete(input: &Input<'_>, findings: &mut Findings) {
    duration(input, findings, "delete", |t| &t.delete);
}
