//! A plugin client that does what Terraform does with a provider: start the
//! binary with a client certificate in its environment, read the go-plugin
//! handshake line from its stdout, connect over mutual TLS (trusting exactly
//! the server certificate of the handshake, presenting the client
//! certificate) and call the tfplugin6 Provider service.
//!
//! The process is killed and reaped when the client is dropped, whatever the
//! test did.
//!
//! The benchmark (benches/pipeline.rs) drives the provider with this client
//! too, connected with [`Connect::nodelay`] as Terraform is, and reads the
//! start-up times it records ([`StartTimes`]).

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tonic::transport::{Channel, Endpoint, Uri};

use super::msgpack::Val;

pub mod tfplugin6 {
    tonic::include_proto!("tfplugin6");
}

use tfplugin6::provider_client::ProviderClient;
use tfplugin6::{diagnostic::Severity, Diagnostic, DynamicValue};

/// go-plugin's magic cookie for Terraform providers.
pub const MAGIC_COOKIE: &str = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
pub const PROVIDER_BINARY: &str = env!("CARGO_BIN_EXE_terraform-provider-secretmonitor");
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// A client certificate and its key, as Terraform generates one per plugin
/// process. Unlike go-plugin's (a P-521 CA certificate, which rustls can
/// verify neither as an end entity nor with its curve) this one is a P-256
/// end-entity certificate for client authentication.
pub struct ClientIdentity {
    pub cert_pem: String,
    cert_der: CertificateDer<'static>,
    key_der: Vec<u8>,
}

impl ClientIdentity {
    pub fn generate() -> Self {
        let key = rcgen::KeyPair::generate().expect("generate a client key");
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .expect("client certificate parameters");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params
            .distinguished_name
            .push(rcgen::DnType::OrganizationName, "secretmonitor tests");
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params
            .self_signed(&key)
            .expect("self-sign the client certificate");
        Self {
            cert_pem: cert.pem(),
            cert_der: cert.der().clone(),
            key_der: key.serialize_der(),
        }
    }
}

/// The line a go-plugin server prints on stdout once it listens:
/// `CORE-VERSION|APP-VERSION|NETWORK|ADDRESS|PROTOCOL|SERVER-CERT`.
#[derive(Debug, Clone)]
pub struct Handshake {
    pub core_version: u32,
    pub protocol_version: u32,
    pub network: String,
    pub address: String,
    pub protocol: String,
    /// DER of the server's certificate (base64 in the line, padding optional).
    pub server_cert: Vec<u8>,
}

impl Handshake {
    pub fn parse(line: &str) -> Result<Self, String> {
        let parts: Vec<&str> = line.trim_end().split('|').collect();
        let [core, version, network, address, protocol, cert] = parts[..] else {
            return Err(format!("handshake line {line:?} does not have 6 fields"));
        };
        let lenient = GeneralPurpose::new(
            &base64::alphabet::STANDARD,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        Ok(Self {
            core_version: core
                .parse()
                .map_err(|e| format!("core version {core:?}: {e}"))?,
            protocol_version: version
                .parse()
                .map_err(|e| format!("protocol version {version:?}: {e}"))?,
            network: network.to_owned(),
            address: address.to_owned(),
            protocol: protocol.to_owned(),
            server_cert: if cert.is_empty() {
                Vec::new()
            } else {
                lenient
                    .decode(cert)
                    .map_err(|e| format!("server certificate is not base64: {e}"))?
            },
        })
    }
}

/// The provider process, with what it wrote to stdout and stderr.
struct ProviderProcess {
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Drop for ProviderProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn collect(stream: impl Read + Send + 'static, output: Arc<Mutex<String>>, prefix: &'static str) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut out = output.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str(prefix);
            out.push_str(&line);
            out.push('\n');
        }
    });
}

