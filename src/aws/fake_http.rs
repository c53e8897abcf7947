//! A scripted stand-in for AWS at the HTTP layer, for component tests: each
//! operation gets the answers a test queued for it, in the wire format its
//! service really uses, so the SDK's own deserializers turn them into the
//! outputs and errors the components decide on.
//!
//! The operation is read from the request as each protocol carries it: the
//! `X-Amz-Target` header (JSON 1.1: CloudTrail, Logs, KMS, EventBridge), the
//! `Action=` form field (awsQuery: SNS, IAM, STS), the `/operation/` path
//! segment (Smithy RPC v2 CBOR: CloudWatch), or method and sub-resource
//! (REST-XML: S3).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;

/// One HTTP answer.
#[derive(Debug, Clone)]
pub struct Answer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    headers: Vec<(&'static str, String)>,
}

const JSON_1_1: &str = "application/x-amz-json-1.1";
const XML: &str = "text/xml";
const CBOR: &str = "application/cbor";

impl Answer {
    /// Any answer at all, such as the HTML page of a server that is not AWS.
    pub fn raw(status: u16, content_type: &'static str, body: &str) -> Self {
        Self {
            status,
            content_type,
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }

    /// A JSON 1.1 success (CloudTrail, Logs, KMS, EventBridge).
    pub fn json(body: serde_json::Value) -> Self {
        Self::raw(200, JSON_1_1, &body.to_string())
    }

    /// A JSON 1.1 error, as these services send it: the code in `__type`.
    pub fn json_error(code: &str, message: &str) -> Self {
        let body = serde_json::json!({ "__type": code, "message": message });
        Self::raw(400, JSON_1_1, &body.to_string())
    }

    /// An awsQuery success (SNS, IAM, STS): `result` is the content of the
    /// `<{operation}Result>` element.
    pub fn query(operation: &str, result: &str) -> Self {
        let body = format!(
            "<{operation}Response xmlns=\"https://aws.example/doc/\">\
             <{operation}Result>{result}</{operation}Result>\
             <ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata>\
             </{operation}Response>"
        );
        Self::raw(200, XML, &body)
    }

    /// An awsQuery success of an operation that returns nothing.
    pub fn query_done(operation: &str) -> Self {
        let body = format!(
            "<{operation}Response xmlns=\"https://aws.example/doc/\">\
             <ResponseMetadata><RequestId>fake-request</RequestId></ResponseMetadata>\
             </{operation}Response>"
        );
        Self::raw(200, XML, &body)
    }

    /// An awsQuery error: an `ErrorResponse` with a sender fault.
    pub fn query_error(code: &str, message: &str) -> Self {
        let body = format!(
            "<ErrorResponse xmlns=\"https://aws.example/doc/\">\
             <Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>\
             <RequestId>fake-request</RequestId></ErrorResponse>"
        );
        Self::raw(400, XML, &body)
    }

    /// A REST-XML (S3) success with `body` as the document.
    pub fn s3(body: &str) -> Self {
        Self::raw(200, "application/xml", body)
    }

    /// A REST-XML (S3) error document.
    pub fn s3_error(status: u16, code: &str, message: &str) -> Self {
        let body = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <Error><Code>{code}</Code><Message>{message}</Message>\
             <RequestId>fake-request</RequestId><HostId>fake-host</HostId></Error>"
        );
        Self::raw(status, "application/xml", &body)
    }

    /// A Smithy RPC v2 CBOR (CloudWatch) success of an operation that
    /// returns nothing: an empty map.
    pub fn cbor_done() -> Self {
        Self {
            status: 200,
            content_type: CBOR,
            // The header of a map of no entries.
            body: vec![CBOR_MAP],
            headers: Vec::new(),
        }
    }

    /// A Smithy RPC v2 CBOR (CloudWatch) success whose output is a map of
    /// text members (GetDashboard's `DashboardBody`, ...).
    pub fn cbor_texts(members: &[(&str, &str)]) -> Self {
        let count = u8::try_from(members.len())
            .ok()
            .filter(|n| *n < 24)
            .unwrap_or_else(|| panic!("FakeAws: {} members", members.len()));
        let mut body = vec![CBOR_MAP | count];
        for (key, value) in members {
            cbor_text(&mut body, key);
            cbor_text(&mut body, value);
        }
        Self {
            status: 200,
            content_type: CBOR,
            body,
            headers: Vec::new(),
        }
    }

