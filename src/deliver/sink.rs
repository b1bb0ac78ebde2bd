//! What a delivery sink must do: the contract between the [`Deliverer`](super::Deliverer) and each
//! way of posting (Discord's Create Message and Execute Webhook, Slack's `chat.postMessage` and
//! incoming webhooks).
//!
//! A sink sends one message body to a target and sorts the answer into [`Sent`] or a [`SendError`]
//! by what the engine does next; it may look for a part an earlier attempt posted
//! ([`Sink::find_posted`]); and it declares how fast it may post as data ([`RateLimits`]), from
//! which the deliverer builds its limiters. A sink never retries, waits or writes the ledger: the
//! deliverer does, the same way for every platform. No error a sink returns may hold a URL or a token.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde_json::Value;

use crate::clock::BoxFuture;
use crate::render::post::ForumTag;
use crate::target::{Posted, Target};

/// How a send failed, split by what the engine does next.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SendError {
    /// Wait `retry_after`, then try again; `global` pauses every channel of the platform.
    #[error("rate limited; retry after {retry_after:?}")]
    RateLimited { retry_after: Duration, global: bool },
    /// A 5xx, a timeout or a network error: retry with back-off.
    #[error("temporary failure: {0}")]
    Transient(String),
    /// The channel is gone or the bot may not post there (403, 404, `channel_not_found`): stop and
    /// mark the subscription failed.
    #[error("channel unavailable: {0}")]
    Gone(String),
    /// The token was refused (401, `invalid_auth`): nothing on this platform can work.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The platform refused this message (400): retrying the same body cannot help.
    #[error("rejected: {0}")]
    Rejected(String),
    /// The channel takes posts, not messages (a Discord forum or media channel, 40058): the
    /// deliverer looks at the channel's kind and posts the digest as a forum post instead. A sink
    /// that answers this also answers [`ChannelKind::Forum`] for the channel from then on.
    #[error("the channel is a forum: {0}")]
    Forum(String),
}

/// A successful send (or a part found already posted).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sent {
    /// The platform's id of the message: Discord's snowflake, Slack's `ts`.
    pub message_id: Option<String>,
    /// The channel the message landed in, when the platform says (Slack's channel id).
    pub channel: Option<String>,
    /// When the channel's bucket is empty, how long until it refills (from rate-limit headers).
    pub exhausted_for: Option<Duration>,
}

/// Which part of which digest a send carries: what a sink may attach to the message so that the part
/// can be recognised later.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartKey<'a> {
    /// The digest's id (`2026-02-09`).
    pub digest: &'a str,
    /// The part's index, from 0.
    pub part: usize,
    /// Stable for (digest, target, part) across retries and restarts ([`nonce`](super::nonce)); a
    /// forced re-post gets a fresh one. Derived from no secret.
    pub nonce: &'a str,
    /// Where in the target the part goes.
    pub place: Place<'a>,
}

/// Where in a target a part goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place<'a> {
    /// The target's channel itself.
    Channel,
    /// Inside a thread or forum post of the target, by its channel id (the parts after a forum
    /// post's first).
    Thread(&'a str),
    /// A new forum post named `name` with these tag ids, whose starter message is this part. The
    /// answer's [`Sent::channel`] is the post's id.
    NewPost { name: &'a str, tags: &'a [String] },
}

/// What kind of channel a target is, as far as posting goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChannelKind {
    /// A channel that takes messages, and threads started from them.
    Text,
    /// A thread itself: it takes messages, but no thread can be started inside it.
    Thread,
    /// A forum or media channel: each issue becomes a post, tagged from `tags`; `require_tag` when
    /// a post must carry one.
    Forum { tags: Vec<ForumTag>, require_tag: bool },
}

/// How fast a sink may post, as the platform documents or is observed to allow. Each sink declares
/// its own as a `const` next to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits {
    /// At most this many messages per rolling window in one channel.
    pub per_channel: (u32, Duration),
    /// At most this many requests per rolling window across the platform, when it has such a limit.
    pub global: Option<(u32, Duration)>,
}

/// What [`Sink::send`] returns.
pub type SendFuture<'a> = BoxFuture<'a, Result<Sent, SendError>>;
/// What [`Sink::find_posted`] returns.
pub type FindFuture<'a> = BoxFuture<'a, Result<Option<Sent>, SendError>>;
/// What [`Sink::edit`] and [`Sink::delete`] return.
pub type ChangeFuture<'a> = BoxFuture<'a, Result<(), SendError>>;
/// What [`Sink::channel_kind`] returns.
pub type KindFuture<'a> = BoxFuture<'a, Result<ChannelKind, SendError>>;
/// What [`Sink::start_thread`] returns: the thread's id.
pub type ThreadFuture<'a> = BoxFuture<'a, Result<String, SendError>>;

