//! The Slack HTTP endpoint: `POST /slack/commands` for the `/digest` slash command and
//! `POST /slack/interactions` for button clicks ([`super::interactions`]). `serve` mounts [`routes`]
//! on its one listener beside `/healthz` and `/metrics` ([`crate::web`]), only when the signing secret
//! is set.
//!
//! A slash command arrives as a signed, form-encoded POST. The handler reads the raw body (at most
//! 64 KiB) and verifies the signature against the bot's clock (`verified`, which every signed route
//! shares), and only then parses the form: any verification failure is a 401 with nothing done, a
//! verified body that is not a usable form a 400.
//! It then runs the command through the shared [`Bot::run`], answers with the first Slack message in
//! the HTTP response (well within Slack's 3 s), and posts the rest to the `response_url` from a
//! spawned task once that response is on its way, if that URL is one `slack.response_url_prefixes`
//! allows ([`reply::allowed_response_url`]). [`serve`] takes an already bound listener and a
//! shutdown future, so tests bind `127.0.0.1:0` and stop the server when they like; the connections
//! themselves (head timeout, connection cap) are [`super::listen`]'s, the body and request timeouts
//! the tower-http layers of [`limited`].

use std::future::Future;
use std::time::Duration;

use axum::Form;
use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{FromRequest, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde::Deserialize;
use serde_json::Value;
use tokio::sync::oneshot;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutError, TimeoutLayer};
use tracing::{error, info, warn};

use super::interactions;
use super::listen::{self, EndpointLimits};
use super::reply::{self, RESPONSE_URL_USES};
use super::verify::{MAX_BODY, SIGNATURE_HEADER, TIMESTAMP_HEADER, VerifyError, verify};
use crate::bot::{Bot, Caller};
use crate::command::{self, Denied};
use crate::config::SlackConfig;
use crate::http::{REQUEST_TIMEOUT, describe, snippet};
use crate::logging::untrusted;
use crate::secret::Secret;
use crate::target::{Platform, Target};

/// Waits before retrying a follow-up that failed for a temporary reason; one entry per retry.
const FOLLOWUP_BACKOFF: [Duration; 2] = [Duration::from_millis(250), Duration::from_secs(1)];
/// The longest the follow-ups wait for the first answer to be handed to the connection.
const RESPONSE_DEADLINE: Duration = Duration::from_secs(3);

/// What the endpoint needs. Cheap to clone: every field is a handle.
#[derive(Clone)]
pub struct SlackState {
    pub bot: Bot,
    /// The app's signing secret (`SLACK_SIGNING_SECRET`); every request is verified with it.
    pub signing_secret: Secret,
    /// For the `response_url` follow-ups: [`reply::followup_client`], which follows no redirect.
    pub http: reqwest::Client,
}

impl SlackState {
    /// The endpoint's state, with its own follow-up client ([`reply::followup_client`]).
    pub fn new(bot: Bot, signing_secret: Secret) -> anyhow::Result<SlackState> {
        Ok(SlackState { bot, signing_secret, http: reply::followup_client()? })
    }
}

/// The form Slack posts for a slash command (fields we do not use are ignored).
#[derive(Debug, Deserialize)]
struct SlashCommand {
    #[serde(default)]
    team_id: String,
    /// Optional here so that Slack's `ssl_check` pings, which have none, parse; a command without
    /// one is refused.
    #[serde(default)]
    channel_id: Option<String>,
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    command: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    response_url: Option<String>,
    #[serde(default)]
    ssl_check: Option<String>,
}

/// Slack's routes, `/slack/commands` and `/slack/interactions`, without any limit: for a router
/// that [`limited`] bounds as a whole.
pub fn routes(state: SlackState) -> Router {
    Router::new()
        .route("/slack/commands", post(commands))
        .route("/slack/interactions", post(interactions::interactions))
        .with_state(state)
}

/// [`routes`] within the body and request timeouts of `limits`.
pub fn router(state: SlackState, limits: &EndpointLimits) -> Router {
    limited(routes(state), limits)
}

/// `router` with the body and request timeouts of `limits`: a body that pauses longer than
/// `body_timeout` fails to read (answered 408), and a request not answered within
/// `request_timeout` of its head, however slowly its body trickles in, is answered 408.
pub fn limited(router: Router, limits: &EndpointLimits) -> Router {
    router
        .layer(RequestBodyTimeoutLayer::new(limits.body_timeout))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout))
}