    /// A CloudWatch error whose shape is not named as its awsQuery code
    /// (GetDashboard's `DashboardNotFoundError` is `ResourceNotFound`).
    pub fn cbor_error_shaped(shape: &str, code: &str, message: &str) -> Self {
        let mut answer = Self::cbor_error(shape, message);
        answer.headers = vec![("x-amzn-query-error", format!("{code};Sender"))];
        answer
    }

    /// A CloudWatch error in Smithy RPC v2 CBOR: a map of `__type` (the
    /// error's shape ID) and `message`, plus the awsQuery code in
    /// `x-amzn-query-error`, as CloudWatch (awsQuery-compatible) sends both.
    pub fn cbor_error(code: &str, message: &str) -> Self {
        let mut body = vec![CBOR_MAP | 2];
        let shape = format!("com.amazonaws.cloudwatch#{code}");
        for text in ["__type", shape.as_str(), "message", message] {
            cbor_text(&mut body, text);
        }
        Self {
            status: 400,
            content_type: CBOR,
            body,
            headers: vec![("x-amzn-query-error", format!("{code};Sender"))],
        }
    }

    /// A success with no body (S3's PUTs and DELETEs).
    pub fn empty() -> Self {
        Self::raw(200, "application/xml", "")
    }
}

/// CBOR major types (RFC 8949, section 3.1), shifted into place.
const CBOR_TEXT: u8 = 3 << 5;
const CBOR_MAP: u8 = 5 << 5;

/// Appends `text` as a CBOR text string.
fn cbor_text(out: &mut Vec<u8>, text: &str) {
    let len = text.len();
    match u8::try_from(len) {
        Ok(short) if short < 24 => out.push(CBOR_TEXT | short),
        Ok(byte) => out.extend([CBOR_TEXT | 24, byte]),
        Err(_) => {
            let two = u16::try_from(len).unwrap_or_else(|_| panic!("FakeAws: {len} bytes of text"));
            out.push(CBOR_TEXT | 25);
            out.extend(two.to_be_bytes());
        }
    }
    out.extend(text.as_bytes());
}

/// A request as the fake received it.
#[derive(Debug, Clone)]
pub struct Call {
    pub operation: String,
    pub body: String,
}

#[derive(Debug, Default)]
struct Script {
    answers: HashMap<String, VecDeque<Answer>>,
    /// Answers for requests whose body contains a text, by operation: for
    /// calls made concurrently, whose order is not fixed.
    answers_if: HashMap<String, Vec<(String, VecDeque<Answer>)>>,
    calls: Vec<Call>,
}

/// The next answer of `queue`; its last is repeated.
fn next_of(queue: &mut VecDeque<Answer>) -> Option<Answer> {
    if queue.len() > 1 {
        queue.pop_front()
    } else {
        queue.front().cloned()
    }
}

/// The fake AWS. Clones share one script.
#[derive(Debug, Clone, Default)]
pub struct FakeAws(Arc<Mutex<Script>>);

impl FakeAws {
    pub fn new() -> Self {
        Self::default()
    }

    fn script(&self) -> std::sync::MutexGuard<'_, Script> {
        self.0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Queues `answer` for `operation`. Answers are given in the order queued;
    /// the last one is repeated for every further call.
    pub fn on(&self, operation: &str, answer: Answer) -> &Self {
        self.script()
            .answers
            .entry(operation.to_owned())
            .or_default()
            .push_back(answer);
        self
    }

    /// Queues `answer` for the calls of `operation` whose body contains
    /// `text`; they take these answers before the ones [`Self::on`] queues.
    pub fn on_if(&self, operation: &str, text: &str, answer: Answer) -> &Self {
        let mut script = self.script();
        let queues = script.answers_if.entry(operation.to_owned()).or_default();
        match queues.iter_mut().find(|(t, _)| t == text) {
            Some((_, queue)) => queue.push_back(answer),
            None => queues.push((text.to_owned(), VecDeque::from([answer]))),
        }
        drop(script);
        self
    }

    /// Every call received, in order.
    pub fn calls(&self) -> Vec<Call> {
        self.script().calls.clone()
    }

