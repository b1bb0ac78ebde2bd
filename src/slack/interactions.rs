//! `POST /slack/interactions`: Slack's Interactivity Request URL, where every button click arrives.
//!
//! Slack posts a `block_actions` interaction even when the button only opens a link (`Read the
//! original` on each article), and warns the user unless the app answers 200 within 3 s. The request
//! is verified exactly as a slash command is (`server::verified`: the body capped at 64 KiB, the
//! signature and its five-minute window); its one form field, `payload`, is parsed into an
//! [`Interaction`] ([`parse`], pure), which [`dispatch`] acts on before the empty 200 goes out. A link
//! button needs nothing more than that answer; an approval request's Approve or Hold, clicked by an
//! editor, records the decision (`Bot::decide`, on a blocking thread); any other button, and every
//! other interaction type, is acknowledged and logged. Only the fields the log needs are read: the `response_url` and
//! `trigger_id` (which let whoever holds them answer as the app) are never deserialised, so never
//! logged, and no answer echoes the payload.

use axum::Form;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::error::Category;
use tracing::{debug, info, warn};

use super::server::{self, SlackState};
use crate::logging::untrusted;

/// An interaction Slack sent, reduced to what digestbot acts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Interaction {
    /// A click on one or more buttons (Slack sends one action per click), in a channel (empty when
    /// the payload names none).
    BlockActions { user_id: String, channel_id: String, actions: Vec<Action> },
    /// `view_submission`, `shortcut`, `message_action`, or a type Slack adds later: acknowledged,
    /// nothing done.
    Other { kind: String },
}

/// One clicked element of a `block_actions` interaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Action {
    pub action_id: String,
    pub kind: ActionKind,
}

/// What a click asks of digestbot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionKind {
    /// A URL button: Slack opened the link itself; the acknowledgement is all it needs.
    Link,
    /// An approval request's Approve (`approve`) or Hold button, for this digest and version.
    Decide { approve: bool, digest: String, version: String },
    /// Anything else without a `url` (a plain button, a menu): digestbot has no handler for it.
    Unhandled,
}

/// Why a signed request's `payload` is not an interaction (answered 400).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("the form has no payload field")]
    Missing,
    /// serde_json's own message can quote the payload's strings: only the kind and place of the fault.
    #[error("the payload is not an interaction ({what} at line {line}, column {column})")]
    Malformed { what: &'static str, line: usize, column: usize },
}

impl From<serde_json::Error> for PayloadError {
    fn from(e: serde_json::Error) -> PayloadError {
        let what = match e.classify() {
            Category::Io => "unreadable",
            Category::Syntax => "not JSON",
            Category::Data => "unexpected shape",
            Category::Eof => "cut short",
        };
        PayloadError::Malformed { what, line: e.line(), column: e.column() }
    }
}

/// The form Slack posts an interaction in.
#[derive(Deserialize)]
struct InteractionForm {
    #[serde(default)]
    payload: Option<String>,
}

/// Every interaction has a `type`; the rest depends on it.
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
}

/// The fields of a `block_actions` payload that are used (serde skips the rest unread into any type).
#[derive(Deserialize)]
struct BlockActions {
    #[serde(default)]
    user: Option<User>,
    #[serde(default)]
    channel: Option<User>,
    #[serde(default)]
    actions: Vec<RawAction>,
}

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    id: String,
}

#[derive(Deserialize)]
struct RawAction {
    #[serde(default)]
    action_id: String,
    #[serde(default)]
    url: Option<String>,
}

