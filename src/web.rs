//! The one HTTP listener of `serve`, on `http.listen`: `GET /healthz` always ([`crate::health`]),
//! `GET /metrics` when `http.metrics` is on ([`crate::metrics`]; a 404 otherwise), and Slack's signed
//! `/slack/commands` and `/slack/interactions` when the signing secret is set
//! ([`crate::slack::server::routes`]). Every route runs on the same accept loop
//! ([`crate::slack::listen::run`]: head timeout, connection cap, graceful shutdown) within the same
//! body and request timeouts ([`crate::slack::server::limited`]).

use std::future::Future;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::json;
use tokio::net::TcpListener;
use tracing::error;

use crate::health::Health;
use crate::metrics::{self, Metrics};
use crate::slack::server::{self, SlackState};
use crate::slack::{EndpointLimits, listen};

/// What the listener serves.
#[derive(Clone)]
pub struct Site {
    pub health: Health,
    /// `/metrics`, when `http.metrics` is on.
    pub metrics: Option<Metrics>,
    /// Slack's routes, when the signing secret is set.
    pub slack: Option<SlackState>,
}

/// Every route of `site`, within the body and request timeouts of `limits`.
pub fn router(site: Site, limits: &EndpointLimits) -> Router {
    let mut router = Router::new().route("/healthz", get(healthz)).with_state(site.health);
    if let Some(metrics) = site.metrics {
        router = router.merge(Router::new().route("/metrics", get(metrics_text)).with_state(metrics));
    }
    if let Some(slack) = site.slack {
        router = router.merge(server::routes(slack));
    }
    server::limited(router, limits)
}

/// Serves [`router`] on `listener` until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: TcpListener,
    site: Site,
    limits: EndpointLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::run(listener, router(site, &limits), limits, shutdown).await
}

/// 200 with the report when healthy, 503 when not (or when the state cannot be read).
async fn healthz(State(health): State<Health>) -> Response {
    // The facts come from SQLite: off the async workers, a few checks at a time.
    let _place = health.place().await;
    match tokio::task::spawn_blocking(move || health.check()).await {
        Ok(Ok(report)) => {
            let status = if report.healthy() { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
            (status, axum::Json(report.json())).into_response()
        }
        Ok(Err(e)) => unhealthy(format!("the state database cannot be read: {e}")),
        Err(e) => unhealthy(format!("the health check failed: {e}")),
    }
}

fn unhealthy(problem: String) -> Response {
    let body = json!({"status": "unhealthy", "problems": [problem]});
    (StatusCode::SERVICE_UNAVAILABLE, axum::Json(body)).into_response()
}

async fn metrics_text(State(metrics): State<Metrics>) -> Response {
    match metrics.encode() {
        Ok(text) => ([(header::CONTENT_TYPE, metrics::CONTENT_TYPE)], text).into_response(),
        Err(e) => {
            error!(error = %e, "the metrics could not be written");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
