//! Delivery sinks for Discord: Create Message in a channel, and Execute Webhook; each also edits and
//! deletes the messages it posted.
//!
//! Both send the raw JSON the Discord encoder produced, through serenity's request builder (so the
//! proxy rewrite and the token header are serenity's) but read the answer whole: the status, the
//! rate-limit headers and the body's `retry_after`, which serenity's error type drops. Create Message
//! adds `nonce` and `enforce_nonce: true`, so a retry after a lost answer cannot post twice.
//! Execute Webhook is sent with `?wait=true`, so that its answer is the message and names its id.
//!
//! A correction replaces a posted part in place: Edit Message (`PATCH /channels/{c}/messages/{m}`) or
//! Edit Webhook Message (`PATCH {webhook}/messages/{m}`), with the new body made a whole replacement
//! ([`edit_body`]: no `nonce`, `allowed_mentions` always, since Discord parses mentions again on an
//! edit, and `content`/`embeds`/`components` cleared when the new body has none). Delete Message and
//! Delete Webhook Message remove one; a message already gone (404, code 10008) counts as deleted.
//! [`classify_change`] sorts those answers: too many edits of an old message (30046), an archived
//! thread (50083), an unknown message on edit (10008) or another author's message (50005) are
//! [`SendError::Rejected`], the rest as for a post. A message in an archived thread (a forum post
//! auto-archives after a day or so) is changed after Modify Channel unarchives the thread; a thread
//! or forum post that is gone refuses that part only, never the target.
//!
//! Threads: Get Channel tells a text channel from a thread, a forum or a media channel; Start Thread
//! from Message is idempotent (160004 is done); Start Thread in Forum Channel takes no nonce, so a
//! post whose answer was lost is looked for first among the guild's active threads, then among the
//! forum's archived public threads, before it is made again. A corrected title renames the thread or
//! post it named (Modify Channel), when its name differs.
//!
//! Webhooks are resolved by [`Webhooks`]; a request that got no answer is [`describe`]d without its
//! URL. The limits each sink declares are [`CHANNEL_LIMITS`] and [`WEBHOOK_LIMITS`] (edits and
//! deletions count the same as posts).

use std::time::Duration;

use chrono::{DateTime, Utc};
use reqwest::Url;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};
use serenity::all::{ChannelId, GuildId, LightMethod, MessageId, Request, Route};

use crate::deliver::{
    ChangeFuture, ChannelKind, FindFuture, KindFuture, PartKey, Place, RateLimits, SendError, SendFuture, Sent, Sink,
    ThreadFuture, Webhooks,
};
use crate::http::describe;
use crate::render::post::ForumTag;
use crate::secret::{Secret, WebhookRef};
use crate::target::{Platform, Posted, Target};

use super::{DEFAULT_API_BASE, Rest};

/// Create Message: in one channel, observed at 5 per 5 s; across the bot, 50 requests per second.
pub const CHANNEL_LIMITS: RateLimits =
    RateLimits { per_channel: (5, Duration::from_secs(5)), global: Some((50, Duration::from_secs(1))) };
/// Execute Webhook: 5 per 2 s per webhook, within the same 50 per second.
pub const WEBHOOK_LIMITS: RateLimits =
    RateLimits { per_channel: (5, Duration::from_secs(2)), global: Some((50, Duration::from_secs(1))) };

/// Create Message to the bot's subscribed channels; in forum and media channels, Start Thread in
/// Forum Channel; and Start Thread from Message.
pub struct ChannelSink {
    rest: Rest,
    /// The bot's own user id (`GET /users/@me`), asked once, to find the forum posts it made.
    me: tokio::sync::OnceCell<String>,
    /// Channels found to be forum or media channels (Create Message answered 40058): only these are
    /// asked for their kind and tags (Get Channel), so a delivery to text channels costs no request
    /// more than its messages.
    forums: std::sync::Mutex<std::collections::HashSet<String>>,
}

/// Channel types: threads (announcement, public, private), forum and media channels.
const THREAD_TYPES: [u64; 3] = [10, 11, 12];
const FORUM_TYPES: [u64; 2] = [15, 16];
/// A forum's flag: every post must carry a tag.
const REQUIRE_TAG: u64 = 1 << 4;
/// Threads started from a message archive after a week without activity (the longest Discord offers).
const AUTO_ARCHIVE_MINUTES: u64 = 10080;
/// How far before a forum post's pending time a post found by name still counts as ours: clocks differ.
const POST_CLOCK_SKEW_MS: i64 = 60_000;
/// List Public Archived Threads: threads per page (Discord's most), and pages looked at.
const ARCHIVED_PAGE: u32 = 100;
const ARCHIVED_PAGES: usize = 5;

/// The forum post a lost answer may have made: in `forum`, by `owner` (the bot), named `name`, made
/// no earlier than `earliest` (milliseconds since the Unix epoch).
struct WantedPost<'a> {
    forum: String,
    owner: String,
    name: &'a str,
    earliest: i64,
}

impl WantedPost<'_> {
    /// The id of the post among a list of threads (`{"threads": [...]}`), if it is there.
    fn among(&self, list: &Value) -> Option<String> {
        let threads = list.get("threads").and_then(Value::as_array)?;
        let found = threads.iter().find(|thread| {
            let text = |key: &str| thread.get(key).and_then(Value::as_str);
            text("parent_id") == Some(self.forum.as_str())
                && text("owner_id") == Some(self.owner.as_str())
                && text("name") == Some(self.name)
                && text("id").and_then(snowflake_millis).is_some_and(|at| at >= self.earliest)
        })?;
        found.get("id").and_then(Value::as_str).map(str::to_string)
    }
}

impl ChannelSink {
    pub fn new(rest: Rest) -> ChannelSink {
        ChannelSink { rest, me: tokio::sync::OnceCell::new(), forums: std::sync::Mutex::new(Default::default()) }
    }

    /// One REST call through serenity's request builder, its answer read whole: status, headers, body.
    async fn call(
        &self,
        what: &str,
        route: Route<'_>,
        method: LightMethod,
        body: Option<&Value>,
    ) -> Result<(u16, HeaderMap, Value), SendError> {
        self.call_with(what, route, method, body, None).await
    }

