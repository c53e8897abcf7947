//! `archive`: the S3 bucket of the trail's log files. It belongs to the
//! trail the pipeline creates, so with `trail.create = false` every archive
//! setting is refused and nothing else about it is checked.

use tf_provider::value::Value;

use super::{shown, Findings, Input};
use crate::arn::bucket_problem;
use crate::terraform::desired::DEFAULTS;
use crate::terraform::diagnostics::nested;
use crate::terraform::state::ArchiveBlock;

/// The archive block, when the pipeline creates the trail it belongs to;
/// otherwise reports `field` if it is set.
fn archive_of_created_trail<'a, T: PartialEq>(
    input: &Input<'a>,
    findings: &mut Findings,
    field: &'static str,
    value: fn(&ArchiveBlock) -> &Value<T>,
    default: Option<T>,
) -> Option<&'a ArchiveBlock> {
    let archive = input.state.archive.as_ref_option()?;
    if !input.reuses_trail() {
        return Some(archive);
    }
    if input.is_set(value(archive), default) {
        findings.error(
            nested("archive", field),
            "Archive setting without a trail",
            format!("archive.{field} is set, but trail.create = false: the archive belongs to the trail the pipeline creates, so no bucket is created and the setting would be ignored. Remove the archive block, or remove trail.create = false."),
        );
    }
    None
}

pub(super) fn bucket_name(input: &Input<'_>, findings: &mut Findings) {
    let Some(archive) =
        archive_of_created_trail(input, findings, "bucket_name", |a| &a.bucket_name, None)
    else {
        return;
    };
    if let Value::Value(bucket) = &archive.bucket_name {
        if let Some(problem) = bucket_problem(bucket) {
            findings.error(
                nested("archive", "bucket_name"),
                "Invalid bucket name",
                format!("archive.bucket_name = {}: {problem}. S3 bucket names are 3-63 lower-case letters, digits, hyphens and periods, starting and ending with a letter or digit; or remove bucket_name to use the default <name>-archive-<account>-<region>.", shown(bucket)),
            );
        }
    }
}

pub(super) fn transition_to_glacier_after_days(input: &Input<'_>, findings: &mut Findings) {
    let Some(archive) = archive_of_created_trail(
        input,
        findings,
        "transition_to_glacier_after_days",
        |a| &a.transition_to_glacier_after_days,
        Some(DEFAULTS.archive.transition_to_glacier_after_days),
    ) else {
        return;
    };
    if let Value::Value(t) = archive.transition_to_glacier_after_days {
        if t < 0 {
            findings.error(
                nested("archive", "transition_to_glacier_after_days"),
                "Negative transition",
                format!("archive.transition_to_glacier_after_days = {t}: use 0 (move at once) or more days."),
            );
        }
    }
    // With defaults where unset (at plan both may be unset).
    let desired = &input.desired.archive;
    if let (Some(&t), Some(&e)) = (
        desired.transition_to_glacier_after_days.known(),
        desired.expire_after_days.known(),
    ) {
        if t >= 0 && e > 0 && t >= e {
            let path = if archive.transition_to_glacier_after_days.is_value() {
                nested("archive", "transition_to_glacier_after_days")
            } else {
                nested("archive", "expire_after_days")
            };
            findings.error(
                path,
                "Glacier transition after expiry",
                format!("archive.transition_to_glacier_after_days = {t} is not before archive.expire_after_days = {e}: S3 refuses a lifecycle that moves log files to Glacier on or after the day it deletes them. Make the transition earlier than the expiry, or set expire_after_days = 0 to keep log files forever."),
            );
        }
    }
}

pub(super) fn expire_after_days(input: &Input<'_>, findings: &mut Findings) {
    let Some(archive) = archive_of_created_trail(
        input,
        findings,
        "expire_after_days",
        |a| &a.expire_after_days,
        Some(DEFAULTS.archive.expire_after_days),
    ) else {
        return;
    };
    if let Value::Value(e) = archive.expire_after_days {
        if e < 0 {
            findings.error(
                nested("archive", "expire_after_days"),
                "Negative expiry",
                format!(
                    "archive.expire_after_days = {e}: use 0 (keep forever) or a number of days."
                ),
            );
        }
    }
}

pub(super) fn force_destroy(input: &Input<'_>, findings: &mut Findings) {
    let Some(archive) = archive_of_created_trail(
        input,
        findings,
        "force_destroy",
        |a| &a.force_destroy,
        Some(DEFAULTS.archive.force_destroy),
    ) else {
        return;
    };
    if matches!(archive.force_destroy, Value::Value(true)) && input.warns() {
        findings.warning(
            nested("archive", "force_destroy"),
            "Audit archive deleted on destroy",
            "archive.force_destroy = true: terraform destroy deletes the archive bucket with every CloudTrail log file in it, the audit record of who read which secret. Keep it false for a production pipeline (a non-empty archive is then kept, with a warning).".to_owned(),
        );
    }
}