/// One way of posting: Discord's REST, a Discord webhook, Slack's Web API, a Slack webhook.
pub trait Sink: Send + Sync {
    /// Sends one message body to the target.
    fn send<'a>(&'a self, target: &'a Target, body: &'a Value, part: PartKey<'a>) -> SendFuture<'a>;
    /// Looks in the target's channel for this part, posted by an earlier attempt whose answer never
    /// came (a timeout, a reset, a crash); `since` is when the part's `pending` row was first
    /// written, so nothing older can be it. `Ok(Some)`: it is there, adopt it instead of posting.
    /// `Ok(None)`: it is not there, or this sink cannot tell (the default: Discord deduplicates with
    /// the nonce instead, and webhooks cannot read a channel); post it.
    fn find_posted<'a>(&'a self, target: &'a Target, part: PartKey<'a>, since: DateTime<Utc>) -> FindFuture<'a> {
        let _ = (target, part, since);
        Box::pin(async { Ok(None) })
    }
    /// How fast this sink may post (edits and deletions count the same).
    fn limits(&self) -> RateLimits;
    /// Whether this sink can change the messages it posted ([`Sink::edit`], [`Sink::delete`]).
    /// Slack's incoming webhooks cannot: they answer no message id.
    fn edits(&self) -> bool {
        false
    }
    /// Replaces a posted part's message with `body` (Discord Edit Message or Edit Webhook Message,
    /// Slack `chat.update`), found by where it landed. Errors as for [`Sink::send`]; a message that
    /// is no longer there, or that the platform will not let us edit (too many edits, an archived
    /// thread), is [`SendError::Rejected`].
    fn edit<'a>(
        &'a self,
        target: &'a Target,
        posted: &'a Posted,
        body: &'a Value,
        part: PartKey<'a>,
    ) -> ChangeFuture<'a> {
        let _ = (target, posted, body, part);
        Box::pin(async { Err(SendError::Rejected("this kind of target cannot be edited".into())) })
    }
    /// Deletes a posted part's message. A message that is already gone counts as deleted (`Ok`).
    fn delete<'a>(&'a self, target: &'a Target, posted: &'a Posted) -> ChangeFuture<'a> {
        let _ = (target, posted);
        Box::pin(async { Err(SendError::Rejected("this kind of target cannot delete its messages".into())) })
    }
    /// What kind of channel the target is (the default: [`ChannelKind::Text`]). Discord's bot sink
    /// asks Discord only about a channel it found to be a forum ([`SendError::Forum`]), for its tags:
    /// a text channel costs no request. Errors as for [`Sink::send`].
    fn channel_kind<'a>(&'a self, target: &'a Target) -> KindFuture<'a> {
        let _ = target;
        Box::pin(async { Ok(ChannelKind::Text) })
    }
    /// Whether [`Sink::channel_kind`] asks the platform about this target (a request, paced by the
    /// limiters like the others); `false` when it answers from what it knows. Default: `false`.
    fn asks_kind(&self, target: &Target) -> bool {
        let _ = target;
        false
    }
    /// Whether this sink starts threads from its messages ([`Sink::start_thread`]).
    fn threads(&self) -> bool {
        false
    }
    /// Renames a thread or forum post of the target (by its channel id) to `name` when it is named
    /// otherwise: what a corrected title does to the thread it named. Errors as for [`Sink::send`].
    /// The default: there is nothing to rename.
    fn rename_thread<'a>(&'a self, target: &'a Target, thread: &'a str, name: &'a str) -> ChangeFuture<'a> {
        let _ = (target, thread, name);
        Box::pin(async { Ok(()) })
    }
    /// Starts a thread named `name` from a posted part's message, answering the thread's id. A
    /// thread that already exists for the message counts as started. The part stays posted, without
    /// a thread, when it cannot have one: [`SendError::Gone`] when no part of this channel can (a
    /// permission the bot lacks, a channel type without threads), [`SendError::Rejected`] when only
    /// this message cannot (it is gone). A 429 is [`SendError::RateLimited`], waited out.
    fn start_thread<'a>(&'a self, target: &'a Target, posted: &'a Posted, name: &'a str) -> ThreadFuture<'a> {
        let _ = (target, posted, name);
        Box::pin(async { Err(SendError::Gone("this kind of target cannot start threads".into())) })
    }
}