    /// [`Self::call`] with a query string.
    async fn call_with(
        &self,
        what: &str,
        route: Route<'_>,
        method: LightMethod,
        body: Option<&Value>,
        params: Option<Vec<(&'static str, String)>>,
    ) -> Result<(u16, HeaderMap, Value), SendError> {
        let bytes = body.map(serde_json::to_vec).transpose().map_err(|e| SendError::Rejected(e.to_string()))?;
        let request = Request::new(route, method)
            .body(bytes)
            .params(params)
            .build(&self.rest.client, self.rest.http.token(), self.rest.http.proxy.as_deref())
            .map_err(|e| SendError::Rejected(format!("cannot build the request: {e}")))?;
        let response = request.send().await.map_err(|e| network_error(what, &e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let body: Value = response.json().await.unwrap_or(Value::Null);
        Ok((status, headers, body))
    }

    async fn create_message(&self, channel: &str, body: &Value, nonce: &str) -> Result<Sent, SendError> {
        let channel_id = channel_id(channel)?;
        let mut body = body.clone();
        if let Some(map) = body.as_object_mut() {
            map.insert("nonce".into(), Value::String(nonce.to_string()));
            map.insert("enforce_nonce".into(), Value::Bool(true));
        }
        let route = Route::ChannelMessages { channel_id: ChannelId::new(channel_id) };
        let (status, headers, answer) = self.call("Create Message", route, LightMethod::Post, Some(&body)).await?;
        classify(status, &headers, &answer)
    }

    /// A part posted inside a thread or forum post: its edits go there too.
    async fn create_in_thread(&self, thread: &str, body: &Value, nonce: &str) -> Result<Sent, SendError> {
        match self.create_message(thread, body, nonce).await {
            Ok(sent) => Ok(Sent { channel: Some(thread.to_string()), ..sent }),
            Err(SendError::Gone(why)) if why.ends_with("code 50013)") => {
                Err(SendError::Gone(format!("the bot lacks the Send Messages in Threads permission here: {why}")))
            }
            Err(e) => Err(in_thread(e)),
        }
    }

    /// Start Thread in Forum Channel: a post named `name`, whose starter message is `body`. Forum
    /// posts take no nonce: the deliverer looks for a post whose answer was lost ([`Self::find_post`]).
    async fn create_post(&self, target: &Target, body: &Value, name: &str, tags: &[String]) -> Result<Sent, SendError> {
        let channel_id = channel_id(&target.channel)?;
        let mut message = body.clone();
        if let Some(map) = message.as_object_mut() {
            map.remove("nonce");
            map.remove("enforce_nonce");
        }
        let post = json!({"name": name, "message": message, "applied_tags": tags});
        let route = Route::ChannelForumPosts { channel_id: ChannelId::new(channel_id) };
        let (status, headers, answer) =
            self.call("Start Thread in Forum Channel", route, LightMethod::Post, Some(&post)).await?;
        let sent = classify(status, &headers, &answer)?;
        let starter = answer.pointer("/message/id").and_then(Value::as_str).map(str::to_string);
        Ok(Sent { message_id: starter.or(sent.message_id.clone()), channel: sent.message_id, ..sent })
    }

    /// The forum post named `name` this bot made in the target's forum since `since`, if Discord
    /// lists it among the guild's active threads: a post whose creation answer was lost.
    async fn find_post(&self, target: &Target, name: &str, since: DateTime<Utc>) -> Result<Option<Sent>, SendError> {
        let forum = channel_id(&target.channel)?;
        let route = Route::Channel { channel_id: ChannelId::new(forum) };
        let (status, headers, channel) = self.call("Get Channel", route, LightMethod::Get, None).await?;
        classify(status, &headers, &channel)?;
        let Some(guild) = channel.get("guild_id").and_then(Value::as_str).and_then(|g| g.parse::<u64>().ok()) else {
            return Ok(None);
        };
        let me = self.me().await?;
        let route = Route::GuildThreadsActive { guild_id: GuildId::new(guild) };
        let (status, headers, active) = self.call("List Active Guild Threads", route, LightMethod::Get, None).await?;
        classify(status, &headers, &active)?;
        let wanted = WantedPost {
            forum: forum.to_string(),
            owner: me,
            name,
            earliest: since.timestamp_millis() - POST_CLOCK_SKEW_MS,
        };
        let mut found = wanted.among(&active);
        if found.is_none() {
            // A post archives after an hour without activity at the least: one made by an attempt
            // long ago (a restart the next day) is no longer active.
            found = self.find_archived_post(&wanted).await?;
        }
        Ok(found.map(|id| Sent {
            // A forum post's starter message has the post's id.
            message_id: Some(id.clone()),
            channel: Some(id),
            ..Sent::default()
        }))
    }

    /// The post among the forum's archived public threads (List Public Archived Threads, newest
    /// archived first), looking no further back than the post could have been archived, at most
    /// [`ARCHIVED_PAGES`] pages. A forum that will not list them (the bot lacks Read Message History)
    /// is taken as not having it: the post is made, as a sink that cannot look does.
    async fn find_archived_post(&self, wanted: &WantedPost<'_>) -> Result<Option<String>, SendError> {
        let channel_id = ChannelId::new(channel_id(&wanted.forum)?);
        let mut before: Option<String> = None;
        for _ in 0..ARCHIVED_PAGES {
            let mut params = vec![("limit", ARCHIVED_PAGE.to_string())];
            params.extend(before.take().map(|before| ("before", before)));
            let route = Route::ChannelArchivedPublicThreads { channel_id };
            let (status, headers, page) =
                self.call_with("List Public Archived Threads", route, LightMethod::Get, None, Some(params)).await?;
            match classify(status, &headers, &page) {
                Ok(_) => {}
                Err(SendError::Gone(why)) => {
                    tracing::warn!(error = %crate::logging::untrusted(&why), "cannot list the forum's archived posts; a post whose answer was lost may be made again");
                    return Ok(None);
                }
                Err(e) => return Err(e),
            }
            if let Some(found) = wanted.among(&page) {
                return Ok(Some(found));
            }
            let oldest = page
                .get("threads")
                .and_then(Value::as_array)
                .and_then(|threads| threads.last())
                .and_then(|thread| thread.pointer("/thread_metadata/archive_timestamp"))
                .and_then(Value::as_str);
            let more = page.get("has_more").and_then(Value::as_bool).unwrap_or(false);
            match oldest.map(|at| (at, DateTime::parse_from_rfc3339(at))) {
                // Archived before the post could exist: nothing further down is it.
                Some((at, Ok(time))) if more && time.timestamp_millis() >= wanted.earliest => {
                    before = Some(at.to_string());
                }
                _ => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Modify Channel on a thread, `archived: false`: an archived thread's messages cannot be
    /// changed (50083). Needs only Send Messages, unless the thread is locked.
    async fn unarchive(&self, thread: &str) -> Result<(), SendError> {
        let route = Route::Channel { channel_id: ChannelId::new(channel_id(thread)?) };
        let body = json!({"archived": false});
        let (status, headers, answer) = self.call("Modify Channel", route, LightMethod::Patch, Some(&body)).await?;
        classify(status, &headers, &answer).map(|_| ())
    }

    /// Modify Channel `name` of a thread or forum post, after Get Channel shows it named otherwise
    /// (a rename is a change Discord limits tightly, so none is sent for nothing); an archived one is
    /// unarchived with it, as Discord asks.
    async fn rename(&self, thread: &str, name: &str) -> Result<(), SendError> {
        let route = Route::Channel { channel_id: ChannelId::new(channel_id(thread)?) };
        let (status, headers, channel) = self.call("Get Channel", route, LightMethod::Get, None).await?;
        classify(status, &headers, &channel)?;
        if channel.get("name").and_then(Value::as_str) == Some(name) {
            return Ok(());
        }
        let mut body = json!({"name": name});
        if channel.pointer("/thread_metadata/archived").and_then(Value::as_bool) == Some(true) {
            body["archived"] = json!(false);
        }
        let route = Route::Channel { channel_id: ChannelId::new(channel_id(thread)?) };
        let (status, headers, answer) = self.call("Modify Channel", route, LightMethod::Patch, Some(&body)).await?;
        classify(status, &headers, &answer).map(|_| ())
    }

    /// The bot's user id, asked once.
    async fn me(&self) -> Result<String, SendError> {
        self.me
            .get_or_try_init(|| async {
                let (status, headers, user) =
                    self.call("Get Current User", Route::UserMe, LightMethod::Get, None).await?;
                classify(status, &headers, &user)?;
                user.get("id")
                    .and_then(Value::as_str)
                    .map(str::to_string)
                    .ok_or_else(|| SendError::Transient("Get Current User answered no id".into()))
            })
            .await
            .cloned()
    }

    async fn kind(&self, target: &Target) -> Result<ChannelKind, SendError> {
        if !self.forums.lock().unwrap_or_else(|e| e.into_inner()).contains(&target.channel) {
            return Ok(ChannelKind::Text);
        }
        let route = Route::Channel { channel_id: ChannelId::new(channel_id(&target.channel)?) };
        let (status, headers, channel) = self.call("Get Channel", route, LightMethod::Get, None).await?;
        classify(status, &headers, &channel)?;
        Ok(channel_kind(&channel))
    }

    /// Start Thread from Message. A thread already made from this message (400, code 160004, after
    /// a lost answer or a restart) is the one we wanted: a thread started from a message has the
    /// message's id.
    async fn thread_from(&self, target: &Target, posted: &Posted, name: &str) -> Result<String, SendError> {
        let channel = posted.channel.as_deref().filter(|c| channel_id(c).is_ok()).unwrap_or(&target.channel);
        let message = message_id(posted, Change::Edit)?;
        let route = Route::ChannelMessageThreads {
            channel_id: ChannelId::new(channel_id(channel)?),
            message_id: MessageId::new(message),
        };
        let body = json!({"name": name, "auto_archive_duration": AUTO_ARCHIVE_MINUTES});
        let (status, headers, answer) =
            self.call("Start Thread from Message", route, LightMethod::Post, Some(&body)).await?;
        classify_thread(status, &headers, &answer).map(|id| id.unwrap_or_else(|| message.to_string()))
    }

    /// Edit Message (`body` is `Some`) or Delete Message (`None`) of a part posted in `target`'s
    /// channel, or in the channel `posted` names (a thread) when it names one. A message in an
    /// archived thread (a forum post a day old, say: 50083) is changed after the thread is
    /// unarchived, as Discord's clients do; a thread or forum post that is gone (10003) is this
    /// message's problem, not the target's: its edit is refused, its deletion done.
    async fn change_message(&self, target: &Target, posted: &Posted, body: Option<&Value>) -> Result<(), SendError> {
        let change = if body.is_some() { Change::Edit } else { Change::Delete };
        let channel = posted.channel.as_deref().filter(|c| channel_id(c).is_ok()).unwrap_or(&target.channel);
        let edit = body.map(edit_body).transpose()?;
        let what = change.name("Message");
        let mut unarchived = false;
        loop {
            let route = Route::ChannelMessage {
                channel_id: ChannelId::new(channel_id(channel)?),
                message_id: MessageId::new(message_id(posted, change)?),
            };
            let method = if edit.is_some() { LightMethod::Patch } else { LightMethod::Delete };
            let (status, headers, answer) = self.call(&what, route, method, edit.as_ref()).await?;
            let code = answer.get("code").and_then(Value::as_i64);
            let in_thread = channel != target.channel;
            match (status, code) {
                (400, Some(50083)) if !unarchived => match self.unarchive(channel).await {
                    Ok(()) => unarchived = true,
                    // Waited out or retried by the deliverer, like the change itself.
                    Err(e @ (SendError::RateLimited { .. } | SendError::Transient(_) | SendError::Unauthorized(_))) => {
                        return Err(e);
                    }
                    Err(refused) => {
                        let why = classify_change(change, status, &headers, &answer).err();
                        let why = why.as_ref().map(error_text).unwrap_or_default();
                        return Err(SendError::Rejected(format!(
                            "{why}; the bot cannot unarchive it: {}",
                            error_text(&refused)
                        )));
                    }
                },
                (404, Some(10003)) if in_thread => {
                    return match change {
                        Change::Delete => Ok(()),
                        Change::Edit => Err(in_thread_error(&answer, status)),
                    };
                }
                _ => return classify_change(change, status, &headers, &answer),
            }
        }
    }
}

/// What is left of a [`SendError`] once its kind is known.
fn error_text(error: &SendError) -> String {
    match error {
        SendError::Transient(why) | SendError::Gone(why) | SendError::Unauthorized(why) | SendError::Rejected(why) => {
            why.clone()
        }
        other => other.to_string(),
    }
}

/// A thread or forum post of the target that is gone (404 10003): the parts it held are lost, the
/// target is not.
fn in_thread_error(answer: &Value, status: u16) -> SendError {
    let text = answer.get("message").and_then(Value::as_str).unwrap_or("no message");
    SendError::Rejected(format!("the thread or forum post it was in is gone: {text} (HTTP {status}, code 10003)"))
}

/// A post into a thread or forum post of the target: one that is gone is not the target gone.
fn in_thread(error: SendError) -> SendError {
    match error {
        SendError::Gone(why) if why.ends_with("code 10003)") => {
            SendError::Rejected(format!("the thread or forum post it goes in is gone: {why}"))
        }
        other => other,
    }
}

impl Sink for ChannelSink {
    fn send<'a>(&'a self, target: &'a Target, body: &'a Value, part: PartKey<'a>) -> SendFuture<'a> {
        Box::pin(async move {
            match part.place {
                Place::Channel => match self.create_message(&target.channel, body, part.nonce).await {
                    Err(SendError::Rejected(why)) if why.ends_with("code 40058)") => {
                        self.forums.lock().unwrap_or_else(|e| e.into_inner()).insert(target.channel.clone());
                        Err(SendError::Forum(why))
                    }
                    sent => sent,
                },
                Place::Thread(thread) => self.create_in_thread(thread, body, part.nonce).await,
                Place::NewPost { name, tags } => self.create_post(target, body, name, tags).await,
            }
        })
    }

    /// Only a forum post can be looked for: a message carries its nonce, which Discord deduplicates.
    fn find_posted<'a>(&'a self, target: &'a Target, part: PartKey<'a>, since: DateTime<Utc>) -> FindFuture<'a> {
        Box::pin(async move {
            match part.place {
                Place::NewPost { name, .. } => self.find_post(target, name, since).await,
                Place::Channel | Place::Thread(_) => Ok(None),
            }
        })
    }

    fn channel_kind<'a>(&'a self, target: &'a Target) -> KindFuture<'a> {
        Box::pin(self.kind(target))
    }

    /// Only a channel found to be a forum is asked about (its tags).
    fn asks_kind(&self, target: &Target) -> bool {
        self.forums.lock().unwrap_or_else(|e| e.into_inner()).contains(&target.channel)
    }

    fn threads(&self) -> bool {
        true
    }

    fn start_thread<'a>(&'a self, target: &'a Target, posted: &'a Posted, name: &'a str) -> ThreadFuture<'a> {
        Box::pin(self.thread_from(target, posted, name))
    }

    fn rename_thread<'a>(&'a self, _target: &'a Target, thread: &'a str, name: &'a str) -> ChangeFuture<'a> {
        Box::pin(self.rename(thread, name))
    }

    fn limits(&self) -> RateLimits {
        CHANNEL_LIMITS
    }

    fn edits(&self) -> bool {
        true
    }

    /// Edit Message, without the nonce (Discord takes none on an edit).
    fn edit<'a>(
        &'a self,
        target: &'a Target,
        posted: &'a Posted,
        body: &'a Value,
        _part: PartKey<'a>,
    ) -> ChangeFuture<'a> {
        Box::pin(self.change_message(target, posted, Some(body)))
    }

    fn delete<'a>(&'a self, target: &'a Target, posted: &'a Posted) -> ChangeFuture<'a> {
        Box::pin(self.change_message(target, posted, None))
    }
}

