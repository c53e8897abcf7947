//! Scope chunks: the normalised scope cut where no entry's matches reach
//! into the next chunk, packed up to the pattern limit.

use super::{CapacityError, LayoutError};
use crate::pattern::scope::{Scope, SecretScope};
use crate::pattern::PatternError;

/// `a` matches everything `b` matches (in every form a read can name it).
fn covers(a: &SecretScope, b: &SecretScope) -> bool {
    let name_of = |s: &SecretScope| match s {
        SecretScope::Prefix(stem) => stem.clone(),
        SecretScope::Name(n) => n.clone(),
        SecretScope::Arn { name, .. } => name.clone(),
    };
    match (a, b) {
        (SecretScope::Prefix(stem), other) => a != other && name_of(other).starts_with(stem),
        (SecretScope::Name(n), SecretScope::Arn { name, .. }) => n == name,
        _ => false,
    }
}

/// The lexical range `[start, end)` holding every secret name (with its
/// random suffix, for full ARNs) that `s` can match. Every entry is a name
/// prefix in the `errorMessage` of a denied read without a secret ID
/// (docs/filter-patterns.md section 1.4), so a name's range is that of the
/// prefix it is.
fn hull(s: &SecretScope) -> (String, String) {
    // U+10FFFF sorts after every character a secret name may hold.
    const TOP: char = '\u{10FFFF}';
    let stem = match s {
        SecretScope::Prefix(stem) => stem,
        SecretScope::Name(n) | SecretScope::Arn { name: n, .. } => n,
    };
    (stem.clone(), format!("{stem}{TOP}"))
}

/// Normalised scope entries in groups that must stay together (their hulls
/// overlap), in hull order.
pub(in crate::pattern) fn scope_groups(secrets: &[SecretScope]) -> Vec<Vec<SecretScope>> {
    let mut kept: Vec<SecretScope> = secrets
        .iter()
        .filter(|b| !secrets.iter().any(|a| covers(a, b)))
        .cloned()
        .collect();
    kept.sort_by(|a, b| hull(a).cmp(&hull(b)).then_with(|| a.cmp(b)));
    kept.dedup();
    let mut groups: Vec<Vec<SecretScope>> = Vec::new();
    let mut reach = String::new();
    for s in kept {
        let (start, end) = hull(&s);
        match groups.last_mut() {
            Some(group) if start < reach => group.push(s),
            _ => groups.push(vec![s]),
        }
        if end > reach {
            reach = end;
        }
    }
    groups
}

/// Sub-scopes of `scope`, one per chunk, packed greedily in hull order.
/// Only the first chunk carries the branches that name no secret, so that
/// a read matching one of them counts once.
pub(super) fn chunk_scope(
    scope: &Scope,
    kind: &'static str,
    max: usize,
    // What to change when one entry alone is over `max`.
    one_entry_hint: &'static str,
    measure: impl Fn(&Scope) -> Result<usize, PatternError>,
) -> Result<Vec<Scope>, LayoutError> {
    let fits = |s: &Scope| -> Result<bool, PatternError> { Ok(measure(s)? <= max) };
    let with = |secrets: Vec<SecretScope>, first: bool| Scope {
        secrets,
        shared_branches: first,
        ..scope.clone()
    };
    let mut chunks: Vec<Vec<SecretScope>> = Vec::new();
    for group in scope_groups(&scope.secrets) {
        if let Some(last) = chunks.last() {
            let mut grown = last.clone();
            grown.extend(group.iter().cloned());
            if fits(&with(grown.clone(), chunks.len() == 1))? {
                *chunks.last_mut().expect("checked above") = grown;
                continue;
            }
        }
        if !fits(&with(group.clone(), chunks.is_empty()))? {
            let part = group
                .iter()
                .map(describe_secret)
                .collect::<Vec<_>>()
                .join(", ");
            let (part, hint) = if group.len() == 1 {
                (format!("the scope entry {part} alone"), one_entry_hint)
            } else {
                (
                    format!(
                        "the scope entries {{{part}}}, which overlap and must share one pattern"
                    ),
                    "replace overlapping entries by one prefix, or list fewer principals",
                )
            };
            return Err(CapacityError::PartTooLong {
                kind,
                part,
                len: measure(&with(group.clone(), chunks.is_empty()))?,
                max,
                hint,
            }
            .into());
        }
        chunks.push(group);
    }
    Ok(chunks
        .into_iter()
        .enumerate()
        .map(|(i, secrets)| with(secrets, i == 0))
        .collect())
}

fn describe_secret(s: &SecretScope) -> String {
    match s {
        SecretScope::Prefix(stem) => format!("{stem}*"),
        SecretScope::Name(n) => n.clone(),
        SecretScope::Arn { arn, .. } => arn.clone(),
    }
}
