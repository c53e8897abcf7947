use secretmonitor::terraform::SecretMonitorProvider;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // tonic and the AWS SDK both link rustls; without a process-wide default
    // crypto provider rustls panics before the handshake line is printed.
    let _ = rustls::crypto::ring::default_provider().install_default();
    // Diagnostics are built with std's Backtrace::capture; a backtrace in every
    // error Terraform shows helps nobody. Panics keep RUST_BACKTRACE.
    std::env::set_var("RUST_LIB_BACKTRACE", "0");
    tf_provider::serve("secretmonitor", SecretMonitorProvider::default()).await
}