/// Parses an interaction's `payload` JSON. The effort is bounded by the body cap (64 KiB) and
/// serde_json's nesting limit.
pub fn parse(payload: &str) -> Result<Interaction, PayloadError> {
    let Envelope { kind } = serde_json::from_str(payload)?;
    if kind != "block_actions" {
        return Ok(Interaction::Other { kind });
    }
    let BlockActions { user, channel, actions } = serde_json::from_str(payload)?;
    let actions = actions
        .into_iter()
        .map(|a| {
            let kind = match crate::command::approval::parse_decision_id(&a.action_id) {
                _ if a.url.is_some() => ActionKind::Link,
                Some((approve, digest, version)) => {
                    ActionKind::Decide { approve, digest: digest.to_string(), version: version.to_string() }
                }
                None => ActionKind::Unhandled,
            };
            Action { kind, action_id: a.action_id }
        })
        .collect();
    Ok(Interaction::BlockActions {
        user_id: user.map(|u| u.id).unwrap_or_default(),
        channel_id: channel.map(|c| c.id).unwrap_or_default(),
        actions,
    })
}

/// How many actions of one interaction are logged one by one.
const MAX_LOGGED_ACTIONS: usize = 5;

/// Acts on an interaction before it is acknowledged: logs it, and records an editor's Approve or
/// Hold (on a blocking thread, so that the acknowledgement still goes out at once; the editors'
/// channel is told of the decision). A click by someone who is not an editor is logged and ignored.
pub fn dispatch(state: &SlackState, interaction: &Interaction) {
    match interaction {
        Interaction::BlockActions { user_id, channel_id, actions } => {
            // A click carries one action; a forged or replayed payload may carry thousands: a few
            // lines each, then one line for the rest.
            if actions.len() > MAX_LOGGED_ACTIONS {
                info!(actions = actions.len(), user = %untrusted(user_id), "an interaction with more actions than a click has; only the first are logged");
            }
            for action in actions.iter().take(MAX_LOGGED_ACTIONS) {
                let action_id = untrusted(&action.action_id);
                let user = untrusted(user_id);
                match &action.kind {
                    ActionKind::Link => debug!(action_id = %action_id, user = %user, "link button clicked"),
                    ActionKind::Unhandled => info!(action_id = %action_id, user = %user, "button without a handler"),
                    ActionKind::Decide { approve, digest, version } => {
                        let config = &state.bot.config;
                        let editors = config.editors.slack.as_deref();
                        if !server::is_editor(&config.slack, editors, channel_id, user_id) {
                            warn!(user = %user, "an approval button clicked by someone who is not an editor; ignored");
                            continue;
                        }
                        info!(approve, digest = %untrusted(digest), user = %user, "approval button");
                        let (bot, approve) = (state.bot.clone(), *approve);
                        let (digest, version, who) = (digest.clone(), version.clone(), format!("slack:{user_id}"));
                        tokio::task::spawn_blocking(move || {
                            if let Err(e) = bot.decide(&digest, Some(&version), approve, &who) {
                                warn!(error = %e, "could not record the decision");
                            }
                        });
                    }
                }
            }
        }
        Interaction::Other { kind } => debug!(kind = %untrusted(kind), "Slack interaction acknowledged; nothing to do"),
    }
}

