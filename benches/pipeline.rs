//! `make bench`, part 1: the built provider driven over the Terraform plugin
//! protocol (the gRPC client of tests/support, connected with TCP_NODELAY as
//! Terraform connects),
//! against LocalStack through scripts/faultproxy.py, which adds a fixed latency
//! to every AWS call and records each call's start and end.
//!
//! Measures, and writes as JSON to $BENCH_OUT (no assertion on any figure):
//! - start-up: spawn to handshake line, spawn to GetProviderSchema answered;
//! - peak RSS (VmHWM) of a provider that served a plan and a refresh;
//! - create, refresh, update and destroy of one pipeline with the
//!   dependency-graph engine, with the same engine forced to make one AWS call
//!   at a time (SECRETMONITOR_MAX_PARALLEL_CALLS=1) and to run one step at a
//!   time (SECRETMONITOR_MAX_PARALLEL_STEPS=1; a step may send calls together):
//!   wall time, AWS calls, the critical-path depth of the calls as they ran
//!   (longest chain of calls each starting after the previous one ended) and
//!   the chain itself.
//!
//! Environment: BENCH_PROXY (the proxy's URL, required), BENCH_LATENCY_MS (50),
//! BENCH_REPEAT (3 lifecycles per engine mode), BENCH_STARTS (15 start-ups),
//! BENCH_OUT (JSON file; stdout otherwise), BENCH_NAME_SUFFIX.

// The plugin client of the integration tests; its unit tests compile here
// without being run.
#[path = "../tests/support/mod.rs"]
#[allow(unused_imports)]
mod support;

use std::time::{Duration, Instant};

use secretmonitor::aws::call_limit::MAX_PARALLEL_CALLS_ENV as CALLS_ENV;
use secretmonitor::terraform::provider::PARALLELISM_ENV as STEPS_ENV;
use serde_json::{json, Value as Json};
use support::msgpack::{config_object, Val};
use support::plugin_client::tfplugin6::schema::Block;
use support::plugin_client::{
    describe, errors, value_of, ClientIdentity, Connect, PluginClient, PROVIDER_BINARY,
};
use support::provider::{schemas, Schemas, PIPELINE};

/// As Terraform connects: Go turns Nagle's algorithm off on every TCP connection.
const TERRAFORM_LIKE: Connect = Connect { nodelay: true };

/// The provider environment variable a mode sets, and its value.
type Limit = Option<(&'static str, &'static str)>;