/// Execute Webhook for the webhooks in `discord.webhooks`, keyed by their label.
pub struct WebhookSink {
    client: reqwest::Client,
    /// URLs already rewritten to `api_base`.
    hooks: Webhooks,
}

impl WebhookSink {
    /// Resolves `discord.webhooks` with `lookup` (see [`Webhooks::resolve`]): a webhook whose variable
    /// is unset is logged by label and its deliveries fail, without holding up the others.
    pub fn from_config(
        client: reqwest::Client,
        api_base: &str,
        webhooks: &[WebhookRef],
        lookup: impl Fn(&str) -> Option<String>,
    ) -> WebhookSink {
        WebhookSink::with(client, api_base, Webhooks::resolve(Platform::DiscordWebhook, webhooks, lookup))
    }

    /// `webhooks` are (label, URL) pairs; URLs on discord.com are sent to `api_base` instead.
    pub fn new(client: reqwest::Client, api_base: &str, webhooks: Vec<(String, Secret)>) -> WebhookSink {
        WebhookSink::with(client, api_base, Webhooks::new(webhooks))
    }

    fn with(client: reqwest::Client, api_base: &str, hooks: Webhooks) -> WebhookSink {
        let base = api_base.trim_end_matches('/');
        let hooks = hooks.map_urls(|url| match (base != DEFAULT_API_BASE).then(|| on_discord(url)).flatten() {
            Some(rest) => format!("{base}{rest}"),
            None => url.to_string(),
        });
        WebhookSink { client, hooks }
    }

