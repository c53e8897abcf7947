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
    tf_provider::serve("secretmonitor", SecretMonitorProvider::default()).await
}
