//! `tags` (and the provider's `default_tags`): AWS's tag limits, the same
//! for every component of the pipeline.

use std::collections::BTreeMap;

use tf_provider::value::Value;

use super::{shown, Findings, Input};
use crate::terraform::diagnostics::{attr, key, path_text, Finding, PathStep};
use crate::terraform::state::{PipelineState, StrMap};

pub const MAX_TAGS: usize = 50;
pub const MAX_TAG_KEY_LEN: usize = 128;
pub const MAX_TAG_VALUE_LEN: usize = 256;

pub(super) fn tags(input: &Input<'_>, findings: &mut Findings) {
    check_map(findings, attr("tags"), &input.state.tags);
}

fn is_tag_char(c: char) -> bool {
    c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c)
}

/// Checks a tag map at `path`: the pipeline's `tags` or the provider's.
pub(super) fn check_map(findings: &mut Findings, path: Vec<PathStep>, tags: &StrMap) {
    let Value::Value(tags) = tags else {
        return;
    };
    let where_ = path_text(&path);
    if tags.len() > MAX_TAGS {
        findings.error(
            path.clone(),
            "Too many tags",
            format!(
                "{where_} has {} tags; AWS allows at most {MAX_TAGS} per resource, and the provider's default_tags are merged in on top. Remove {} of them.",
                tags.len(),
                tags.len() - MAX_TAGS
            ),
        );
    }
    for (k, v) in tags {
        let at = key(path.clone(), k);
        let len = k.chars().count();
        if len == 0 || len > MAX_TAG_KEY_LEN {
            findings.error(
                at.clone(),
                "Invalid tag key",
                format!("{where_} key {} is {len} characters; AWS allows 1 to {MAX_TAG_KEY_LEN}. Shorten it.", shown(k)),
            );
        }
        if k.to_ascii_lowercase().starts_with("aws:") {
            findings.error(
                at.clone(),
                "Reserved tag key",
                format!("{where_} key {}: keys starting with \"aws:\" are reserved for AWS. Rename it (for example without the prefix).", shown(k)),
            );
        } else if let Some(c) = k.chars().find(|c| !is_tag_char(*c)) {
            findings.error(
                at.clone(),
                "Invalid tag key",
                format!("{where_} key {}: character {c:?} is not allowed. Tag keys take letters, digits, spaces and _ . : / = + - @ only.", shown(k)),
            );
        }
        if let Value::Value(v) = v {
            let len = v.chars().count();
            if len > MAX_TAG_VALUE_LEN {
                findings.error(
                    at,
                    "Invalid tag value",
                    format!("{where_}[{k:?}] is {len} characters; AWS allows at most {MAX_TAG_VALUE_LEN}. Shorten it."),
                );
            } else if let Some(c) = v.chars().find(|c| !is_tag_char(*c)) {
                findings.error(
                    at,
                    "Invalid tag value",
                    format!("{where_}[{k:?}] = {}: character {c:?} is not allowed. Tag values take letters, digits, spaces and _ . : / = + - @ only.", shown(v)),
                );
            }
        }
    }
}

/// The merged count of the pipeline's tags and the provider's `default_tags`
/// (checked at plan, where the provider's tags are known); an over-full
/// `tags` alone is reported by [`check_map`] instead.
pub(super) fn merged_count(
    config: &PipelineState,
    default_tags: &BTreeMap<String, String>,
) -> Vec<Finding> {
    let Value::Value(tags) = &config.tags else {
        return Vec::new();
    };
    let mut keys: Vec<&String> = default_tags.keys().collect();
    keys.extend(tags.keys().filter(|k| !default_tags.contains_key(*k)));
    if keys.len() > MAX_TAGS && tags.len() <= MAX_TAGS {
        return vec![Finding::error(
            attr("tags"),
            "Too many tags",
            format!(
                "tags has {} tags and the provider's default_tags {}; merged, every component would carry {}. AWS allows at most {MAX_TAGS} tags per resource: remove {} of them (here or in default_tags).",
                tags.len(),
                default_tags.len(),
                keys.len(),
                keys.len() - MAX_TAGS
            ),
        )];
    }
    Vec::new()
}
