//! `secretmonitor-pattern-eval`: the filter pattern evaluator as a line
//! protocol, so the test emulator (localstack-extension, metric_filters.py)
//! judges metric filters exactly as the unit tests do. It is a binary of its
//! own so that the provider Terraform runs has one job; the release ships only
//! the provider.
//!
//! Each input line is `{"pattern": "...", "event": "..."}`; each output line
//! is `{"matches": bool}` or `{"error": "..."}`, in request order.

use std::io::{BufRead, Write};

use secretmonitor::pattern;

#[derive(serde::Deserialize)]
struct Request {
    pattern: String,
    event: String,
}

fn answer(line: &str) -> serde_json::Value {
    match serde_json::from_str::<Request>(line) {
        Ok(request) => match pattern::parse(&request.pattern) {
            Ok(parsed) => serde_json::json!({ "matches": parsed.matches(&request.event) }),
            Err(err) => serde_json::json!({ "error": err.to_string() }),
        },
        Err(err) => serde_json::json!({ "error": format!("bad request: {err}") }),
    }
}

fn main() -> anyhow::Result<()> {
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        writeln!(stdout, "{}", answer(&line))?;
        // The emulator reads a batch's answers before it sends more: none may
        // wait in a buffer.
        stdout.flush()?;
    }
    Ok(())
}