    /// The webhook's URL with the message `id`'s path (`…/messages/{id}`) when given, its own query
    /// (`thread_id`) kept, and `wait=true` when posting. Errors name the webhook by its label only.
    fn hook_url(&self, label: &str, message: Option<&str>) -> Result<Url, SendError> {
        let unreadable = || SendError::Rejected(format!("webhook {label}: its URL is not a valid webhook URL"));
        let mut url = Url::parse(self.hooks.url(label)?.expose()).map_err(|_| unreadable())?;
        let kept: Vec<(String, String)> =
            url.query_pairs().filter(|(k, _)| k != "wait").map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        if let Some(id) = message {
            url.path_segments_mut().map_err(|()| unreadable())?.pop_if_empty().extend(["messages", id]);
        }
        url.set_query(None);
        if !kept.is_empty() || message.is_none() {
            let mut query = url.query_pairs_mut();
            query.extend_pairs(&kept);
            if message.is_none() {
                query.append_pair("wait", "true");
            }
        }
        Ok(url)
    }

    async fn execute(&self, target: &Target, body: &Value) -> Result<Sent, SendError> {
        let url = self.hook_url(&target.channel, None)?;
        let response = self
            .client
            .post(url)
            .json(body)
            .send()
            .await
            .map_err(|e| network_error(&format!("webhook {}", target.channel), &e))?;
        read_answer(response).await
    }

