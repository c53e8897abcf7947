use std::collections::BTreeMap;
use std::time::Duration;

use aws_config::retry::RetryConfig;
use aws_config::{BehaviorVersion, Region};
use aws_credential_types::Credentials;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
#[cfg(test)]
use aws_smithy_runtime_api::client::http::SharedHttpClient;
use tokio::sync::OnceCell;

use super::{AwsError, Component};

/// Per-service endpoint overrides, as in the hashicorp/aws provider's `endpoints` block.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Endpoints {
    pub cloudtrail: Option<String>,
    pub logs: Option<String>,
    pub cloudwatch: Option<String>,
    pub sns: Option<String>,
    pub s3: Option<String>,
    pub kms: Option<String>,
    pub iam: Option<String>,
    pub sts: Option<String>,
    pub events: Option<String>,
    /// `resourcegroupstaggingapi` in the provider block, as in the hashicorp/aws provider.
    pub tagging: Option<String>,
}

/// The provider block, resolved: everything needed to build the AWS clients.
#[derive(Debug, Clone, Default)]
pub struct ClientSettings {
    pub region: Option<String>,
    pub profile: Option<String>,
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub assume_role: Option<AssumeRole>,
    pub endpoints: Endpoints,
    pub s3_use_path_style: bool,
    pub max_retries: Option<u32>,
    /// At most this many AWS calls in flight (`None`: no limit); see
    /// [`super::call_limit`].
    pub max_parallel_calls: Option<usize>,
    pub skip_requesting_account_id: bool,
    pub default_tags: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
pub struct AssumeRole {
    pub role_arn: String,
    pub session_name: Option<String>,
    pub external_id: Option<String>,
    pub duration: Option<Duration>,
}

/// The hashicorp/aws provider retries up to 25 times by default.
const DEFAULT_MAX_RETRIES: u32 = 25;

/// One set of clients per provider configuration, shared by every operation.
#[derive(Debug)]
pub struct Clients {
    pub region: String,
    pub default_tags: BTreeMap<String, String>,
    pub kms: aws_sdk_kms::Client,
    pub s3: aws_sdk_s3::Client,
    pub logs: aws_sdk_cloudwatchlogs::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
    pub sns: aws_sdk_sns::Client,
    pub iam: aws_sdk_iam::Client,
    pub sts: aws_sdk_sts::Client,
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    pub events: aws_sdk_eventbridge::Client,
    pub tagging: aws_sdk_resourcegroupstagging::Client,
    /// Looked up once, on first need: refreshing a hundred pipelines costs one STS call.
    account_id: OnceCell<String>,
}

impl Clients {
    /// Builds the clients without calling AWS, so that start-up and
    /// `terraform validate` stay offline and cheap.
    pub async fn new(settings: &ClientSettings) -> Result<Self, AwsError> {
        // ring is the one crypto provider linked into the binary (tonic uses it too).
        let mut http_client = aws_smithy_http_client::Builder::new()
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .build_https();
        if let Some(limit) = settings.max_parallel_calls {
            http_client = super::call_limit::limited(http_client, limit);
        }
        let max_attempts = settings.max_retries.unwrap_or(DEFAULT_MAX_RETRIES) + 1;
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http_client)
            .retry_config(RetryConfig::standard().with_max_attempts(max_attempts));
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let (Some(access_key), Some(secret_key)) = (&settings.access_key, &settings.secret_key) {
            loader = loader.credentials_provider(Credentials::new(
                access_key.clone(),
                secret_key.clone(),
                None,
                None,
                "provider-block",
            ));
        }
        let mut shared = loader.load().await;
        let region = shared.region().map(|r| r.to_string()).ok_or_else(|| {
            AwsError::new(
                Component::Identity,
                "configure",
                "provider",
                "no AWS region: set `region` in the provider block or AWS_REGION",
            )
        })?;

        if let Some(assume) = &settings.assume_role {
            // The role is assumed through the configured STS endpoint, like every other call.
            let sts_shared = match &settings.endpoints.sts {
                Some(url) => shared.clone().into_builder().endpoint_url(url).build(),
                None => shared.clone(),
            };
            let mut builder = aws_config::sts::AssumeRoleProvider::builder(assume.role_arn.clone())
                .region(Region::new(region.clone()))
                .session_name(
                    assume
                        .session_name
                        .clone()
                        .unwrap_or_else(|| "terraform-provider-secretmonitor".to_owned()),
                );
            if let Some(external_id) = &assume.external_id {
                builder = builder.external_id(external_id);
            }
            if let Some(duration) = assume.duration {
                builder = builder.session_length(duration);
            }
            let provider = builder.configure(&sts_shared).build().await;
            shared = shared
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }

