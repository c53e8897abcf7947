//! The EventBridge reference suite: patterns and events with the verdict real
//! AWS gave (LocalStack's AWS-validated templates), read from
//! `../shared/reference-data/eventbridge-patterns` next to the repository.
//! The evaluator must never disagree with AWS: a pattern AWS accepted may be
//! refused as unsupported, but no wrong verdict and no pattern AWS refused
//! may be accepted. Without the folder the suite is skipped, saying so.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use secretmonitor::pattern::EventPattern;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Match,
    NoMatch,
    Rejected,
}

struct Case {
    name: String,
    pattern: String,
    event: Value,
    expect: Expect,
}

/// JSON5 as these templates use it, read as JSON: `//` and `/* */` comments
/// and trailing commas removed, strings left untouched.
fn json5_to_json(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    let mut in_string = false;
    while let Some(c) = chars.next() {
        if in_string {
            out.push(c);
            match c {
                '\\' => out.extend(chars.next()),
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match (c, chars.peek()) {
            ('"', _) => {
                in_string = true;
                out.push(c);
            }
            ('/', Some('/')) => {
                for d in chars.by_ref() {
                    if d == '\n' {
                        out.push('\n');
                        break;
                    }
                }
            }
            ('/', Some('*')) => {
                chars.next();
                let mut prev = ' ';
                for d in chars.by_ref() {
                    if prev == '*' && d == '/' {
                        break;
                    }
                    prev = d;
                }
            }
            _ => out.push(c),
        }
    }
    strip_trailing_commas(&out)
}

fn strip_trailing_commas(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if in_string {
            out.push(c);
            if c == '\\' {
                if let Some(d) = chars.get(i + 1) {
                    out.push(*d);
                    i += 1;
                }
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if c == ',' {
            let next = chars[i + 1..].iter().find(|d| !d.is_whitespace());
            if !matches!(next, Some('}' | ']')) {
                out.push(c);
            }
        } else {
            out.push(c);
        }
        i += 1;
    }
    out
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(text: &str, what: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{what}: {e}"))
}

fn template_cases(dir: &Path) -> Vec<Case> {
    let mut files: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "json5"))
        .collect();
    files.sort();
    files
        .iter()
        .map(|path| {
            let name = path
                .file_stem()
                .and_then(|s| s.to_str())
                .unwrap_or_default()
                .to_string();
            let template = json(&json5_to_json(&read(path)), &name);
            let expect = if name.ends_with("_EXC") {
                Expect::Rejected
            } else if name.ends_with("_NEG") {
                Expect::NoMatch
            } else {
                Expect::Match
            };
            Case {
                pattern: template["EventPattern"].to_string(),
                event: template["Event"].clone(),
                name,
                expect,
            }
        })
        .collect()
}

fn inline_cases(dir: &Path) -> Vec<Case> {
    let list = json(&read(&dir.join("inline_cases.json")), "inline_cases.json");
    let Value::Array(items) = list else {
        panic!("inline_cases.json is not a list")
    };
    items
        .iter()
        .map(|c| {
            let name = c["name"].as_str().unwrap_or("?").to_string();
            let text =
                |text_key: &str, file_key: &str| match (c[text_key].as_str(), c[file_key].as_str())
                {
                    (Some(t), _) => t.to_string(),
                    (None, Some(f)) => read(&dir.join(f)),
                    _ => panic!("{name}: neither {text_key} nor {file_key}"),
                };
            let expect = match c["expect"].as_str() {
                Some("match") => Expect::Match,
                Some("no-match") => Expect::NoMatch,
                Some("exception") => Expect::Rejected,
                other => panic!("{name}: unknown expectation {other:?}"),
            };
            Case {
                pattern: text("pattern_text", "pattern_file"),
                event: json(&text("event_text", "event_file"), &name),
                name,
                expect,
            }
        })
        .collect()
}

/// The kind of refusal, from the evaluator's message.
fn refusal_kind(reason: &str) -> &'static str {
    const KINDS: &[(&str, &str)] = &[
        ("numeric", "numeric"),
        ("cidr", "cidr"),
        ("duplicate key", "duplicate keys"),
        ("dotted key", "dotted key clash"),
        ("too complex", "wildcard complexity"),
    ];
    KINDS
        .iter()
        .find(|(needle, _)| reason.contains(needle))
        .map_or("other", |(_, kind)| kind)
}

#[test]
fn eventbridge_reference_suite() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("../shared/reference-data/eventbridge-patterns");
    let summary = if !dir.is_dir() {
        "EventBridge reference: ../shared/reference-data not present, suite not run".to_string()
    } else {
        let mut cases = template_cases(&dir);
        cases.extend(inline_cases(&dir));
        assert!(!cases.is_empty(), "{}: no case read", dir.display());
        let (mut agree, mut wrong, mut accepted_rejected) = (0, Vec::new(), Vec::new());
        let mut refused: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for case in &cases {
            match (EventPattern::parse(&case.pattern), case.expect) {
                (Err(_), Expect::Rejected) => agree += 1,
                (Err(e), _) => refused
                    .entry(refusal_kind(&e.reason))
                    .or_default()
                    .push(format!("{}: {e}", case.name)),
                (Ok(_), Expect::Rejected) => accepted_rejected.push(case.name.clone()),
                (Ok(p), expect) => {
                    if p.matches(&case.event) == (expect == Expect::Match) {
                        agree += 1;
                    } else {
                        wrong.push(format!("{} (AWS: {expect:?})", case.name));
                    }
                }
            }
        }
        let n_refused: usize = refused.values().map(Vec::len).sum();
        let by_kind: Vec<String> = refused
            .iter()
            .map(|(k, v)| format!("{k} {}", v.len()))
            .collect();
        for line in refused.values().flatten() {
            println!("refused: {line}");
        }
        let summary = format!(
            "EventBridge reference: {} cases: {agree} agree with AWS, {n_refused} refused as unsupported ({}), {} wrong, {} accepted-but-AWS-rejects",
            cases.len(),
            by_kind.join(", "),
            wrong.len(),
            accepted_rejected.len()
        );
        // Written before the verdict, so a failing run still leaves its figures.
        write_summary(root, &summary);
        assert!(
            wrong.is_empty() && accepted_rejected.is_empty(),
            "{summary}\nwrong verdicts: {wrong:?}\naccepted but AWS rejects: {accepted_rejected:?}"
        );
        assert_eq!(agree + n_refused, cases.len());
        summary
    };
    println!("{summary}");
    write_summary(root, &summary);
}

/// `.tools/eventbridge-reference.txt`, which `make test` prints: cargo
/// hides a passing test's output.
fn write_summary(root: &Path, summary: &str) {
    let tools = root.join(".tools");
    fs::create_dir_all(&tools).unwrap_or_else(|e| panic!("{}: {e}", tools.display()));
    let out = tools.join("eventbridge-reference.txt");
    fs::write(&out, format!("{summary}\n")).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