/// Every operation measured in one mode, in the order they ran.
type Runs = Vec<(&'static str, Measured)>;

/// The engine modes compared, each with the limit it sets.
const MODES: [(&str, Limit); 3] = [
    ("concurrent", None),
    ("one_call_at_a_time", Some((CALLS_ENV, "1"))),
    ("one_step_at_a_time", Some((STEPS_ENV, "1"))),
];

/// Sets the provider's environment for `mode` (the provider reads it when
/// it is configured).
fn set_mode(limit: Limit) {
    std::env::remove_var(STEPS_ENV);
    std::env::remove_var(CALLS_ENV);
    if let Some((name, value)) = limit {
        std::env::set_var(name, value);
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(|a, b| a.partial_cmp(b).unwrap());
    let n = values.len();
    if n == 0 {
        f64::NAN
    } else if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

// --- the proxy's control API (plain HTTP/1.1 on loopback) ------------------

struct Proxy {
    host_port: String,
}

impl Proxy {
    fn new(url: &str) -> Self {
        let host_port = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        Self { host_port }
    }

    fn request(&self, method: &str, path: &str, body: &str) -> Json {
        use std::io::{Read, Write};
        let mut stream = std::net::TcpStream::connect(&self.host_port)
            .unwrap_or_else(|e| panic!("connect to the proxy at {}: {e}", self.host_port));
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            self.host_port,
            body.len()
        )
        .expect("write to the proxy");
        let mut response = Vec::new();
        stream.read_to_end(&mut response).expect("read the proxy");
        let text = String::from_utf8_lossy(&response);
        let body = text.split_once("\r\n\r\n").map(|(_, b)| b).unwrap_or("");
        serde_json::from_str(body).unwrap_or(Json::Null)
    }

    /// Sets the latency and resets the counters and the call log. Nagle's
    /// algorithm is off (BENCH_PROXY_NODELAY=0 leaves it on): otherwise the
    /// proxy's answers wait ~40 ms for delayed ACKs, a cost of the proxy that
    /// would be charged to the provider.
    fn reset(&self, latency_ms: u64) {
        let nodelay = std::env::var("BENCH_PROXY_NODELAY").map_or(true, |v| v != "0");
        self.request(
            "POST",
            "/__fault/config",
            &json!({ "latency_ms": latency_ms, "tcp_nodelay": nodelay }).to_string(),
        );
    }

    fn stats(&self) -> Json {
        self.request("GET", "/__fault/stats", "")
    }
}

/// One AWS call as the proxy saw it: operation, start, end (seconds).
#[derive(Debug, Clone)]
struct Call {
    op: String,
    start: f64,
    end: f64,
}

fn calls_of(stats: &Json) -> Vec<Call> {
    stats["timeline"]
        .as_array()
        .map(|calls| {
            calls
                .iter()
                .filter_map(|c| {
                    Some(Call {
                        op: c["op"].as_str()?.to_owned(),
                        start: c["start"].as_f64()?,
                        end: c["end"].as_f64()?,
                    })
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The longest chain of calls each of which started after the previous one
/// ended: the number of round trips that were paid one after another.
fn critical_path(calls: &[Call]) -> Vec<Call> {
    let mut order: Vec<usize> = (0..calls.len()).collect();
    order.sort_by(|&a, &b| calls[a].start.partial_cmp(&calls[b].start).unwrap());
    let mut depth = vec![1usize; calls.len()];
    let mut prev: Vec<Option<usize>> = vec![None; calls.len()];
    for (i, &ci) in order.iter().enumerate() {
        for &cj in &order[..i] {
            if calls[cj].end > calls[ci].start {
                continue;
            }
            // Of equally deep predecessors, the one that ended last: the
            // likeliest cause, so that the chain printed reads causally.
            let later = prev[ci].is_some_and(|p| calls[cj].end > calls[p].end);
            if depth[cj] + 1 > depth[ci] || (depth[cj] + 1 == depth[ci] && later) {
                depth[ci] = depth[cj] + 1;
                prev[ci] = Some(cj);
            }
        }
    }
    let Some(mut last) = (0..calls.len()).max_by_key(|&i| depth[i]) else {
        return Vec::new();
    };
    let mut chain = vec![calls[last].clone()];
    while let Some(p) = prev[last] {
        chain.push(calls[p].clone());
        last = p;
    }
    chain.reverse();
    chain
}

// --- the pipeline through the plugin protocol -------------------------------

fn pipeline_settings(name: &str, retention_days: i64) -> Val {
    settings_with(
        name,
        retention_days,
        Val::strs(&["prod/*"]),
        Val::strs(&["arn:aws:iam::111122223333:role/app-prod"]),
    )
}

/// The scale: 500 allowed principals of every form and 200 scope
/// entries (prefixes, names, full ARNs).
fn at_scale(name: &str, retention_days: i64) -> Val {
    let mut principals: Vec<String> = (0..420)
        .map(|i| format!("arn:aws:iam::111122223333:role/service-role/payments-api-{i:03}-prod"))
        .collect();
    principals.extend((0..20).map(|i| format!("arn:aws:iam::111122223333:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Team{i}_0123456789abcdef")));
    principals.extend((0..40).map(|i| format!("arn:aws:iam::111122223333:user/deploy-{i}")));
    principals.extend((0..17).map(|i| format!("arn:aws:iam::444455556666:role/batch-{i}")));
    principals.extend(
        [
            "777788889999",
            "arn:aws:iam::222233334444:root",
            "555566667777",
        ]
        .map(String::from),
    );
    let mut secrets: Vec<String> = (0..80).map(|i| format!("team-{i:02}/*")).collect();
    secrets.extend((0..60).map(|i| format!("apps/service-{i}/database-password")));
    secrets.extend((0..60).map(|i| {
        format!("arn:aws:secretsmanager:us-east-1:111122223333:secret:legacy/key-{i:03}-AbCdEf")
    }));
    let list = |items: &[String]| Val::List(items.iter().map(|s| Val::str(s)).collect());
    settings_with(name, retention_days, list(&secrets), list(&principals))
}

fn settings_with(name: &str, retention_days: i64, secrets: Val, principals: Val) -> Val {
    Val::map([
        ("name", Val::str(name)),
        ("secrets", secrets),
        ("allowed_principals", principals),
        ("tags", Val::map([("team", Val::str("security"))])),
        (
            "log_group",
            Val::map([("retention_days", Val::Int(retention_days))]),
        ),
        ("archive", Val::map([("force_destroy", Val::Bool(true))])),
        (
            "notification",
            Val::map([("emails", Val::strs(&["secops@example.com"]))]),
        ),
        ("kms", Val::map([("deletion_window_days", Val::Int(7))])),
    ])
}

/// Terraform's proposed new state for a change of configuration: the prior
/// state with the configured values put over it (only what the benchmark
/// changes: log_group.retention_days).
fn proposed_update(prior: &Val, retention_days: i64) -> Val {
    let mut proposed = prior.clone();
    if let Val::Map(top) = &mut proposed {
        if let Some(Val::Map(group)) = top.get_mut("log_group") {
            group.insert("retention_days".into(), Val::Int(retention_days));
        }
    }
    proposed
}

struct Session {
    client: PluginClient,
    pipeline: Block,
}

/// Starts a provider as Terraform does; `identity` is the client certificate.
async fn start_terraform_like(identity: &ClientIdentity) -> PluginClient {
    PluginClient::start_with(identity, TERRAFORM_LIKE)
        .await
        .unwrap_or_else(|e| panic!("{e}"))
}

async fn session() -> Session {
    let mut client = start_terraform_like(&ClientIdentity::generate()).await;
    let Schemas { provider, pipeline } = schemas(&mut client).await;
    let config = config_object(
        &provider,
        &Val::map([
            ("region", Val::str("us-east-1")),
            ("s3_use_path_style", Val::Bool(true)),
        ]),
    )
    .expect("provider config");
    let diags = client
        .configure_provider(&config)
        .await
        .expect("ConfigureProvider");
    assert!(errors(&diags).is_empty(), "{}", describe(&diags));
    Session { client, pipeline }
}

/// One operation's figures.
struct Measured {
    wall_ms: f64,
    calls: Vec<Call>,
    chain: Vec<Call>,
    /// The proxy's clock just before the request was sent.
    t0: f64,
}

impl Measured {
    fn json(&self, latency_ms: f64) -> Json {
        let depth = self.chain.len();
        json!({
            "wall_ms": self.wall_ms,
            "calls": self.calls.len(),
            "depth": depth,
            "wall_over_depth_latency": if depth > 0 && latency_ms > 0.0 {
                self.wall_ms / (depth as f64 * latency_ms)
            } else { f64::NAN },
            "chain": self.chain.iter().map(|c| c.op.clone()).collect::<Vec<_>>(),
            // Every call: operation, start and end in ms after the request
            // left the benchmark, and the HTTP status.
            "timeline": self.calls.iter().map(|c| json!([
                c.op,
                ((c.start - self.t0) * 1000.0).round(),
                ((c.end - self.t0) * 1000.0).round(),
            ])).collect::<Vec<_>>(),
        })
    }
}

async fn measured<F, T>(proxy: &Proxy, latency_ms: u64, op: F) -> (T, Measured)
where
    F: std::future::Future<Output = T>,
{
    proxy.reset(latency_ms);
    let t0 = proxy.stats()["now"].as_f64().unwrap_or(0.0);
    let start = Instant::now();
    let out = op.await;
    let wall = start.elapsed();
    let calls = calls_of(&proxy.stats());
    let chain = critical_path(&calls);
    (
        out,
        Measured {
            wall_ms: ms(wall),
            calls,
            chain,
            t0,
        },
    )
}

fn check(diags: &[support::plugin_client::tfplugin6::Diagnostic], what: &str, output: &str) {
    let errs = errors(diags);
    assert!(errs.is_empty(), "{what}: {}\n{output}", describe(diags));
}

/// Create, refresh (several times), update, destroy of one pipeline.
/// The pipeline's settings for a name and a retention.
type Settings = fn(&str, i64) -> Val;

async fn lifecycle(
    s: &mut Session,
    proxy: &Proxy,
    latency_ms: u64,
    name: &str,
    refreshes: usize,
) -> Vec<(&'static str, Measured)> {
    lifecycle_of(s, proxy, latency_ms, name, refreshes, pipeline_settings).await
}

async fn lifecycle_of(
    s: &mut Session,
    proxy: &Proxy,
    latency_ms: u64,
    name: &str,
    refreshes: usize,
    settings: Settings,
) -> Vec<(&'static str, Measured)> {
    let mut out = Vec::new();
    let config = config_object(&s.pipeline, &settings(name, 30)).unwrap();

    // Create: plan (no AWS call) then apply.
    let (plan, m) = measured(proxy, latency_ms, async {
        s.client
            .plan_resource_change(PIPELINE, &Val::Null, &config, &config, Vec::new())
            .await
            .expect("PlanResourceChange (create)")
    })
    .await;
    check(&plan.diagnostics, "plan create", &s.client.output());
    out.push(("plan", m));
    let planned = value_of(plan.planned_state.as_ref()).unwrap();
    let (applied, m) = measured(proxy, latency_ms, async {
        s.client
            .apply_resource_change(
                PIPELINE,
                &Val::Null,
                &planned,
                &config,
                plan.planned_private.clone(),
            )
            .await
            .expect("ApplyResourceChange (create)")
    })
    .await;
    check(&applied.diagnostics, "apply create", &s.client.output());
    out.push(("create", m));
    let mut state = value_of(applied.new_state.as_ref()).unwrap();
    let mut private = applied.private;

    // Refresh: ReadResource, as `terraform plan` does first.
    for _ in 0..refreshes {
        let (read, m) = measured(proxy, latency_ms, async {
            s.client
                .read_resource(PIPELINE, &state, private.clone())
                .await
                .expect("ReadResource")
        })
        .await;
        check(&read.diagnostics, "read", &s.client.output());
        state = value_of(read.new_state.as_ref()).unwrap();
        private = read.private;
        out.push(("refresh", m));
    }

    // Update: a new retention, planned and applied in place.
    let new_config = config_object(&s.pipeline, &settings(name, 60)).unwrap();
    let proposed = proposed_update(&state, 60);
    let plan = s
        .client
        .plan_resource_change(PIPELINE, &state, &proposed, &new_config, private.clone())
        .await
        .expect("PlanResourceChange (update)");
    check(&plan.diagnostics, "plan update", &s.client.output());
    let planned = value_of(plan.planned_state.as_ref()).unwrap();
    let (applied, m) = measured(proxy, latency_ms, async {
        s.client
            .apply_resource_change(
                PIPELINE,
                &state,
                &planned,
                &new_config,
                plan.planned_private.clone(),
            )
            .await
            .expect("ApplyResourceChange (update)")
    })
    .await;
    check(&applied.diagnostics, "apply update", &s.client.output());
    out.push(("update", m));
    state = value_of(applied.new_state.as_ref()).unwrap();
    private = applied.private;

    // Destroy: planned (null proposed state) and applied.
    let plan = s
        .client
        .plan_resource_change(PIPELINE, &state, &Val::Null, &Val::Null, private.clone())
        .await
        .expect("PlanResourceChange (destroy)");
    check(&plan.diagnostics, "plan destroy", &s.client.output());
    let (applied, m) = measured(proxy, latency_ms, async {
        s.client
            .apply_resource_change(
                PIPELINE,
                &state,
                &Val::Null,
                &Val::Null,
                plan.planned_private.clone(),
            )
            .await
            .expect("ApplyResourceChange (destroy)")
    })
    .await;
    check(&applied.diagnostics, "apply destroy", &s.client.output());
    out.push(("destroy", m));
    out
}

/// Median figures per operation over every run of one engine mode.
fn summarise(runs: &[(&'static str, Measured)], latency_ms: f64) -> Json {
    let mut summary = serde_json::Map::new();
    for op in ["plan", "create", "refresh", "update", "destroy"] {
        let of_op: Vec<&Measured> = runs
            .iter()
            .filter(|(o, _)| *o == op)
            .map(|(_, m)| m)
            .collect();
        if of_op.is_empty() {
            continue;
        }
        let mut walls: Vec<f64> = of_op.iter().map(|m| m.wall_ms).collect();
        let mut calls: Vec<f64> = of_op.iter().map(|m| m.calls.len() as f64).collect();
        let mut depths: Vec<f64> = of_op.iter().map(|m| m.chain.len() as f64).collect();
        let wall = median(&mut walls);
        let depth = median(&mut depths);
        // The run whose wall is closest to the median shows its chain.
        let typical = of_op
            .iter()
            .min_by(|a, b| {
                (a.wall_ms - wall)
                    .abs()
                    .partial_cmp(&(b.wall_ms - wall).abs())
                    .unwrap()
            })
            .unwrap();
        let mut operations: Vec<String> = typical.calls.iter().map(|c| c.op.clone()).collect();
        operations.sort();
        summary.insert(
            op.into(),
            json!({
                "runs": of_op.len(),
                "wall_ms": wall,
                "wall_ms_all": of_op.iter().map(|m| m.wall_ms).collect::<Vec<_>>(),
                "calls": median(&mut calls),
                "depth": depth,
                "wall_over_depth_latency": wall / (depth * latency_ms),
                "typical": typical.json(latency_ms),
                "operations": operations,
            }),
        );
    }
    Json::Object(summary)
}

// --- start-up and memory ----------------------------------------------------

/// Spawn to the handshake line, and to GetProviderSchema answered, with a
/// Terraform-like client.
async fn time_to_schema(identity: &ClientIdentity) -> (f64, f64, f64) {
    let mut client = start_terraform_like(identity).await;
    client
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    let times = client.start_times;
    (
        ms(times.handshake_after),
        ms(times.connected_after),
        ms(times.spawned_at.elapsed()),
    )
}

/// GetProviderSchema `n` times on a connection already up: the cost of a
/// small gRPC round trip to the provider, from a client with TCP_NODELAY (as
/// Terraform) and from the integration tests' client (Nagle on).
async fn schema_round_trips(n: usize) -> (Vec<f64>, Vec<f64>) {
    let mut terraform_like = start_terraform_like(&ClientIdentity::generate()).await;
    terraform_like
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    let mut tests_client = PluginClient::start()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    tests_client
        .get_provider_schema()
        .await
        .expect("GetProviderSchema");
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..n {
        let start = Instant::now();
        terraform_like
            .get_provider_schema()
            .await
            .expect("GetProviderSchema");
        a.push(ms(start.elapsed()));
        let start = Instant::now();
        tests_client
            .get_provider_schema()
            .await
            .expect("GetProviderSchema");
        b.push(ms(start.elapsed()));
    }
    (a, b)
}

fn status_kb(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find(|l| l.starts_with(field))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}

/// utime + stime of a live process, in milliseconds.
fn cpu_ms(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    // Fields 14 and 15 of stat(5); index 0 here is field 3.
    let ticks: u64 = fields[11].parse::<u64>().ok()? + fields[12].parse::<u64>().ok()?;
    let hz = 100.0; // sysconf(_SC_CLK_TCK) is 100 on Linux
    Some(ticks as f64 * 1000.0 / hz)
}

#[tokio::main]
async fn main() {
    // `cargo bench` passes `--bench`; there is nothing to filter.
    let proxy_url = std::env::var("BENCH_PROXY").expect("BENCH_PROXY: the fault proxy's URL");
    let latency_ms: u64 = env_or("BENCH_LATENCY_MS", 50);
    let repeat: usize = env_or("BENCH_REPEAT", 3);
    let starts: usize = env_or("BENCH_STARTS", 15);
    let suffix = std::env::var("BENCH_NAME_SUFFIX")
        .unwrap_or_else(|_| format!("{:x}", std::process::id() & 0xffff));
    let proxy = Proxy::new(&proxy_url);
    // Every AWS call of the providers started from here goes to the proxy.
    std::env::set_var("AWS_ENDPOINT_URL", &proxy_url);
    std::env::remove_var("RUST_BACKTRACE");
    eprintln!("bench: provider {PROVIDER_BINARY}");
    eprintln!("bench: proxy {proxy_url}, latency {latency_ms} ms, {repeat} lifecycles per mode");

    // Start-up.
    let identity = ClientIdentity::generate();
    let _ = time_to_schema(&identity).await; // warm the page cache
    let (mut handshake, mut connected, mut schema) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..starts {
        let (h, c, sc) = time_to_schema(&identity).await;
        handshake.push(h);
        connected.push(c);
        schema.push(sc);
    }
    let (mut again, mut again_tests) = schema_round_trips(starts).await;
    let startup = json!({
        "handshake_ms": median(&mut handshake.clone()),
        "handshake_ms_min": handshake.iter().cloned().fold(f64::INFINITY, f64::min),
        "handshake_ms_all": handshake,
        "connected_ms": median(&mut connected),
        "schema_ms": median(&mut schema.clone()),
        "schema_ms_all": schema,
        "schema_round_trip_ms": median(&mut again),
        "schema_round_trip_tests_client_ms": median(&mut again_tests),
    });
    eprintln!("bench: start-up {startup}");
    let binary_bytes = std::fs::metadata(PROVIDER_BINARY)
        .map(|m| m.len())
        .unwrap_or(0);

    // A lifecycle that is not measured: a fresh emulator answers its first
    // StartLogging and PutEventSelectors several times slower than later ones.
    {
        set_mode(None);
        let mut s = session().await;
        let warm_up = lifecycle(&mut s, &proxy, latency_ms, &format!("bench-w-{suffix}"), 1).await;
        for (op, m) in &warm_up {
            eprintln!("bench: warm-up {op:<8} {:>8.0} ms (not counted)", m.wall_ms);
        }
    }

    // One lifecycle per mode, alternating, `repeat` times.
    let mut modes = serde_json::Map::new();
    let mut memory = Json::Null;
    let mut runs: Vec<(&str, Limit, Runs)> = MODES
        .iter()
        .map(|(mode, limit)| (*mode, *limit, Vec::new()))
        .collect();
    for round in 0..repeat {
        for (index, (mode, limit, results)) in runs.iter_mut().enumerate() {
            set_mode(*limit);
            let mut s = session().await;
            let name = format!("bench-{index}-{suffix}-{round}");
            let refreshes = 3;
            let measured = lifecycle(&mut s, &proxy, latency_ms, &name, refreshes).await;
            for (op, m) in &measured {
                eprintln!(
                    "bench: {mode:>18} {op:<8} {:>8.0} ms  {:>3} calls  depth {:>2}",
                    m.wall_ms,
                    m.calls.len(),
                    m.chain.len()
                );
            }
            if *mode == "concurrent" && round == 0 {
                let pid = s.client.pid();
                memory = json!({
                    "vm_hwm_kb": status_kb(pid, "VmHWM:"),
                    "vm_rss_kb": status_kb(pid, "VmRSS:"),
                    "cpu_ms": cpu_ms(pid),
                    "what": "provider after schema, configure, plan, apply (create, update, destroy) and 3 refreshes of one pipeline",
                });
            }
            results.extend(measured);
        }
    }
    set_mode(None);
    for (mode, _, results) in &runs {
        modes.insert((*mode).into(), summarise(results, latency_ms as f64));
    }

    // A plan's peak RSS on its own: a fresh provider, schema, configure,
    // ReadResource and PlanResourceChange of a pipeline that exists.
    let plan_memory = {
        let name = format!("bench-m-{suffix}");
        let mut s = session().await;
        let config = config_object(&s.pipeline, &pipeline_settings(&name, 30)).unwrap();
        let plan = s
            .client
            .plan_resource_change(PIPELINE, &Val::Null, &config, &config, Vec::new())
            .await
            .unwrap();
        let planned = value_of(plan.planned_state.as_ref()).unwrap();
        let applied = s
            .client
            .apply_resource_change(
                PIPELINE,
                &Val::Null,
                &planned,
                &config,
                plan.planned_private,
            )
            .await
            .unwrap();
        check(&applied.diagnostics, "apply create", &s.client.output());
        let state = value_of(applied.new_state.as_ref()).unwrap();
        drop(s);
        // The plan, by a fresh provider, as `terraform plan` runs it.
        let mut p = session().await;
        let read = p
            .client
            .read_resource(PIPELINE, &state, applied.private.clone())
            .await
            .unwrap();
        let refreshed = value_of(read.new_state.as_ref()).unwrap();
        let plan = p
            .client
            .plan_resource_change(
                PIPELINE,
                &refreshed,
                &refreshed,
                &config,
                read.private.clone(),
            )
            .await
            .unwrap();
        check(&plan.diagnostics, "plan", &p.client.output());
        let pid = p.client.pid();
        let figures = json!({
            "vm_hwm_kb": status_kb(pid, "VmHWM:"),
            "cpu_ms": cpu_ms(pid),
        });
        // Clean up.
        let destroyed = p
            .client
            .apply_resource_change(PIPELINE, &refreshed, &Val::Null, &Val::Null, read.private)
            .await
            .unwrap();
        check(&destroyed.diagnostics, "destroy", &p.client.output());
        figures
    };

    // One pipeline at the scale (500 principals, 200 scopes): the
    // layout of many filters and rules, created, refreshed and planned once.
    let scale = {
        set_mode(None);
        let mut s = session().await;
        let name = format!("bench-s-{suffix}");
        let measured = lifecycle_of(&mut s, &proxy, latency_ms, &name, 3, at_scale).await;
        for (op, m) in &measured {
            eprintln!(
                "bench: {:>18} {op:<8} {:>8.0} ms  {:>3} calls  depth {:>2}",
                "500 x 200",
                m.wall_ms,
                m.calls.len(),
                m.chain.len()
            );
        }
        summarise(&measured, latency_ms as f64)
    };

    let report = json!({
        "scale": scale,
        "latency_ms": latency_ms,
        "repeat": repeat,
        "binary": PROVIDER_BINARY,
        "binary_bytes": binary_bytes,
        "startup": startup,
        "plan_memory": plan_memory,
        "lifecycle_memory": memory,
        "modes": modes,
    });
    let text = serde_json::to_string_pretty(&report).unwrap();
    match std::env::var("BENCH_OUT") {
        Ok(path) => {
            std::fs::write(&path, &text).expect("write BENCH_OUT");
            eprintln!("bench: wrote {path}");
        }
        Err(_) => println!("{text}"),
    }
}
