//! The provider started and connected as Terraform does it, down to the
//! socket options: Go's net package turns Nagle's algorithm off on every TCP
//! connection, so Terraform's side of the plugin connection has TCP_NODELAY.
//! The integration tests' client (tests/support/plugin_client.rs) connects
//! through a custom connector that leaves Nagle on, which adds ~40 ms of
//! delayed-ACK wait to many round trips: right for a test, wrong for a
//! benchmark. This client reuses its protocol types, handshake parser and
//! msgpack codec, and differs only in how it connects and in exposing timings.

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, SignatureScheme};
use tonic::transport::{Channel, Endpoint, Uri};

use crate::support::msgpack::Val;
use crate::support::plugin_client::tfplugin6::{self, provider_client::ProviderClient};
use crate::support::plugin_client::{dynamic, Handshake, MAGIC_COOKIE, PROVIDER_BINARY};

/// A P-256 client certificate for client authentication, as the tests' one.
pub struct Identity {
    pem: String,
    der: CertificateDer<'static>,
    key: Vec<u8>,
}

impl Identity {
    pub fn generate() -> Self {
        let key = rcgen::KeyPair::generate().expect("generate a client key");
        let mut params = rcgen::CertificateParams::new(vec!["localhost".to_owned()])
            .expect("client certificate parameters");
        params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "localhost");
        params.is_ca = rcgen::IsCa::ExplicitNoCa;
        params.key_usages = vec![rcgen::KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let cert = params.self_signed(&key).expect("self-sign");
        Self {
            pem: cert.pem(),
            der: cert.der().clone(),
            key: key.serialize_der(),
        }
    }
}

#[derive(Debug)]
struct Pinned {
    der: Vec<u8>,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _: &[CertificateDer<'_>],
        _: &ServerName<'_>,
        _: &[u8],
        _: UnixTime,
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

/// The provider process; killed and reaped on drop.
pub struct TfClient {
    child: Child,
    output: Arc<Mutex<String>>,
    provider: ProviderClient<Channel>,
    /// Spawn to handshake line read.
    pub handshake_after: Duration,
    /// Spawn to the mutual-TLS connection up.
    pub connected_after: Duration,
    pub started: Instant,
}

impl Drop for TfClient {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn drain(stream: impl Read + Send + 'static, output: Arc<Mutex<String>>) {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines().map_while(Result::ok) {
            let mut out = output.lock().unwrap_or_else(|p| p.into_inner());
            out.push_str(&line);
            out.push('\n');
        }
    });
}

impl TfClient {
    /// Starts the provider (environment inherited, as Terraform passes its
    /// own) and connects with TCP_NODELAY, as Terraform does.
    pub async fn start(identity: &Identity) -> Self {
        let started = Instant::now();
        let mut child = Command::new(PROVIDER_BINARY)
            .env("PLUGIN_CLIENT_CERT", &identity.pem)
            .env("TF_PLUGIN_MAGIC_COOKIE", MAGIC_COOKIE)
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("start {PROVIDER_BINARY}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        drain(child.stderr.take().unwrap(), output.clone());
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        // Blocking, on purpose: nothing else runs meanwhile.
        reader.read_line(&mut line).expect("read the handshake");
        let handshake_after = started.elapsed();
        drain(reader, output.clone());
        let handshake = Handshake::parse(&line).unwrap_or_else(|e| panic!("{e}"));

        let crypto = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ClientConfig::builder_with_provider(crypto.clone())
            .with_safe_default_protocol_versions()
            .unwrap()
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned {
                der: handshake.server_cert.clone(),
                provider: crypto,
            }))
            .with_client_auth_cert(
                vec![identity.der.clone()],
                PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key.clone())),
            )
            .expect("client certificate");
        config.alpn_protocols = vec![b"h2".to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let address = handshake.address.clone();
        let channel = Endpoint::from_shared(format!("http://{address}"))
            .unwrap()
            .connect_with_connector(tower::service_fn(move |_: Uri| {
                let connector = connector.clone();
                let address = address.clone();
                async move {
                    let tcp = tokio::net::TcpStream::connect(&address).await?;
                    tcp.set_nodelay(true)?;
                    let name = ServerName::try_from("localhost").expect("a DNS name");
                    let tls = connector.connect(name, tcp).await?;
                    Ok::<_, std::io::Error>(hyper_util::rt::TokioIo::new(tls))
                }
            }))
            .await
            .unwrap_or_else(|e| panic!("connect to {}: {e:?}", handshake.address));
        let connected_after = started.elapsed();
        Self {
            child,
            output,
            provider: ProviderClient::new(channel),
            handshake_after,
            connected_after,
            started,
        }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn output(&self) -> String {
        self.output
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub async fn get_provider_schema(
        &mut self,
    ) -> Result<tfplugin6::get_provider_schema::Response, tonic::Status> {
        self.provider
            .get_provider_schema(tfplugin6::get_provider_schema::Request {})
            .await
            .map(tonic::Response::into_inner)
    }

    pub async fn configure_provider(
        &mut self,
        config: &Val,
    ) -> Result<Vec<tfplugin6::Diagnostic>, tonic::Status> {
        let request = tfplugin6::configure_provider::Request {
            terraform_version: "1.9.0".to_owned(),
            config: dynamic(config),
        };
        Ok(self
            .provider
            .configure_provider(request)
            .await?
            .into_inner()
            .diagnostics)
    }

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
        };
        self.provider
            .read_resource(request)
            .await
            .map(tonic::Response::into_inner)
    }
}
