use std::io::{BufRead, Write};

use secretmonitor::pattern;
use secretmonitor::terraform::SecretMonitorProvider;

// One thread: the provider waits on AWS far more than it computes, and a
// second worker only added cross-thread wake-ups (about 10% of its CPU in a
// plan of 100 pipelines, docs/performance.md). Concurrency is unchanged: every
// AWS call and gRPC request is a task on this thread.
#[tokio::main(flavor = "current_thread")]
async fn main() -> anyhow::Result<()> {
    // tonic and the AWS SDK both link rustls; without a process-wide default
    // crypto provider rustls panics before the handshake line is printed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Diagnostics are built with std's Backtrace::capture; a backtrace in every
    // error Terraform shows helps nobody. Panics keep RUST_BACKTRACE.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    if std::env::args().nth(1).as_deref() == Some("pattern-eval") {
        return pattern_eval();
    }
    tf_provider::serve("secretmonitor", SecretMonitorProvider::default()).await
}

/// `pattern-eval`: the filter pattern evaluator as a line protocol, so the test
/// emulator can judge metric filters exactly as the unit tests do. Each input
/// line is `{"pattern": "...", "event": "..."}`; each output line is
/// `{"matches": bool}` or `{"error": "..."}`.
fn pattern_eval() -> anyhow::Result<()> {
    #[derive(serde::Deserialize)]
    struct Request {
        pattern: String,
        event: String,
    }
    let stdin = std::io::stdin();
    let mut stdout = std::io::stdout().lock();
    for line in stdin.lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Request>(&line) {
            Ok(request) => match pattern::parse(&request.pattern) {
                Ok(parsed) => serde_json::json!({ "matches": parsed.matches(&request.event) }),
                Err(err) => serde_json::json!({ "error": err.to_string() }),
            },
            Err(err) => serde_json::json!({ "error": format!("bad request: {err}") }),
        };
        writeln!(stdout, "{answer}")?;
        stdout.flush()?;
    }
    Ok(())
}
