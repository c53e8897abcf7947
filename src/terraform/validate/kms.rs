//! `kms`: the pipeline's key, created or brought.

use tf_provider::value::Value;

use super::{shown, Findings, Input};
use crate::arn::kms_problem;
use crate::terraform::desired::DEFAULTS;
use crate::terraform::diagnostics::nested;
use crate::terraform::state::KmsBlock;

/// The deletion windows KMS accepts, in days.
const DELETION_WINDOW_DAYS: std::ops::RangeInclusive<i64> = 7..=30;

fn kms<'a>(input: &Input<'a>) -> Option<&'a KmsBlock> {
    input.state.kms.as_ref_option()
}

pub(super) fn key_arn(input: &Input<'_>, findings: &mut Findings) {
    let Some(Value::Value(key)) = kms(input).map(|k| &k.key_arn) else {
        return;
    };
    if let Some(problem) = kms_problem(key) {
        findings.error(
            nested("kms", "key_arn"),
            "Invalid KMS key ARN",
            format!("kms.key_arn = {}: {problem}. Allowed: a key ARN (arn:aws:kms:REGION:ACCOUNT:key/KEY_ID) or an alias ARN (arn:aws:kms:REGION:ACCOUNT:alias/NAME); or remove key_arn to let the pipeline create its key.", shown(key)),
        );
    }
}

pub(super) fn deletion_window_days(input: &Input<'_>, findings: &mut Findings) {
    let Some(kms) = kms(input) else {
        return;
    };
    let Value::Value(days) = kms.deletion_window_days else {
        return;
    };
    if !DELETION_WINDOW_DAYS.contains(&days) {
        findings.error(
            nested("kms", "deletion_window_days"),
            "Invalid deletion window",
            format!(
                "kms.deletion_window_days = {days}: KMS accepts 7 to 30 days. Use a value in that range ({} is the default).",
                DEFAULTS.kms_deletion_window_days
            ),
        );
    } else if kms.key_arn.is_value() && input.warns() {
        findings.warning(
            nested("kms", "deletion_window_days"),
            "Deletion window of a key you bring",
            format!("kms.deletion_window_days = {days} has no effect with kms.key_arn: the pipeline never deletes a key it did not create. Remove it."),
        );
    }
}