        let endpoints = &settings.endpoints;
        macro_rules! client {
            ($sdk:ident, $endpoint:expr) => {{
                let mut conf = $sdk::config::Builder::from(&shared)
                    .interceptor(super::log::LogCalls)
                    .interceptor(super::endpoint::NoteEndpoint);
                if let Some(url) = $endpoint {
                    conf = conf.endpoint_url(url);
                }
                conf
            }};
        }
        let s3_conf =
            client!(aws_sdk_s3, &endpoints.s3).force_path_style(settings.s3_use_path_style);
        Ok(Self {
            region,
            default_tags: settings.default_tags.clone(),
            kms: aws_sdk_kms::Client::from_conf(client!(aws_sdk_kms, &endpoints.kms).build()),
            s3: aws_sdk_s3::Client::from_conf(s3_conf.build()),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                client!(aws_sdk_cloudwatchlogs, &endpoints.logs).build(),
            ),
            cloudwatch: aws_sdk_cloudwatch::Client::from_conf(
                client!(aws_sdk_cloudwatch, &endpoints.cloudwatch).build(),
            ),
            sns: aws_sdk_sns::Client::from_conf(client!(aws_sdk_sns, &endpoints.sns).build()),
            iam: aws_sdk_iam::Client::from_conf(client!(aws_sdk_iam, &endpoints.iam).build()),
            sts: aws_sdk_sts::Client::from_conf(client!(aws_sdk_sts, &endpoints.sts).build()),
            cloudtrail: aws_sdk_cloudtrail::Client::from_conf(
                client!(aws_sdk_cloudtrail, &endpoints.cloudtrail).build(),
            ),
            events: aws_sdk_eventbridge::Client::from_conf(
                client!(aws_sdk_eventbridge, &endpoints.events).build(),
            ),
            tagging: aws_sdk_resourcegroupstagging::Client::from_conf(
                client!(aws_sdk_resourcegroupstagging, &endpoints.tagging).build(),
            ),
            account_id: OnceCell::new(),
        })
    }

    /// Clients that send every request to `http_client` (a
    /// [`super::fake_http::FakeAws`]): no credentials chain, no retries (a
    /// test scripts each answer), and S3 addressed by path.
    #[cfg(test)]
    pub fn for_tests(http_client: SharedHttpClient, region: &str) -> Self {
        use aws_config::stalled_stream_protection::StalledStreamProtectionConfig;
        let credentials = Credentials::new("AKIDFAKE", "fake-secret", None, None, "fake");
        let shared = aws_config::SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_owned()))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(credentials),
            )
            .http_client(http_client)
            .endpoint_url("http://aws.fake")
            .retry_config(RetryConfig::disabled())
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .build();
        macro_rules! client {
            ($sdk:ident) => {
                $sdk::config::Builder::from(&shared).interceptor(super::endpoint::NoteEndpoint)
            };
        }
        let s3 = client!(aws_sdk_s3).force_path_style(true).build();
        Self {
            region: region.to_owned(),
            default_tags: BTreeMap::new(),
            kms: aws_sdk_kms::Client::from_conf(client!(aws_sdk_kms).build()),
            s3: aws_sdk_s3::Client::from_conf(s3),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                client!(aws_sdk_cloudwatchlogs).build(),
            ),
            cloudwatch: aws_sdk_cloudwatch::Client::from_conf(client!(aws_sdk_cloudwatch).build()),
            sns: aws_sdk_sns::Client::from_conf(client!(aws_sdk_sns).build()),
            iam: aws_sdk_iam::Client::from_conf(client!(aws_sdk_iam).build()),
            sts: aws_sdk_sts::Client::from_conf(client!(aws_sdk_sts).build()),
            cloudtrail: aws_sdk_cloudtrail::Client::from_conf(client!(aws_sdk_cloudtrail).build()),
            events: aws_sdk_eventbridge::Client::from_conf(client!(aws_sdk_eventbridge).build()),
            tagging: aws_sdk_resourcegroupstagging::Client::from_conf(
                client!(aws_sdk_resourcegroupstagging).build(),
            ),
            account_id: OnceCell::new(),
        }
    }

    /// The account the credentials belong to, asked of STS at most once per process.
    pub async fn account_id(&self) -> Result<String, AwsError> {
        self.account_id
            .get_or_try_init(|| async {
                let identity = self.sts.get_caller_identity().send().await.map_err(|err| {
                    AwsError::from_sdk(Component::Identity, "GetCallerIdentity", "caller", err)
                })?;
                identity.account.ok_or_else(|| {
                    AwsError::new(
                        Component::Identity,
                        "GetCallerIdentity",
                        "caller",
                        "STS returned no account",
                    )
                })
            })
            .await
            .cloned()
    }
}