    /// Edit Webhook Message (`body` is `Some`) or Delete Webhook Message (`None`).
    async fn change_message(&self, target: &Target, posted: &Posted, body: Option<&Value>) -> Result<(), SendError> {
        let change = if body.is_some() { Change::Edit } else { Change::Delete };
        let id = message_id(posted, change)?.to_string();
        let url = self.hook_url(&target.channel, Some(&id))?;
        let request = match body {
            Some(body) => self.client.patch(url).json(&edit_body(body)?),
            None => self.client.delete(url),
        };
        let what = format!("webhook {}: {}", target.channel, change.name("Webhook Message"));
        let response = request.send().await.map_err(|e| network_error(&what, &e))?;
        read_change(response, change).await
    }
}

impl Sink for WebhookSink {
    /// Webhooks take no nonce (Discord ignores it there); the ledger alone prevents repeats.
    fn send<'a>(&'a self, target: &'a Target, body: &'a Value, _part: PartKey<'a>) -> SendFuture<'a> {
        Box::pin(self.execute(target, body))
    }

    fn limits(&self) -> RateLimits {
        WEBHOOK_LIMITS
    }

    fn edits(&self) -> bool {
        true
    }

    /// Edit Webhook Message, in the thread of the webhook URL's `thread_id` when it has one. A part
    /// posted before `?wait=true` has no message id and cannot be edited.
    fn edit<'a>(
        &'a self,
        target: &'a Target,
        posted: &'a Posted,
        body: &'a Value,
        _part: PartKey<'a>,
    ) -> ChangeFuture<'a> {
        Box::pin(self.change_message(target, posted, Some(body)))
    }

    fn delete<'a>(&'a self, target: &'a Target, posted: &'a Posted) -> ChangeFuture<'a> {
        Box::pin(self.change_message(target, posted, None))
    }
}

/// The path and query of a webhook URL on Discord itself (`https://discord.com/…` or
/// `discordapp.com`, any case, no user, no port), which `api_base` replaces; `None` for any other URL,
/// which is used as it is. Parsed, not compared as text: `https://discord.com@elsewhere/…` is not on
/// Discord.
fn on_discord(url: &str) -> Option<String> {
    let parsed = Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    let plain = parsed.username().is_empty() && parsed.password().is_none() && parsed.port().is_none();
    (parsed.scheme() == "https" && plain && matches!(host.as_str(), "discord.com" | "discordapp.com")).then(|| {
        let query = parsed.query().map(|q| format!("?{q}")).unwrap_or_default();
        format!("{}{query}", parsed.path())
    })
}

/// A Discord channel id, or why it is not one.
fn channel_id(channel: &str) -> Result<u64, SendError> {
    channel
        .parse::<u64>()
        .ok()
        .filter(|&id| id != 0)
        .ok_or_else(|| SendError::Rejected(format!("`{channel}` is not a Discord channel id")))
}

/// What a Get Channel answer says about posting there.
pub fn channel_kind(channel: &Value) -> ChannelKind {
    let kind = channel.get("type").and_then(Value::as_u64).unwrap_or(0);
    if THREAD_TYPES.contains(&kind) {
        return ChannelKind::Thread;
    }
    if !FORUM_TYPES.contains(&kind) {
        return ChannelKind::Text;
    }
    let tags = channel
        .get("available_tags")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|tag| {
            Some(ForumTag {
                id: tag.get("id")?.as_str()?.to_string(),
                name: tag.get("name")?.as_str()?.to_string(),
                moderated: tag.get("moderated").and_then(Value::as_bool).unwrap_or(false),
            })
        })
        .collect();
    let flags = channel.get("flags").and_then(Value::as_u64).unwrap_or(0);
    ChannelKind::Forum { tags, require_tag: flags & REQUIRE_TAG != 0 }
}

/// Milliseconds since the Unix epoch at which a snowflake was made.
fn snowflake_millis(id: &str) -> Option<i64> {
    const DISCORD_EPOCH_MS: i64 = 1_420_070_400_000;
    id.parse::<u64>().ok().map(|id| (id >> 22) as i64 + DISCORD_EPOCH_MS)
}

/// The answer of Start Thread from Message: the thread's id (`None`: the thread existed already,
/// 160004, and has the message's id). The part stays posted, without its thread, when it cannot have
/// one: a permission the bot lacks or a channel type without threads is [`SendError::Gone`] (no part
/// of the channel can), a message that is gone [`SendError::Rejected`] (this one cannot), each with
/// what to do. A 429 is [`SendError::RateLimited`], as for a post.
pub fn classify_thread(status: u16, headers: &HeaderMap, body: &Value) -> Result<Option<String>, SendError> {
    let code = body.get("code").and_then(Value::as_i64);
    let refused = |why: &str| {
        let text = body.get("message").and_then(Value::as_str).unwrap_or("no message");
        SendError::Rejected(format!("{why} ({text}, HTTP {status}, code {})", code.unwrap_or_default()))
    };
    match (status, code) {
        (200..=299, _) => Ok(Some(
            body.get("id")
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| SendError::Transient("Start Thread from Message answered no id".into()))?,
        )),
        (_, Some(160004)) => Ok(None),
        // The channel's: no part of it can have a thread.
        (403, Some(50013)) => Err(gone(refused(
            "the bot lacks the Create Public Threads permission in this channel; grant it Create Public Threads and Send Messages in Threads",
        ))),
        (403, _) => Err(gone(refused("the bot may not start threads in this channel"))),
        (400, Some(50024)) => Err(gone(refused("this kind of channel has no threads"))),
        // This message's: the other parts may still have theirs.
        (404, _) => Err(refused("the message is no longer there")),
        (400, _) => Err(refused("Discord refused to start the thread")),
        _ => classify(status, headers, body).map(|_| None),
    }
}