/// Accepts exactly one certificate, the one announced in the handshake line,
/// and checks that the server holds its key. tf-provider's certificate is a
/// self-signed CA certificate, which webpki refuses as a server's end-entity
/// certificate (`CaUsedAsEndEntity`), so tonic's `ca_certificate` cannot be
/// used; go-plugin likewise pins it as the one root.
#[derive(Debug)]
struct PinnedServerCert {
    der: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedServerCert {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if end_entity.as_ref() == self.der.as_slice() {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::UnknownIssuer,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// How the client's TCP connection to the provider is set up.
#[derive(Debug, Clone, Copy, Default)]
pub struct Connect {
    /// TCP_NODELAY on the client's socket. Go's net package turns Nagle's
    /// algorithm off on every TCP connection, so Terraform's side of the
    /// plugin connection has it. Left off (the tests' default), many round
    /// trips wait ~40 ms for a delayed ACK: harmless for a test, wrong for a
    /// benchmark.
    pub nodelay: bool,
}

/// How long the provider took to start, measured from just before it was
/// spawned.
#[derive(Debug, Clone, Copy)]
pub struct StartTimes {
    pub spawned_at: Instant,
    /// Spawn to the handshake line read.
    pub handshake_after: Duration,
    /// Spawn to the mutual-TLS connection up.
    pub connected_after: Duration,
}

async fn connect_mtls(
    handshake: &Handshake,
    identity: &ClientIdentity,
    connect: Connect,
) -> Result<Channel, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(PinnedServerCert {
            der: handshake.server_cert.clone(),
            provider,
        }))
        .with_client_auth_cert(
            vec![identity.cert_der.clone()],
            PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key_der.clone())),
        )
        .map_err(|e| format!("client certificate: {e}"))?;
    config.alpn_protocols = vec![b"h2".to_vec()];
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let address = handshake.address.clone();
    Endpoint::from_shared(format!("http://{address}"))
        .map_err(|e| e.to_string())?
        .connect_timeout(Duration::from_secs(10))
        .connect_with_connector(tower::service_fn(move |_: Uri| {
            let connector = connector.clone();
            let address = address.clone();
            async move {
                let tcp = tokio::net::TcpStream::connect(&address).await?;
                tcp.set_nodelay(connect.nodelay)?;
                let server_name = ServerName::try_from("localhost").expect("a DNS name");
                let tls = connector.connect(server_name, tcp).await?;
                Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
            }
        }))
        .await
        .map_err(|e| format!("connect to {}: {e:?}", handshake.address))
}

pub struct PluginClient {
    pub handshake: Handshake,
    pub start_times: StartTimes,
    provider: ProviderClient<Channel>,
    process: ProviderProcess,
}

/// A DynamicValue holding `value` as msgpack, as Terraform sends them.
pub fn dynamic(value: &Val) -> Option<DynamicValue> {
    Some(DynamicValue {
        msgpack: value.encode(),
        json: Vec::new(),
    })
}

/// The value of a DynamicValue the provider returned.
pub fn value_of(dynamic: Option<&DynamicValue>) -> Result<Val, String> {
    match dynamic {
        None => Err("no value in the response".to_owned()),
        Some(d) if !d.msgpack.is_empty() => Val::decode(&d.msgpack),
        Some(d) if d.json.is_empty() => Ok(Val::Null),
        Some(_) => Err("the provider answered with JSON, not msgpack".to_owned()),
    }
}

/// `name`, `allowed_principals[0]`, `tags["a"]`, `trail.create`.
pub fn path_string(diagnostic: &Diagnostic) -> String {
    use tfplugin6::attribute_path::step::Selector;
    let mut out = String::new();
    for step in diagnostic.attribute.iter().flat_map(|p| &p.steps) {
        match &step.selector {
            Some(Selector::AttributeName(name)) if out.is_empty() => out.push_str(name),
            Some(Selector::AttributeName(name)) => {
                out.push('.');
                out.push_str(name);
            }
            Some(Selector::ElementKeyString(key)) => out.push_str(&format!("[{key:?}]")),
            Some(Selector::ElementKeyInt(i)) => out.push_str(&format!("[{i}]")),
            None => out.push_str("[?]"),
        }
    }
    out
}

pub fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error as i32)
        .collect()
}

