//! `event_pattern_max_length`: the account's EventBridge "Event pattern
//! size" quota, which both rules' patterns must fit. The read rule's pattern
//! is measured with the other pattern lengths (`lists::pattern_length`).

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::{Findings, Input};
use crate::components::event_rule::{self, Rule};
use crate::components::{Names, PipelineSpec};
use crate::pattern::EVENT_PATTERN_API_MAX_LEN;
use crate::terraform::desired::DEFAULTS;
use crate::terraform::diagnostics::attr;

const FIELD: &str = "event_pattern_max_length";

/// The account is unknown at plan, and always 12 digits; the region is
/// unknown to the resource, so the longest one stands in for it (the pattern
/// names it a few times): a limit the plan accepts holds in every region.
const STAND_IN_ACCOUNT: &str = "111122223333";
const LONGEST_REGION: &str = "ap-southeast-5";
/// A key the pipeline creates has a 36-character key ID.
const STAND_IN_KEY_ID: &str = "00000000-0000-0000-0000-000000000000";

pub(super) fn max_length(input: &Input<'_>, findings: &mut Findings) {
    let Value::Value(max) = input.state.event_pattern_max_length else {
        return;
    };
    let allowed = 1..=EVENT_PATTERN_API_MAX_LEN as i64;
    if !allowed.contains(&max) {
        findings.error(
            attr(FIELD),
            "Invalid event pattern length limit",
            format!(
                "{FIELD} = {max}: EventBridge's \"Event pattern size\" quota is {} characters by default and can be raised to at most {EVENT_PATTERN_API_MAX_LEN}. Use 1 to {EVENT_PATTERN_API_MAX_LEN}: the quota of the account (Service Quotas, Amazon EventBridge), or remove {FIELD} for the default.",
                DEFAULTS.event_pattern_max_length
            ),
        );
    }
}

/// With `tamper_alerts`, the tamper rule's pattern must fit the limit too.
/// It depends only on the pipeline's names, so a limit large enough for the
/// read rule can still be too small for it.
pub(super) fn tamper_pattern_length(input: &Input<'_>, findings: &mut Findings) {
    let Value::Value(max) = input.state.event_pattern_max_length else {
        return;
    };
    let allowed = 1..=EVENT_PATTERN_API_MAX_LEN as i64;
    if !allowed.contains(&max) {
        return;
    }
    // Unknown values are checked again at apply.
    let Ok(spec) = input.desired.clone().spec(&BTreeMap::new()) else {
        return;
    };
    if !spec.tamper_alerts {
        return;
    }
    let names = Names::derive(&spec, STAND_IN_ACCOUNT, LONGEST_REGION);
    let key_arn = format!("arn:aws:kms:{LONGEST_REGION}:{STAND_IN_ACCOUNT}:key/{STAND_IN_KEY_ID}");
    // Measured without a limit, to say how long it is.
    let unlimited = PipelineSpec {
        event_pattern_max_len: usize::MAX,
        ..spec
    };
    let Ok(pattern) = event_rule::pattern(Rule::Tamper, &unlimited, &names, Some(&key_arn)) else {
        return;
    };
    let len = pattern.len();
    if i64::try_from(len).is_ok_and(|len| len <= max) {
        return;
    }
    findings.error(
        attr(FIELD),
        "Tamper pattern too long",
        format!(
            "{FIELD} = {max}, but with tamper_alerts the tamper rule's event pattern of pipeline {:?} is up to {len} characters (in the region with the longest name). Raise {FIELD} to at least {len} (EventBridge's default quota, {}, always fits it), or set tamper_alerts = false.",
            unlimited.name, DEFAULTS.event_pattern_max_length
        ),
    );
}