/// Serves [`router`] on `listener` with the default [`EndpointLimits`] until `shutdown` completes,
/// then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: SlackState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    serve_with(listener, state, EndpointLimits::default(), shutdown).await
}

/// [`serve`] with other limits (tests use timeouts of a fraction of a second).
pub async fn serve_with(
    listener: tokio::net::TcpListener,
    state: SlackState,
    limits: EndpointLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    listen::run(listener, router(state, &limits), limits, shutdown).await
}

/// Reads `request`'s body (at most [`MAX_BODY`] bytes, refused unread when its `Content-Length` says
/// more) and checks Slack's signature over it against the bot's clock. `Ok` is the request with its
/// body in memory, for a `Form` extractor; `Err` the answer to send: 401 for any verification failure
/// (an oversized body included), 408 for a body that stopped arriving. Every signed route goes
/// through here, so each is verified exactly as the others.
pub(super) async fn verified(state: &SlackState, request: Request) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    // A body announced as too large is refused before any of it is read (or waited for).
    let announced = parts.headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if announced.is_some_and(|length| length > MAX_BODY as u64) {
        warn!("Slack request refused: its Content-Length is over {MAX_BODY} bytes");
        return Err(refused());
    }
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(bytes) => bytes,
        Err(e) if is_timeout(&e) => {
            warn!("Slack request dropped: its body stopped arriving");
            return Err((StatusCode::REQUEST_TIMEOUT, "the request body did not arrive in time").into_response());
        }
        Err(_) => {
            warn!("Slack request refused: the body is over {MAX_BODY} bytes or could not be read");
            return Err(refused());
        }
    };
    // A header that is not visible ASCII cannot be a valid timestamp or signature: "" fails as such.
    let header = |name: &str| parts.headers.get(name).map(|v| v.to_str().unwrap_or(""));
    let checked =
        verify(&state.signing_secret, header(TIMESTAMP_HEADER), header(SIGNATURE_HEADER), &bytes, state.bot.now());
    match checked {
        Ok(()) => Ok(Request::from_parts(parts, Body::from(bytes))),
        Err(e @ VerifyError::NoSecret) => {
            error!(error = %e, "Slack request refused: set SLACK_SIGNING_SECRET");
            Err(refused())
        }
        Err(e) => {
            warn!(error = %e, "Slack request refused");
            Err(refused())
        }
    }
}

async fn commands(State(state): State<SlackState>, request: Request) -> Response {
    let request = match verified(&state, request).await {
        Ok(request) => request,
        Err(answer) => return answer,
    };
    let form = match Form::<SlashCommand>::from_request(request, &state).await {
        Ok(Form(form)) => form,
        Err(rejection) => {
            warn!(error = %untrusted(&rejection.body_text()), "signed Slack request is not a slash-command form");
            return (StatusCode::BAD_REQUEST, "not a slash command form").into_response();
        }
    };
    if form.ssl_check.as_deref() == Some("1") {
        return StatusCode::OK.into_response();
    }
    let Some(channel) = form.channel_id.filter(|c| !c.trim().is_empty()) else {
        warn!(command = %untrusted(&form.command), "signed Slack request has no channel_id");
        return (StatusCode::BAD_REQUEST, "channel_id is missing").into_response();
    };
    // Slack's ids are a letter and up to a few dozen upper-case letters and digits; anything else is
    // never stored as a subscription.
    if !is_slack_id(&channel) {
        warn!(channel = %untrusted(&channel), "signed Slack request has a malformed channel_id");
        return (StatusCode::BAD_REQUEST, "channel_id is malformed").into_response();
    }
    info!(
        team = %untrusted(&form.team_id),
        channel = %untrusted(&channel),
        user = %untrusted(&form.user_id),
        command = %untrusted(&form.command),
        text = %untrusted(&form.text),
        "slash command"
    );

    let config = &state.bot.config;
    let caller = caller(&config.slack, config.editors.slack.as_deref(), &channel, &form.user_id);
    let locale = state.bot.config.locale;
    let text = unescape(&form.text);
    let bot = state.bot.clone();
    // `subscribe`, `unsubscribe` and `status` touch SQLite: short statements, but a subscribe waits
    // for an fsync (synchronous=FULL) and a busy database for up to 5 s. Off the async workers, so a
    // slow disk never stalls other requests or a delivery in progress on the same runtime.
    let answered = tokio::task::spawn_blocking(move || match command::parse(&text) {
        Ok(command) => bot.run(&command, &caller),
        Err(e) => command::error_reply(&e, locale),
    })
    .await;
    let reply = answered.unwrap_or_else(|e| {
        error!(error = %e, channel = %untrusted(&channel), "the command panicked");
        command::internal_error(locale)
    });

    let plan = reply::plan(&reply, locale);
    let body = serde_json::to_vec(&plan.response).expect("a JSON value always serialises");
    if plan.followups.is_empty() {
        return json_response(Bytes::from(body));
    }
    let dropped = plan.followups.len();
    let Some(given) = form.response_url else {
        warn!(channel = %untrusted(&channel), dropped, "no response_url; the rest of the reply is dropped");
        return json_response(Bytes::from(body));
    };
    let url = match reply::allowed_response_url(&given, &state.bot.config.slack.response_url_prefixes) {
        Ok(url) => url,
        Err(e) => {
            // The URL is a credential, even a forged one: the host says enough to find the sender.
            let host = reply::host_for_log(&given);
            warn!(channel = %untrusted(&channel), host = %untrusted(host), dropped, "response_url refused ({e}); the rest of the reply is dropped");
            return json_response(Bytes::from(body));
        }
    };
    let (sent, response_sent) = oneshot::channel();
    let url = Secret::new(String::from(url));
    tokio::spawn(send_followups(state.http.clone(), url, plan.followups, channel, response_sent));
    json_response(Bytes::from_owner(SignalWhenDropped { bytes: body, _sent: sent }))
}