/// One line per diagnostic, for assertion messages.
pub fn describe(diagnostics: &[Diagnostic]) -> String {
    diagnostics
        .iter()
        .map(|d| {
            format!(
                "{:?} at {:?}: {}: {}",
                Severity::try_from(d.severity).unwrap_or(Severity::Invalid),
                path_string(d),
                d.summary,
                d.detail
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

impl PluginClient {
    /// Starts the provider with a fresh client certificate and connects.
    pub async fn start() -> Result<Self, String> {
        let identity = ClientIdentity::generate();
        Self::start_with(&identity, Connect::default()).await
    }

    /// Starts the provider trusting `identity`, and connects presenting it
    /// as `connect` says.
    pub async fn start_with(identity: &ClientIdentity, connect: Connect) -> Result<Self, String> {
        Self::launch(identity, identity, connect).await
    }

    /// Starts the provider telling it to trust `trusted`, and connects
    /// presenting `presented` (the same one, unless a test wants otherwise).
    pub async fn start_presenting(
        trusted: &ClientIdentity,
        presented: &ClientIdentity,
    ) -> Result<Self, String> {
        Self::launch(trusted, presented, Connect::default()).await
    }

    async fn launch(
        trusted: &ClientIdentity,
        presented: &ClientIdentity,
        connect: Connect,
    ) -> Result<Self, String> {
        let spawned_at = Instant::now();
        let mut child = Command::new(PROVIDER_BINARY)
            .env("PLUGIN_CLIENT_CERT", &trusted.cert_pem)
            .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            // Nothing here should reach AWS; if something tried, it must not
            // wait for the instance metadata service first.
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("start {PROVIDER_BINARY}: {e}"))?;
        let output = Arc::new(Mutex::new(String::new()));
        collect(
            child.stderr.take().expect("piped stderr"),
            output.clone(),
            "stderr: ",
        );
        let stdout = child.stdout.take().expect("piped stdout");
        let mut process = ProviderProcess { child, output };

        // The handshake is the first line of stdout; the rest is drained.
        let (tx, rx) = tokio::sync::oneshot::channel();
        let drain = process.output.clone();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut line = String::new();
            let first = reader.read_line(&mut line).map(|_| line);
            let _ = tx.send(first);
            collect(reader, drain, "stdout: ");
        });
        let line = match tokio::time::timeout(HANDSHAKE_TIMEOUT, rx).await {
            Ok(Ok(Ok(line))) if !line.is_empty() => line,
            Ok(Ok(Ok(_))) => {
                let status = process.child.wait().ok();
                return Err(format!(
                    "the provider closed stdout without a handshake (exit {status:?})\n{}",
                    process.output()
                ));
            }
            Ok(Ok(Err(e))) => return Err(format!("read the handshake: {e}")),
            Ok(Err(_)) => return Err("the stdout reader stopped".to_owned()),
            Err(_) => {
                return Err(format!(
                    "no handshake within {HANDSHAKE_TIMEOUT:?}\n{}",
                    process.output()
                ))
            }
        };
        let handshake_after = spawned_at.elapsed();
        let handshake = Handshake::parse(&line)?;
        let channel = connect_mtls(&handshake, presented, connect).await?;
        Ok(Self {
            handshake,
            start_times: StartTimes {
                spawned_at,
                handshake_after,
                connected_after: spawned_at.elapsed(),
            },
            provider: ProviderClient::new(channel),
            process,
        })
    }

    pub fn pid(&self) -> u32 {
        self.process.child.id()
    }

    /// Everything the provider wrote to stdout (after the handshake) and stderr.
    pub fn output(&self) -> String {
        self.process.output()
    }

    /// Waits up to `timeout` for the provider to exit by itself.
    pub async fn wait_exit(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(Some(status)) = self.process.child.try_wait() {
                return Some(status);
            }
            if Instant::now() >= deadline {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn get_provider_schema(
        &mut self,
    ) -> Result<tfplugin6::get_provider_schema::Response, tonic::Status> {
        self.provider
            .get_provider_schema(tfplugin6::get_provider_schema::Request {})
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn validate_provider_config(
        &mut self,
        config: &Val,
    ) -> Result<Vec<Diagnostic>, tonic::Status> {
        let request = tfplugin6::validate_provider_config::Request {
            config: dynamic(config),
        };
        let response = self.provider.validate_provider_config(request).await?;
        Ok(response.into_inner().diagnostics)
    }

    pub async fn configure_provider(
        &mut self,
        config: &Val,
    ) -> Result<Vec<Diagnostic>, tonic::Status> {
        let request = tfplugin6::configure_provider::Request {
            terraform_version: "1.9.0".to_owned(),
            config: dynamic(config),
        };
        let response = self.provider.configure_provider(request).await?;
        Ok(response.into_inner().diagnostics)
    }

    pub async fn validate_resource_config(
        &mut self,
        type_name: &str,
        config: &Val,
    ) -> Result<Vec<Diagnostic>, tonic::Status> {
        let request = tfplugin6::validate_resource_config::Request {
            type_name: type_name.to_owned(),
            config: dynamic(config),
        };
        let response = self.provider.validate_resource_config(request).await?;
        Ok(response.into_inner().diagnostics)
    }

    /// PlanResourceChange as Terraform calls it: a create has a null prior
    /// state; a destroy a null proposed state and config. provider_meta is
    /// always sent (null here: the provider has no provider_meta schema).
    pub async fn plan_resource_change(
        &mut self,
        type_name: &str,
        prior_state: &Val,
        proposed_new_state: &Val,
        config: &Val,
        prior_private: Vec<u8>,
    ) -> Result<tfplugin6::plan_resource_change::Response, tonic::Status> {
        let request = tfplugin6::plan_resource_change::Request {
            type_name: type_name.to_owned(),
            prior_state: dynamic(prior_state),
            proposed_new_state: dynamic(proposed_new_state),
            config: dynamic(config),
            prior_private,
            provider_meta: dynamic(&Val::Null),
            // Terraform 1.12+ sends the state's identity; older ones none.
            prior_identity: None,
        };
        self.provider
            .plan_resource_change(request)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn apply_resource_change(
        &mut self,
        type_name: &str,
        prior_state: &Val,
        planned_state: &Val,
        config: &Val,
        planned_private: Vec<u8>,
    ) -> Result<tfplugin6::apply_resource_change::Response, tonic::Status> {
        let request = tfplugin6::apply_resource_change::Request {
            type_name: type_name.to_owned(),
            prior_state: dynamic(prior_state),
            planned_state: dynamic(planned_state),
            config: dynamic(config),
            planned_private,
            provider_meta: dynamic(&Val::Null),
            planned_identity: None,
        };
        self.provider
            .apply_resource_change(request)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn read_resource(
        &mut self,
        type_name: &str,
        current_state: &Val,
        private: Vec<u8>,
    ) -> Result<tfplugin6::read_resource::Response, tonic::Status> {
        let request = tfplugin6::read_resource::Request {
            type_name: type_name.to_owned(),
            current_state: dynamic(current_state),
            private,
            provider_meta: dynamic(&Val::Null),
            current_identity: None,
        };
        self.provider
            .read_resource(request)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn import_resource_state(
        &mut self,
        type_name: &str,
        id: &str,
    ) -> Result<tfplugin6::import_resource_state::Response, tonic::Status> {
        let request = tfplugin6::import_resource_state::Request {
            type_name: type_name.to_owned(),
            id: id.to_owned(),
            identity: None,
        };
        self.provider
            .import_resource_state(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// ValidateEphemeralResourceConfig: an RPC of protocol 6.10 the provider
    /// does not serve.
    pub async fn validate_ephemeral_resource_config(
        &mut self,
        type_name: &str,
    ) -> Result<tfplugin6::validate_ephemeral_resource_config::Response, tonic::Status> {
        let request = tfplugin6::validate_ephemeral_resource_config::Request {
            type_name: type_name.to_owned(),
            config: dynamic(&Val::Null),
        };
        self.provider
            .validate_ephemeral_resource_config(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// StopProvider; returns the error text the provider reports (empty on success).
    pub async fn stop_provider(&mut self) -> Result<String, tonic::Status> {
        let response = self
            .provider
            .stop_provider(tfplugin6::stop_provider::Request {})
            .await?;
        Ok(response.into_inner().error)
    }

    pub async fn validate_action_config(
        &mut self,
        type_name: &str,
        config: &Val,
    ) -> Result<Vec<Diagnostic>, tonic::Status> {
        let request = tfplugin6::validate_action_config::Request {
            type_name: type_name.to_owned(),
            config: dynamic(config),
        };
        let response = self.provider.validate_action_config(request).await?;
        Ok(response.into_inner().diagnostics)
    }

    pub async fn plan_action(
        &mut self,
        action_type: &str,
        config: &Val,
    ) -> Result<Vec<Diagnostic>, tonic::Status> {
        let request = tfplugin6::plan_action::Request {
            action_type: action_type.to_owned(),
            config: dynamic(config),
        };
        let response = self.provider.plan_action(request).await?;
        Ok(response.into_inner().diagnostics)
    }

    /// InvokeAction's whole stream: every Progress message in order, then
    /// the Completed event's diagnostics (`None` when the stream ended
    /// without one).
    pub async fn invoke_action(
        &mut self,
        action_type: &str,
        config: &Val,
    ) -> Result<(Vec<String>, Option<Vec<Diagnostic>>), tonic::Status> {
        use tfplugin6::invoke_action::event::Type;
        let request = tfplugin6::invoke_action::Request {
            action_type: action_type.to_owned(),
            config: dynamic(config),
        };
        let mut stream = self.provider.invoke_action(request).await?.into_inner();
        let mut progress = Vec::new();
        while let Some(event) = stream.message().await? {
            match event.r#type {
                Some(Type::Progress(p)) => progress.push(p.message),
                Some(Type::Completed(done)) => return Ok((progress, Some(done.diagnostics))),
                None => {}
            }
        }
        Ok((progress, None))
    }

    pub async fn get_resource_identity_schemas(
        &mut self,
    ) -> Result<tfplugin6::get_resource_identity_schemas::Response, tonic::Status> {
        self.provider
            .get_resource_identity_schemas(tfplugin6::get_resource_identity_schemas::Request {})
            .await
            .map(tonic::Response::into_inner)
    }

    /// UpgradeResourceIdentity of an identity stored as `json` at `version`.
    pub async fn upgrade_resource_identity(
        &mut self,
        type_name: &str,
        version: i64,
        json: &str,
    ) -> Result<tfplugin6::upgrade_resource_identity::Response, tonic::Status> {
        let request = tfplugin6::upgrade_resource_identity::Request {
            type_name: type_name.to_owned(),
            version,
            raw_identity: Some(tfplugin6::RawState {
                json: json.as_bytes().to_vec(),
                flatmap: Default::default(),
            }),
        };
        self.provider
            .upgrade_resource_identity(request)
            .await
            .map(tonic::Response::into_inner)
    }

    /// ImportResourceState by identity (`import { identity = ... }`): no ID.
    pub async fn import_resource_identity(
        &mut self,
        type_name: &str,
        identity: &Val,
    ) -> Result<tfplugin6::import_resource_state::Response, tonic::Status> {
        let request = tfplugin6::import_resource_state::Request {
            type_name: type_name.to_owned(),
            id: String::new(),
            identity: Some(tfplugin6::ResourceIdentityData {
                identity_data: dynamic(identity),
            }),
        };
        self.provider
            .import_resource_state(request)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn generate_resource_config(
        &mut self,
        type_name: &str,
        state: &Val,
    ) -> Result<tfplugin6::generate_resource_config::Response, tonic::Status> {
        let request = tfplugin6::generate_resource_config::Request {
            type_name: type_name.to_owned(),
            state: dynamic(state),
        };
        self.provider
            .generate_resource_config(request)
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn validate_list_resource_config(
        &mut self,
        type_name: &str,
        config: &Val,
    ) -> Result<Vec<Diagnostic>, tonic::Status> {
        let request = tfplugin6::validate_list_resource_config::Request {
            type_name: type_name.to_owned(),
            config: dynamic(config),
            include_resource_object: dynamic(&Val::Bool(false)),
            limit: dynamic(&Val::Int(100)),
        };
        let response = self.provider.validate_list_resource_config(request).await?;
        Ok(response.into_inner().diagnostics)
    }

    /// ListResource, read to the end of its stream.
    pub async fn list_resource(
        &mut self,
        type_name: &str,
        config: &Val,
        include_resource_object: bool,
        limit: i64,
    ) -> Result<Vec<tfplugin6::list_resource::Event>, tonic::Status> {
        let request = tfplugin6::list_resource::Request {
            type_name: type_name.to_owned(),
            config: dynamic(config),
            include_resource_object,
            limit,
        };
        let mut stream = self.provider.list_resource(request).await?.into_inner();
        let mut events = Vec::new();
        while let Some(event) = stream.message().await? {
            events.push(event);
        }
        Ok(events)
    }
}

impl ProviderProcess {
    fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }
}
