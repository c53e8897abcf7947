fn main() -> Result<(), Box<dyn std::error::Error>> {
    // secretmonitor patch: go-plugin's services are implemented in full; the
    // Terraform protocol (6.10, from Terraform v1.15.5) is compiled apart so
    // that only its RPCs get tonic's default "unimplemented" stubs: the ones
    // this crate does not serve (ephemeral resources, state stores) answer
    // Unimplemented instead of failing the build.
    tonic_build::configure()
        .protoc_arg("--experimental_allow_proto3_optional")
        .build_client(false)
        .compile_protos(&["proto/plugin.proto"], &["proto"])?;
    tonic_build::configure()
        .protoc_arg("--experimental_allow_proto3_optional")
        .build_client(false)
        .generate_default_stubs(true)
        .compile_protos(&["proto/tfplugin6.10.proto"], &["proto"])?;
    Ok(())
}
