//! `name`: the prefix of every derived AWS name.

use tf_provider::value::Value;

use super::{shown, Findings, Input};
use crate::terraform::diagnostics::attr;

/// The longest name for which every derived AWS name stays within its limit
/// (IAM role names are 64 characters and get a 19-character suffix).
pub const MAX_NAME_LEN: usize = 40;

/// Bucket prefixes S3 reserves that a valid pipeline name can start with.
const RESERVED_BUCKET_PREFIXES: [&str; 2] = ["sthree-", "amzn-s3-demo-"];

fn is_name_char(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
}

fn name_problem(name: &str) -> Option<String> {
    if name.len() < 3 || name.len() > MAX_NAME_LEN {
        Some(format!("it is {} characters", name.chars().count()))
    } else if let Some(c) = name.chars().find(|c| !is_name_char(*c)) {
        Some(format!("character {c:?} is not allowed"))
    } else if name.starts_with('-') || name.ends_with('-') {
        Some("it starts or ends with a hyphen".to_owned())
    } else if name.contains("--") {
        Some("it contains two adjacent hyphens".to_owned())
    } else {
        None
    }
}

/// Why no pipeline name can start with `prefix`, if none can: the list
/// resource's `name_prefix` is held to the characters a name allows.
pub fn name_prefix_problem(prefix: &str) -> Option<String> {
    if prefix.len() > MAX_NAME_LEN {
        Some(format!(
            "it is {} characters, longer than any pipeline name ({MAX_NAME_LEN})",
            prefix.chars().count()
        ))
    } else if let Some(c) = prefix.chars().find(|c| !is_name_char(*c)) {
        Some(format!(
            "character {c:?} is not allowed in a pipeline name (lowercase letters, digits, hyphens)"
        ))
    } else if prefix.starts_with('-') || prefix.contains("--") {
        Some("no pipeline name starts with a hyphen or has two adjacent ones".to_owned())
    } else {
        None
    }
}

/// The name with every run of other characters turned into one hyphen.
fn suggestion(name: &str) -> String {
    name.to_ascii_lowercase()
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join("-")
        .chars()
        .take(MAX_NAME_LEN)
        .collect::<String>()
        .trim_end_matches('-')
        .to_owned()
}

pub(super) fn format(input: &Input<'_>, findings: &mut Findings) {
    let Value::Value(name) = &input.state.name else {
        return;
    };
    let Some(problem) = name_problem(name) else {
        return;
    };
    let suggestion = suggestion(name);
    let hint = if suggestion.len() >= 3 && suggestion != *name {
        format!(" For example \"{suggestion}\".")
    } else {
        " For example \"prod-secrets\".".to_owned()
    };
    findings.error(
        attr("name"),
        "Invalid pipeline name",
        format!(
            "name = {}: {problem}. Use 3 to {MAX_NAME_LEN} lower-case letters, digits and single hyphens, \
             starting and ending with a letter or digit: the name prefixes every component, and S3 bucket, \
             CloudTrail trail and IAM role names allow nothing more.{hint}",
            shown(name)
        ),
    );
}

pub(super) fn reserved_bucket_prefix(input: &Input<'_>, findings: &mut Findings) {
    let config = input.state;
    let Value::Value(name) = &config.name else {
        return;
    };
    // An invalid name is reported once, by `format`.
    if name_problem(name).is_some() {
        return;
    }
    let default_bucket = config
        .archive
        .as_ref_option()
        .is_none_or(|a| a.bucket_name.is_null());
    if !default_bucket || input.reuses_trail() {
        return;
    }
    for prefix in RESERVED_BUCKET_PREFIXES {
        if name.starts_with(prefix) {
            findings.error(
                attr("name"),
                "Invalid pipeline name",
                format!(
                    "name = {}: the archive bucket's default name starts with the name, and S3 reserves the prefix {prefix:?}. Choose another name, or set archive.bucket_name.",
                    shown(name)
                ),
            );
        }
    }
}