/// A refusal that holds for the whole channel.
fn gone(error: SendError) -> SendError {
    match error {
        SendError::Rejected(why) => SendError::Gone(why),
        other => other,
    }
}

/// The snowflake of a posted part, or why it cannot be changed.
fn message_id(posted: &Posted, change: Change) -> Result<u64, SendError> {
    let Some(id) = posted.message_id.as_deref() else {
        let verb = if change == Change::Edit { "edited" } else { "deleted" };
        return Err(SendError::Rejected(format!("posted before message ids were kept; it cannot be {verb}")));
    };
    id.parse::<u64>()
        .ok()
        .filter(|&id| id != 0)
        .ok_or_else(|| SendError::Rejected(format!("`{id}` is not a Discord message id")))
}

/// Fields of a post that Edit Message and Edit Webhook Message do not take.
const CREATE_ONLY: &[&str] = &[
    "nonce",
    "enforce_nonce",
    "tts",
    "message_reference",
    "sticker_ids",
    "poll",
    "username",
    "avatar_url",
    "thread_name",
    "applied_tags",
];

/// What an edit sends: the encoder's body without the fields only a post takes, as a whole
/// replacement (`content`, `embeds` and `components` the new body lacks are cleared, or the old ones
/// would stay), and with `allowed_mentions` (none, when the body says nothing): Discord parses the
/// mentions of an edited message again.
pub fn edit_body(body: &Value) -> Result<Value, SendError> {
    let Some(fields) = body.as_object() else {
        return Err(SendError::Rejected("the message body is not a JSON object".into()));
    };
    let mut fields = fields.clone();
    fields.retain(|key, _| !CREATE_ONLY.contains(&key.as_str()));
    fields.entry("content").or_insert_with(|| json!(""));
    fields.entry("embeds").or_insert_with(|| json!([]));
    fields.entry("components").or_insert_with(|| json!([]));
    fields.entry("allowed_mentions").or_insert_with(|| json!({"parse": []}));
    Ok(Value::Object(fields))
}

/// An edit or a deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Edit,
    Delete,
}

impl Change {
    /// `Edit Message`, `Delete Webhook Message`: what a transport error names.
    fn name(self, what: &str) -> String {
        match self {
            Change::Edit => format!("Edit {what}"),
            Change::Delete => format!("Delete {what}"),
        }
    }
}

/// A request that never got an answer, as [`describe`]d (without the URL: webhook URLs are secrets).
fn network_error(what: &str, e: &reqwest::Error) -> SendError {
    SendError::Transient(format!("{what}: {}", describe(e)))
}

/// Sorts Discord's answer into success or the kind of failure.
async fn read_answer(response: reqwest::Response) -> Result<Sent, SendError> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    classify(status, &headers, &body)
}

/// Sorts Discord's answer to an edit or a deletion.
async fn read_change(response: reqwest::Response, change: Change) -> Result<(), SendError> {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body: Value = response.json().await.unwrap_or(Value::Null);
    classify_change(change, status, &headers, &body)
}

fn header_f64(headers: &HeaderMap, name: &str) -> Option<f64> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

fn seconds(s: f64) -> Duration {
    Duration::try_from_secs_f64(s.max(0.0)).unwrap_or(Duration::from_secs(60))
}

/// The answer of a Create Message or Execute Webhook, by status.
pub fn classify(status: u16, headers: &HeaderMap, body: &Value) -> Result<Sent, SendError> {
    let message = || {
        let text = body.get("message").and_then(Value::as_str).unwrap_or("no message");
        match body.get("code").and_then(Value::as_i64) {
            Some(code) => format!("{text} (HTTP {status}, code {code})"),
            None => format!("{text} (HTTP {status})"),
        }
    };
    match status {
        200..=299 => {
            let exhausted = header_f64(headers, "x-ratelimit-remaining") == Some(0.0);
            Ok(Sent {
                message_id: body.get("id").and_then(Value::as_str).map(str::to_string),
                exhausted_for: exhausted.then(|| header_f64(headers, "x-ratelimit-reset-after").map(seconds)).flatten(),
                ..Sent::default()
            })
        }
        429 => {
            let retry_after = body
                .get("retry_after")
                .and_then(Value::as_f64)
                .map_or_else(|| crate::http::retry_after(headers), seconds);
            let global = body.get("global").and_then(Value::as_bool).unwrap_or(false)
                || headers.get("x-ratelimit-global").is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
            Err(SendError::RateLimited { retry_after, global })
        }
        401 => Err(SendError::Unauthorized(message())),
        403 | 404 => Err(SendError::Gone(message())),
        500..=599 | 408 => Err(SendError::Transient(message())),
        _ => Err(SendError::Rejected(message())),
    }
}

