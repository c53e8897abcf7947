//! `log_group`: the CloudWatch Logs group the trail delivers to.

use tf_provider::value::Value;

use super::{Findings, Input};
use crate::terraform::desired::DEFAULTS;
use crate::terraform::diagnostics::nested;

/// The values CloudWatch Logs accepts for a log group's retention.
pub const RETENTION_DAYS: &[i64] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

pub(super) fn retention_days(input: &Input<'_>, findings: &mut Findings) {
    let Some(Value::Value(days)) = input
        .state
        .log_group
        .as_ref_option()
        .map(|g| &g.retention_days)
    else {
        return;
    };
    if !RETENTION_DAYS.contains(days) {
        let nearest = RETENTION_DAYS
            .iter()
            .min_by_key(|d| (i128::from(**d) - i128::from(*days)).unsigned_abs())
            .copied()
            .unwrap_or(DEFAULTS.log_group_retention_days);
        findings.error(
            nested("log_group", "retention_days"),
            "Unsupported retention",
            format!("log_group.retention_days = {days}: CloudWatch Logs accepts only {RETENTION_DAYS:?}. Use one of them, for example {nearest}."),
        );
    }
}