/// Who is calling: the channel, and whether the user may change its subscription (anyone, unless
/// `slack.admins` is set; then only those users) and is an editor ([`is_editor`]).
pub fn caller(config: &SlackConfig, editors: Option<&str>, channel_id: &str, user_id: &str) -> Caller {
    let may_manage = if config.admins.is_empty() || config.admins.iter().any(|a| a == user_id) {
        Ok(())
    } else {
        Err(Denied::NotAdmin)
    };
    let mut caller = Caller::new(Target::new(Platform::Slack, channel_id), may_manage);
    if is_editor(config, editors, channel_id, user_id) {
        caller.editor = Ok(());
    }
    caller.who = format!("slack:{user_id}");
    caller
}

/// Editors on Slack: the users in `slack.admins`, and whoever acts in the editors' channel (only its
/// members can).
pub fn is_editor(config: &SlackConfig, editors: Option<&str>, channel_id: &str, user_id: &str) -> bool {
    (!user_id.is_empty() && config.admins.iter().any(|a| a == user_id))
        || editors.is_some_and(|editors| !channel_id.is_empty() && editors == channel_id)
}

/// Slack escapes `&`, `<` and `>` in a command's text; this is what the user typed.
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
}

/// Whether reading the body failed because tower-http's body timeout fired.
fn is_timeout(error: &axum::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(e) = cause {
        if e.is::<TimeoutError>() {
            return true;
        }
        cause = e.source();
    }
    false
}

/// Whether `id` looks like a Slack id (`C0123ABC`, `G…`, `D…`): one upper-case letter, then 1 to 39
/// upper-case letters and digits.
fn is_slack_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    (2..=40).contains(&bytes.len())
        && bytes[0].is_ascii_uppercase()
        && bytes[1..].iter().all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
}

fn refused() -> Response {
    (StatusCode::UNAUTHORIZED, "invalid request signature").into_response()
}

fn json_response(body: Bytes) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// The bytes of the first answer, which tell the follow-up task when the connection is done with
/// them: hyper drops a response body once it has written (or given up on) it, and dropping the
/// sender wakes the receiver.
struct SignalWhenDropped {
    bytes: Vec<u8>,
    _sent: oneshot::Sender<()>,
}

impl AsRef<[u8]> for SignalWhenDropped {
    fn as_ref(&self) -> &[u8] {
        &self.bytes
    }
}

/// Why a follow-up post failed, split by whether trying again may help.
#[derive(Debug, thiserror::Error)]
enum FollowupError {
    /// A network error, a timeout or a 5xx.
    #[error("{0}")]
    Temporary(String),
    /// Slack refused it (an expired or used-up `response_url`, a bad body): the rest would fare no better.
    #[error("{0}")]
    Refused(String),
}

