//! Compiles proto/tfplugin6.proto (the subset of the Terraform plugin protocol
//! the integration tests speak) into a gRPC client. Only tests include it.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/tfplugin6.proto");
    tonic_build::configure()
        .build_server(false)
        .build_client(true)
        .compile_protos(&["proto/tfplugin6.proto"], &["proto"])?;
    Ok(())
}
