//! Metrics in Prometheus' text format, served on a listener of their own (`METRICS_ADDR`), never
//! on the public port. Each metric is named and recorded by the module it measures; this one
//! installs the recorder, describes them all, and serves them. Requests are counted by method, route template (never a raw path) and
//! status, with a latency histogram; the pool, the JWKS refreshes, the token cache, load
//! shedding and the web app's active sessions report too. No label ever holds an id or a token,
//! and every label takes its values from a closed set (a method outside the standard ones is
//! `other`, a path no route matched is `unmatched`), so no request can add series without bound.

use std::sync::OnceLock;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

use crate::auth::{JWKS_REFRESHES, TOKEN_CACHE};
use crate::http::instruments::{HTTP_DURATION, HTTP_REQUESTS, HTTP_SHED};
use crate::storage::{Database, POOL_ACQUIRE, POOL_CONNECTIONS, POOL_TIMEOUTS};

/// Request latency buckets, in seconds: from a cached token and a key lookup to the timeout.
const LATENCY_BUCKETS: &[f64] = &[
    0.000_5, 0.001, 0.002_5, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
];
/// How often the recorder's histograms are tidied, as its documentation asks when it is not
/// serving the metrics itself.
const UPKEEP_PERIOD: Duration = Duration::from_secs(5);

pub const SESSIONS: &str = "web_sessions_active";

/// The process-wide recorder: metrics are recorded whether or not they are served.
fn handle() -> &'static PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE.get_or_init(|| {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)
            .expect("the buckets are not empty")
            .build_recorder();
        let handle = recorder.handle();
        // Set once per process; a second server in the same process (the tests) shares it.
        let _ = metrics::set_global_recorder(recorder);
        describe();
        handle
    })
}

fn describe() {
    metrics::describe_counter!(
        HTTP_REQUESTS,
        "Requests answered, by method, route and status."
    );
    metrics::describe_histogram!(
        HTTP_DURATION,
        "Time to answer a request, by method and route."
    );
    metrics::describe_counter!(
        HTTP_SHED,
        "Requests refused at once with 503: too many in flight."
    );
    metrics::describe_gauge!(
        POOL_CONNECTIONS,
        "Database connections, by state (in_use, idle)."
    );
    metrics::describe_histogram!(
        POOL_ACQUIRE,
        "Time a request waited for a database connection."
    );
    metrics::describe_counter!(
        POOL_TIMEOUTS,
        "Waits for a database connection that gave up."
    );
    metrics::describe_counter!(
        JWKS_REFRESHES,
        "JWKS fetches, by outcome (installed, unchanged, failed)."
    );
    metrics::describe_counter!(
        TOKEN_CACHE,
        "Verified-token cache lookups, by result (hit, miss)."
    );
    metrics::describe_gauge!(
        SESSIONS,
        "Web app sessions neither past their lifetime nor idle too long."
    );
}

/// Starts recording (idempotent), with the upkeep task the recorder needs.
pub fn init() {
    static UPKEEP: OnceLock<()> = OnceLock::new();
    let handle = handle();
    UPKEEP.get_or_init(|| {
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(UPKEEP_PERIOD);
            loop {
                tick.tick().await;
                handle.run_upkeep();
            }
        });
    });
}

/// What the metrics listener reads at scrape time.
#[derive(Clone)]
struct Sources {
    db: Database,
    /// After this long without a request, a web session is over.
    session_idle_timeout: Duration,
}

/// The router of the metrics listener: `GET /metrics`.
pub fn router(db: Database, session_idle_timeout: Duration) -> Router {
    Router::new()
        .route("/metrics", get(render))
        .with_state(Sources {
            db,
            session_idle_timeout,
        })
}

async fn render(State(sources): State<Sources>) -> Response {
    let (size, idle) = sources.db.pool_size();
    metrics::gauge!(POOL_CONNECTIONS, "state" => "in_use").set(f64::from(size - idle));
    metrics::gauge!(POOL_CONNECTIONS, "state" => "idle").set(f64::from(idle));
    match crate::web::count_active_sessions(&sources.db, sources.session_idle_timeout).await {
        Ok(active) => metrics::gauge!(SESSIONS).set(active as f64),
        Err(error) => tracing::warn!(%error, "cannot count the active sessions"),
    }
    (
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        handle().render(),
    )
        .into_response()
}
