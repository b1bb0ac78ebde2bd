//! Slack: the `/digest` slash-command endpoint, and the two ways a digest is posted to Slack.
//!
//! Slack calls us for commands and we call Slack for deliveries; the two directions share nothing but
//! the HTTP client. [`server`] is the endpoint (signed requests checked by [`verify`], replies split by
//! [`reply`] into the HTTP answer and `response_url` follow-ups); [`api`] (`chat.postMessage` with the
//! bot token) and [`webhook`] (incoming webhooks) are the delivery [`Sink`]s; [`http`] holds what they
//! share. The payloads themselves come from `render::slack`; nothing here builds a message, and no
//! credential (token, signing secret, webhook or response URL) is ever logged or put in an error.
//!
//! Wiring, in `main`: read [`Credentials::from_env`]; build one client with [`http::client`]; add
//! every sink from [`sinks`] to the `Deliverer`; when both credentials are set, bind `slack.listen`
//! and run [`serve`] with a [`SlackState`].

pub mod http;
pub mod verify;