/// Posts the follow-ups in order, after the first answer went out, never using the `response_url`
/// more than Slack allows (retries included: a failed post may have counted). The URL is a
/// credential, so the log names the channel, never the URL.
async fn send_followups(
    http: reqwest::Client,
    url: Secret,
    bodies: Vec<Value>,
    channel: String,
    response_sent: oneshot::Receiver<()>,
) {
    let _ = tokio::time::timeout(RESPONSE_DEADLINE, response_sent).await;
    let mut uses_left = RESPONSE_URL_USES;
    for (index, body) in bodies.iter().enumerate() {
        // The HTTP response was message 1.
        let message = index + 2;
        let mut retries = FOLLOWUP_BACKOFF.iter();
        loop {
            if uses_left == 0 {
                warn!(channel = %untrusted(&channel), dropped = bodies.len() - index, "response_url used up; the rest of the reply is dropped");
                return;
            }
            uses_left -= 1;
            match post_followup(&http, &url, body).await {
                Ok(()) => break,
                Err(FollowupError::Temporary(e)) => match retries.next() {
                    Some(wait) => {
                        warn!(channel = %untrusted(&channel), message, error = %untrusted(&e.to_string()), ?wait, "follow-up failed; retrying");
                        tokio::time::sleep(*wait).await;
                    }
                    None => {
                        warn!(channel = %untrusted(&channel), message, error = %untrusted(&e.to_string()), "follow-up failed; the rest of the reply is dropped");
                        return;
                    }
                },
                Err(e @ FollowupError::Refused(_)) => {
                    warn!(channel = %untrusted(&channel), message, error = %untrusted(&e.to_string()), "follow-up refused; the rest of the reply is dropped");
                    return;
                }
            }
        }
    }
}

async fn post_followup(http: &reqwest::Client, url: &Secret, body: &Value) -> Result<(), FollowupError> {
    let response = http
        .post(url.expose())
        .timeout(REQUEST_TIMEOUT)
        .json(body)
        .send()
        .await
        .map_err(|e| FollowupError::Temporary(describe(&e)))?;
    let status = response.status();
    if status.is_success() {
        return Ok(());
    }
    let answer = snippet(&response.text().await.unwrap_or_default());
    let what = format!("HTTP {} {answer}", status.as_u16()).trim_end().to_string();
    if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
        Err(FollowupError::Temporary(what))
    } else {
        Err(FollowupError::Refused(what))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admins_limit_who_manages_subscriptions() {
        let mut config = SlackConfig::default();
        let open = caller(&config, None, "C1", "U1");
        assert_eq!(open.target, Target::new(Platform::Slack, "C1"));
        assert_eq!(open.may_manage, Ok(()));
        assert_eq!(open.editor, Err(Denied::NotEditor { slack: true }), "nobody is an editor by default");
        assert_eq!(open.who, "slack:U1");
        config.admins = vec!["U2".into(), "W3".into()];
        assert_eq!(caller(&config, None, "C1", "U1").may_manage, Err(Denied::NotAdmin));
        assert_eq!(caller(&config, None, "C1", "U2").may_manage, Ok(()));
        assert_eq!(caller(&config, None, "C1", "W3").may_manage, Ok(()));
        assert_eq!(caller(&config, None, "C1", "").may_manage, Err(Denied::NotAdmin));
        // Editors: the admins, and anyone in the editors' channel.
        assert_eq!(caller(&config, None, "C1", "U2").editor, Ok(()));
        assert_eq!(caller(&config, Some("CEDIT"), "CEDIT", "U1").editor, Ok(()));
        assert!(caller(&config, Some("CEDIT"), "C1", "U1").editor.is_err());
        assert!(caller(&config, Some("CEDIT"), "", "").editor.is_err());
    }

    #[test]
    fn slack_escapes_are_undone_once() {
        assert_eq!(unescape("keyword C++ &amp; Rust"), "keyword C++ & Rust");
        assert_eq!(unescape("a &lt;b&gt;"), "a <b>");
        // The user typed `&lt;` literally; Slack sent `&amp;lt;`.
        assert_eq!(unescape("&amp;lt;"), "&lt;");
    }
}