    /// The names of the operations called, in order.
    pub fn operations(&self) -> Vec<String> {
        self.calls().into_iter().map(|c| c.operation).collect()
    }

    /// How many times `operation` was called.
    pub fn count(&self, operation: &str) -> usize {
        self.calls()
            .iter()
            .filter(|c| c.operation == operation)
            .count()
    }

    pub fn http_client(&self) -> SharedHttpClient {
        SharedHttpClient::new(self.clone())
    }

    fn answer(&self, request: &HttpRequest) -> Answer {
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let operation = operation_of(request, &body);
        let mut script = self.script();
        let matched = script
            .answers_if
            .get_mut(&operation)
            .and_then(|queues| {
                queues
                    .iter_mut()
                    .find(|(text, _)| body.contains(text.as_str()))
            })
            .and_then(|(_, queue)| next_of(queue));
        script.calls.push(Call {
            operation: operation.clone(),
            body,
        });
        let answer = matched.or_else(|| script.answers.get_mut(&operation).and_then(next_of));
        match answer {
            Some(answer) => answer,
            // A call the test did not expect is the test's failure, named.
            None => panic!(
                "FakeAws: no answer scripted for {operation}; calls so far: {:?}",
                script
                    .calls
                    .iter()
                    .map(|c| &c.operation)
                    .collect::<Vec<_>>()
            ),
        }
    }
}

/// The operation a request calls, as its protocol names it.
fn operation_of(request: &HttpRequest, body: &str) -> String {
    if let Some(target) = request.headers().get("x-amz-target") {
        return target.rsplit('.').next().unwrap_or(target).to_owned();
    }
    let uri = request.uri();
    let (path, query) = uri.split_once('?').unwrap_or((uri, ""));
    if let Some((_, operation)) = path.split_once("/operation/") {
        return operation.to_owned();
    }
    let form = request
        .headers()
        .get("content-type")
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    if form {
        if let Some(action) = body
            .split('&')
            .find_map(|field| field.strip_prefix("Action="))
        {
            return action.to_owned();
        }
    }
    s3_operation(request.method(), query)
}

/// S3 names an operation by method and sub-resource (the first query key).
fn s3_operation(method: &str, query: &str) -> String {
    let sub_resource = query
        .split('&')
        .map(|field| field.split('=').next().unwrap_or(field))
        .find(|key| !key.is_empty() && *key != "x-id")
        .unwrap_or("");
    let name = match (method, sub_resource) {
        ("PUT", "") => "CreateBucket",
        ("HEAD", "") => "HeadBucket",
        ("DELETE", "") => "DeleteBucket",
        ("GET", "versions") => "ListObjectVersions",
        ("POST", "delete") => "DeleteObjects",
        ("GET", "publicAccessBlock") => "GetPublicAccessBlock",
        ("PUT", "publicAccessBlock") => "PutPublicAccessBlock",
        ("GET", "policy") => "GetBucketPolicy",
        ("PUT", "policy") => "PutBucketPolicy",
        ("PUT", "encryption") => "PutBucketEncryption",
        ("PUT", "versioning") => "PutBucketVersioning",
        ("PUT", "lifecycle") => "PutBucketLifecycleConfiguration",
        ("PUT", "tagging") => "PutBucketTagging",
        _ => return format!("S3 {method} ?{sub_resource}"),
    };
    name.to_owned()
}

impl HttpClient for FakeAws {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(self.clone())
    }
}

impl HttpConnector for FakeAws {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let answer = self.answer(&request);
        HttpConnectorFuture::ready(Ok(response(answer)))
    }
}

fn response(answer: Answer) -> HttpResponse {
    let status = answer
        .status
        .try_into()
        .unwrap_or_else(|_| panic!("FakeAws: {} is not an HTTP status", answer.status));
    let mut response = HttpResponse::new(status, SdkBody::from(answer.body));
    response
        .headers_mut()
        .insert("content-type", answer.content_type);
    response
        .headers_mut()
        .insert("x-amzn-requestid", "fake-request");
    for (name, value) in answer.headers {
        response.headers_mut().insert(name, value);
    }
    if answer.content_type == CBOR {
        response
            .headers_mut()
            .insert("smithy-protocol", "rpc-v2-cbor");
    }
    response
}