/// The answer of an Edit (Webhook) Message or a Delete (Webhook) Message. A message that is gone
/// (404, code 10008) is deleted already, and cannot be edited; Discord's refusals to change this one
/// message (too many edits of an old message, 30046; an archived thread, 50083; another author's
/// message, 50005) cannot be helped by retrying. The rest is as for a post ([`classify`]): 403 and
/// other 404s (the channel, the webhook) are [`SendError::Gone`].
pub fn classify_change(change: Change, status: u16, headers: &HeaderMap, body: &Value) -> Result<(), SendError> {
    let code = body.get("code").and_then(Value::as_i64);
    let refused = |why: &str| {
        let text = body.get("message").and_then(Value::as_str).unwrap_or("no message");
        SendError::Rejected(format!("{why}: {text} (HTTP {status}, code {})", code.unwrap_or_default()))
    };
    match (change, status, code) {
        (_, 200..=299, _) => Ok(()),
        (Change::Delete, 404, Some(10008)) => Ok(()),
        (Change::Edit, 404, Some(10008)) => Err(refused("the message is no longer there")),
        (_, _, Some(30046)) => Err(refused("Discord allows no more edits of this message for now")),
        (_, _, Some(50083)) => Err(refused("the message is in an archived thread")),
        (_, _, Some(50005)) => Err(refused("the message was posted by someone else")),
        _ => classify(status, headers, body).map(|_| ()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.insert(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn classification() {
        let none = HeaderMap::new();
        assert_eq!(
            classify(200, &none, &json!({"id": "123"})),
            Ok(Sent { message_id: Some("123".into()), ..Sent::default() })
        );
        let empty = headers(&[("x-ratelimit-remaining", "0"), ("x-ratelimit-reset-after", "2.5")]);
        assert_eq!(
            classify(200, &empty, &json!({"id": "1"})).unwrap().exhausted_for,
            Some(Duration::from_millis(2500))
        );
        assert_eq!(
            classify(429, &none, &json!({"message": "slow", "retry_after": 0.25, "global": true})),
            Err(SendError::RateLimited { retry_after: Duration::from_millis(250), global: true })
        );
        assert_eq!(
            classify(429, &headers(&[("retry-after", "3")]), &Value::Null),
            Err(SendError::RateLimited { retry_after: Duration::from_secs(3), global: false })
        );
        assert!(matches!(classify(401, &none, &Value::Null), Err(SendError::Unauthorized(_))));
        assert_eq!(
            classify(403, &none, &json!({"message": "Missing Access", "code": 50001})),
            Err(SendError::Gone("Missing Access (HTTP 403, code 50001)".into()))
        );
        assert!(matches!(classify(404, &none, &Value::Null), Err(SendError::Gone(_))));
        assert!(matches!(classify(502, &none, &Value::Null), Err(SendError::Transient(_))));
        assert!(matches!(classify(400, &none, &Value::Null), Err(SendError::Rejected(_))));
    }

    #[test]
    fn edit_and_delete_answers() {
        let none = HeaderMap::new();
        let error = |code: i64, message: &str| json!({"message": message, "code": code});
        let (edit, delete) = (Change::Edit, Change::Delete);
        assert_eq!(classify_change(edit, 200, &none, &json!({"id": "1"})), Ok(()));
        assert_eq!(classify_change(delete, 204, &none, &Value::Null), Ok(()));
        assert_eq!(classify_change(delete, 404, &none, &error(10008, "Unknown Message")), Ok(()), "already gone");
        assert_eq!(
            classify_change(edit, 404, &none, &error(10008, "Unknown Message")),
            Err(SendError::Rejected("the message is no longer there: Unknown Message (HTTP 404, code 10008)".into()))
        );
        let too_many = "Maximum number of edits to messages older than 1 hour reached. Try again later";
        match classify_change(edit, 400, &none, &error(30046, too_many)) {
            Err(SendError::Rejected(m)) => assert!(m.contains("no more edits") && m.contains("code 30046"), "{m}"),
            other => panic!("{other:?}"),
        }
        for change in [edit, delete] {
            match classify_change(change, 400, &none, &error(50083, "Thread is archived")) {
                Err(SendError::Rejected(m)) => {
                    assert!(m.contains("archived thread") && m.contains("code 50083"), "{m}")
                }
                other => panic!("{other:?}"),
            }
            assert!(matches!(
                classify_change(change, 403, &none, &error(50005, "Cannot edit a message authored by another user")),
                Err(SendError::Rejected(m)) if m.contains("code 50005")
            ));
            assert_eq!(
                classify_change(change, 404, &none, &error(10003, "Unknown Channel")),
                Err(SendError::Gone("Unknown Channel (HTTP 404, code 10003)".into()))
            );
            assert!(matches!(
                classify_change(change, 403, &none, &error(50001, "Missing Access")),
                Err(SendError::Gone(_))
            ));
            assert!(matches!(
                classify_change(change, 404, &none, &error(10015, "Unknown Webhook")),
                Err(SendError::Gone(_))
            ));
            assert!(matches!(classify_change(change, 401, &none, &Value::Null), Err(SendError::Unauthorized(_))));
            assert!(matches!(classify_change(change, 503, &none, &Value::Null), Err(SendError::Transient(_))));
            assert_eq!(
                classify_change(change, 429, &none, &json!({"retry_after": 1.5, "global": false})),
                Err(SendError::RateLimited { retry_after: Duration::from_millis(1500), global: false })
            );
            assert!(matches!(
                classify_change(change, 400, &none, &error(50035, "Invalid Form Body")),
                Err(SendError::Rejected(_))
            ));
        }
    }

    #[test]
    fn thread_answers_tell_the_channels_refusals_from_one_messages() {
        let none = HeaderMap::new();
        let error = |code: i64, message: &str| json!({"message": message, "code": code});
        assert_eq!(classify_thread(201, &none, &json!({"id": "7"})), Ok(Some("7".into())));
        assert_eq!(classify_thread(400, &none, &error(160004, "A thread has already been created")), Ok(None));
        // No message of the channel can have a thread: the other parts do not try.
        for (status, code) in [(403, 50013), (403, 50001), (400, 50024)] {
            assert!(
                matches!(classify_thread(status, &none, &error(code, "no")), Err(SendError::Gone(_))),
                "{status} {code}"
            );
        }
        // Only this message cannot.
        for (status, code) in [(404, 10008), (400, 50035)] {
            assert!(
                matches!(classify_thread(status, &none, &error(code, "no")), Err(SendError::Rejected(_))),
                "{status} {code}"
            );
        }
        assert_eq!(
            classify_thread(429, &none, &json!({"retry_after": 280.5, "global": false})),
            Err(SendError::RateLimited { retry_after: Duration::from_millis(280_500), global: false })
        );
        assert!(matches!(classify_thread(502, &none, &Value::Null), Err(SendError::Transient(_))));
    }

    #[test]
    fn a_post_into_a_thread_that_is_gone_is_not_the_target_gone() {
        let gone = classify(404, &HeaderMap::new(), &json!({"message": "Unknown Channel", "code": 10003})).unwrap_err();
        assert!(matches!(in_thread(gone), SendError::Rejected(m) if m.contains("is gone") && m.contains("10003")));
        let forbidden = SendError::Gone("Missing Access (HTTP 403, code 50001)".into());
        assert_eq!(in_thread(forbidden.clone()), forbidden);
    }

    #[test]
    fn a_post_is_recognised_by_forum_owner_name_and_age() {
        let wanted =
            WantedPost { forum: "5".into(), owner: "9".into(), name: "Weekly", earliest: 1_420_070_400_000 + 1000 };
        // Snowflakes of 2 s and 0.5 s after Discord's epoch.
        let (late, early) = ((2000u64 << 22).to_string(), (500u64 << 22).to_string());
        let thread = |id: &str, parent: &str, owner: &str, name: &str| json!({"id": id, "parent_id": parent, "owner_id": owner, "name": name});
        let list = json!({"threads": [
            thread(&late, "6", "9", "Weekly"),
            thread(&late, "5", "8", "Weekly"),
            thread(&late, "5", "9", "Weekly 2"),
            thread(&early, "5", "9", "Weekly"),
        ]});
        assert_eq!(wanted.among(&list), None, "another forum, another bot, another name, made before");
        let list = json!({"threads": [thread(&late, "5", "9", "Weekly")]});
        assert_eq!(wanted.among(&list), Some(late));
        assert_eq!(wanted.among(&json!({"message": "no"})), None);
    }

    #[test]
    fn an_edit_replaces_the_whole_message_and_pings_no_one() {
        let body = json!({"embeds": [{"title": "t"}], "nonce": "db0", "enforce_nonce": true, "username": "x"});
        assert_eq!(
            edit_body(&body).unwrap(),
            json!({"content": "", "embeds": [{"title": "t"}], "components": [], "allowed_mentions": {"parse": []}})
        );
        let mentions = json!({"content": "hi", "allowed_mentions": {"parse": ["users"]}});
        assert_eq!(edit_body(&mentions).unwrap()["allowed_mentions"], json!({"parse": ["users"]}));
        assert!(matches!(edit_body(&json!([1])), Err(SendError::Rejected(_))));
    }

    #[test]
    fn parts_without_a_message_id_cannot_be_changed() {
        assert_eq!(
            message_id(&Posted::default(), Change::Edit),
            Err(SendError::Rejected("posted before message ids were kept; it cannot be edited".into()))
        );
        assert!(matches!(message_id(&Posted::id(Some("abc")), Change::Delete), Err(SendError::Rejected(_))));
        assert_eq!(message_id(&Posted::id(Some("123")), Change::Edit), Ok(123));
    }

    #[test]
    fn webhook_message_urls_keep_the_thread_and_wait_only_when_posting() {
        let hooks = vec![
            ("plain".to_string(), Secret::new("https://discord.com/api/webhooks/1/abc")),
            ("thread".to_string(), Secret::new("https://discord.com/api/webhooks/1/abc?thread_id=9&wait=false")),
            ("bad".to_string(), Secret::new("not a url abc")),
        ];
        let sink = WebhookSink::new(reqwest::Client::new(), "http://127.0.0.1:9", hooks);
        let url = |label: &str, id: Option<&str>| sink.hook_url(label, id).map(|u| u.to_string());
        assert_eq!(url("plain", None).unwrap(), "http://127.0.0.1:9/api/webhooks/1/abc?wait=true");
        assert_eq!(url("plain", Some("5")).unwrap(), "http://127.0.0.1:9/api/webhooks/1/abc/messages/5");
        assert_eq!(url("thread", None).unwrap(), "http://127.0.0.1:9/api/webhooks/1/abc?thread_id=9&wait=true");
        assert_eq!(url("thread", Some("5")).unwrap(), "http://127.0.0.1:9/api/webhooks/1/abc/messages/5?thread_id=9");
        match url("bad", None) {
            Err(SendError::Rejected(m)) => assert!(m.starts_with("webhook bad:") && !m.contains("abc"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn webhook_urls_follow_the_api_base_and_stay_secret() {
        let hooks = vec![("env:HOOK".to_string(), Secret::new("https://discord.com/api/webhooks/1/abc"))];
        let sink = WebhookSink::new(reqwest::Client::new(), "http://127.0.0.1:9/", hooks.clone());
        assert_eq!(sink.hooks.url("env:HOOK").unwrap().expose(), "http://127.0.0.1:9/api/webhooks/1/abc");
        let sink = WebhookSink::new(reqwest::Client::new(), DEFAULT_API_BASE, hooks);
        assert_eq!(sink.hooks.url("env:HOOK").unwrap().expose(), "https://discord.com/api/webhooks/1/abc");
        assert!(!format!("{:?}", sink.hooks).contains("abc"));
    }

    #[tokio::test]
    async fn transport_errors_do_not_name_the_url() {
        // A port that was just free: the connection is refused at once.
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let url = format!("http://127.0.0.1:{port}/api/webhooks/1/secret-token");
        let client = crate::http::client().unwrap();
        let hooks = vec![("env:HOOK".to_string(), Secret::new(url.clone()))];
        let sink = WebhookSink::new(client.clone(), &format!("http://127.0.0.1:{port}"), hooks);
        let part = PartKey { digest: "2026-02-09", part: 0, nonce: "db0", place: crate::deliver::Place::Channel };
        let target = Target::new(Platform::DiscordWebhook, "env:HOOK");
        match sink.send(&target, &serde_json::json!({"content": "x"}), part).await {
            Err(SendError::Transient(m)) => {
                assert!(m.starts_with("webhook env:HOOK: error sending request"), "{m}");
                assert!(!m.contains("secret-token") && !m.contains(&port.to_string()), "{m}");
            }
            other => panic!("{other:?}"),
        }
        // What the gateway handler logs of a serenity error around the same failure.
        let error = client.post(&url).send().await.unwrap_err();
        let text = super::super::handler::describe(&serenity::Error::Http(serenity::http::HttpError::Request(error)));
        assert!(!text.contains("secret-token") && !text.contains(&port.to_string()), "{text}");
        assert!(text.starts_with("error sending request"), "{text}");
    }
}