/// The route: verified as every signed request is, then parsed, dispatched and answered 200 with an
/// empty body; a payload that is missing or not an interaction is a 400 that does not echo it.
pub(super) async fn interactions(State(state): State<SlackState>, request: Request) -> Response {
    let request = match server::verified(&state, request).await {
        Ok(request) => request,
        Err(answer) => return answer,
    };
    let form = match Form::<InteractionForm>::from_request(request, &state).await {
        Ok(Form(form)) => form,
        Err(rejection) => {
            // The rejection's text can quote the body: its status says enough.
            warn!(status = rejection.status().as_u16(), "signed Slack request is not an interaction form");
            return (StatusCode::BAD_REQUEST, "not an interaction form").into_response();
        }
    };
    let parsed = form.payload.as_deref().ok_or(PayloadError::Missing).and_then(parse);
    match parsed {
        Ok(interaction) => {
            dispatch(&state, &interaction);
            StatusCode::OK.into_response()
        }
        Err(e) => {
            warn!(error = %e, "signed Slack request has no usable interaction payload");
            let answer = match e {
                PayloadError::Missing => "payload is missing",
                PayloadError::Malformed { .. } => "payload is not an interaction",
            };
            (StatusCode::BAD_REQUEST, answer).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn link(action_id: &str) -> Action {
        Action { action_id: action_id.into(), kind: ActionKind::Link }
    }

    #[test]
    fn a_url_button_is_a_link_and_a_plain_one_unhandled() {
        let payload = json!({
            "type": "block_actions",
            "user": {"id": "U0001", "name": "someone"},
            "response_url": "https://hooks.slack.com/actions/T/1/secret",
            "trigger_id": "1.2.secret",
            "message": {"ts": "1700000000.000100", "text": "hi"},
            "actions": [
                {"type": "button", "action_id": "read-1", "url": "https://example.com/1", "text": {"type": "plain_text", "text": "Read"}},
                {"type": "button", "action_id": "vote", "value": "up"},
            ],
        });
        let expected = Interaction::BlockActions {
            user_id: "U0001".into(),
            channel_id: String::new(),
            actions: vec![link("read-1"), Action { action_id: "vote".into(), kind: ActionKind::Unhandled }],
        };
        assert_eq!(parse(&payload.to_string()), Ok(expected));
    }

    #[test]
    fn an_approval_button_names_its_digest_and_version() {
        let payload = json!({
            "type": "block_actions",
            "user": {"id": "U0001"},
            "channel": {"id": "CEDIT", "name": "editors"},
            "actions": [
                {"type": "button", "action_id": "digest:approve:2026-02-16:00ab", "value": "2026-02-16:00ab"},
                {"type": "button", "action_id": "digest:hold:2026-02-16:00ab"},
                {"type": "button", "action_id": "digest:approve:2026-02-16", "value": "no version"},
            ],
        });
        let Ok(Interaction::BlockActions { channel_id, actions, .. }) = parse(&payload.to_string()) else { panic!() };
        assert_eq!(channel_id, "CEDIT");
        let decide = |approve| ActionKind::Decide { approve, digest: "2026-02-16".into(), version: "00ab".into() };
        assert_eq!(actions[0].kind, decide(true));
        assert_eq!(actions[1].kind, decide(false));
        assert_eq!(actions[2].kind, ActionKind::Unhandled, "a value that names no version is no decision");
    }

    #[test]
    fn other_types_are_named_and_their_shape_is_not_checked() {
        for kind in ["view_submission", "shortcut", "message_action", "something_new"] {
            // `actions` of another shape is no concern of a type digestbot does not act on.
            let payload = json!({"type": kind, "actions": "not a list", "user": 7});
            assert_eq!(parse(&payload.to_string()), Ok(Interaction::Other { kind: kind.into() }), "{kind}");
        }
    }

    #[test]
    fn missing_fields_of_a_click_are_empty() {
        let parsed = parse(r#"{"type":"block_actions","actions":[{"url":"https://e.x"}]}"#);
        let empty = |actions| Interaction::BlockActions { user_id: String::new(), channel_id: String::new(), actions };
        assert_eq!(parsed, Ok(empty(vec![link("")])));
        assert_eq!(parse(r#"{"type":"block_actions"}"#), Ok(empty(vec![])));
    }

    #[test]
    fn what_is_not_an_interaction_is_refused_without_quoting_it() {
        for bad in [
            "",
            "payload",
            "[1, 2]",
            r#"{"no_type": true}"#,
            r#"{"type": 5}"#,
            r#"{"type": "block_actions", "user": "xoxb-quoted-secret"}"#,
            r#"{"type": "block_actions", "actions": [{"url": 5}]"#,
            &"[".repeat(10_000),
        ] {
            let e = parse(bad).unwrap_err();
            assert!(matches!(e, PayloadError::Malformed { .. }), "{bad:.40}: {e:?}");
            assert!(!e.to_string().contains("xoxb"), "{e}");
        }
    }
}
