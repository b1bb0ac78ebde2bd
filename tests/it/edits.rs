//! Corrections in place, the sink half: the real Discord sinks (Edit/Delete Message, Execute Webhook
//! with `?wait=true`, Edit/Delete Webhook Message) and the real Slack sink (`chat.update`,
//! `chat.delete`) against the fakes: post, edit, delete; Discord's refusals (30046, 50083, an
//! unknown message); every edited payload within the platform's limits; no token in any error.

use serde_json::Value;

use digestbot::deliver::{PartKey, Place, SendError, Sent, Sink};
use digestbot::discord::{self, rest::ChannelSink, rest::WebhookSink};
use digestbot::render::limits::{check_discord_message, check_slack_message};
use digestbot::render::{digest_doc, slack};
use digestbot::secret::Secret;
use digestbot::target::{Platform, Posted, Target};

use crate::support::fake_discord::{FakeDiscord, FakeOptions, Injected};
use crate::support::fake_slack::{Answer, FakeSlack, Route};
use crate::support::synthetic_digest;

const TOKEN: &str = "edits-discord-token";
const HOOK_TOKEN: &str = "edits-hook-token";
const SLACK_TOKEN: &str = "xoxb-edits-slack-token";
const CHANNEL: u64 = 1_300_000_000_000_000_001;
const PART: PartKey<'static> =
    PartKey { digest: "2026-02-09", part: 0, nonce: "db0edits0000000000000000", place: Place::Channel };

/// The first message of a digest's rendering, before and after a correction.
fn bodies(render: fn(&digestbot::render::Doc) -> Vec<Value>) -> (Value, Value) {
    let first = |articles, chars| {
        let digest =
            digestbot::digest::parse("d/2026-02-09.md", synthetic_digest("2026-02-09", articles, chars).as_bytes())
                .expect("the synthetic digest parses");
        render(&digest_doc(&digest, digestbot::i18n::Locale::Ko)).remove(0)
    };
    (first(2, 100), first(3, 150))
}

fn discord_bodies() -> (Value, Value) {
    bodies(digestbot::render::discord::messages)
}

/// No credential in an error's text.
fn no_secret(error: &SendError) {
    let text = format!("{error} {error:?}");
    for secret in [TOKEN, HOOK_TOKEN, SLACK_TOKEN] {
        assert!(!text.contains(secret), "{text}");
    }
}

async fn discord_fake() -> (FakeDiscord, ChannelSink) {
    let fake = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..FakeOptions::default() }).await;
    let rest = discord::Rest::new(&Secret::new(TOKEN), &fake.base_url(), digestbot::http::client().unwrap());
    (fake, ChannelSink::new(rest))
}

fn posted(sent: &Sent) -> Posted {
    Posted { message_id: sent.message_id.clone(), channel: sent.channel.clone(), ts: None }
}

#[tokio::test]
async fn discord_channel_posts_edit_and_delete_in_place() {
    let (fake, sink) = discord_fake().await;
    let target = Target::new(Platform::Discord, CHANNEL.to_string());
    let (before, after) = discord_bodies();
    assert!(sink.edits());
    let sent = sink.send(&target, &before, PART).await.unwrap();
    let id: u64 = sent.message_id.as_deref().unwrap().parse().unwrap();
    sink.edit(&target, &posted(&sent), &after, PART).await.unwrap();

    let edits = fake.edits(id);
    assert_eq!(edits.len(), 1);
    let edit = &edits[0];
    assert_eq!(check_discord_message(edit), Vec::<String>::new());
    assert!(edit.get("nonce").is_none() && edit.get("enforce_nonce").is_none(), "{edit}");
    assert_eq!(edit["allowed_mentions"], serde_json::json!({"parse": []}));
    assert_eq!(edit["embeds"], after["embeds"]);
    let patch = fake.requests_to("PATCH", &format!("/channels/{CHANNEL}/messages/{id}"));
    assert_eq!(patch.len(), 1);
    assert_eq!(patch[0].header("authorization"), Some(format!("Bot {TOKEN}").as_str()));
    let shown = fake.message(id).unwrap();
    assert!(shown["edited_timestamp"].is_string());
    assert_eq!(fake.messages(CHANNEL).len(), 1, "edited in place, not posted again");
    assert_eq!(fake.messages(CHANNEL)[0]["embeds"], after["embeds"]);

    sink.delete(&target, &posted(&sent)).await.unwrap();
    assert_eq!(fake.deleted(CHANNEL), vec![id]);
    assert!(fake.messages(CHANNEL).is_empty());
    // Deleting it again: Discord says Unknown Message, and gone is deleted.
    sink.delete(&target, &posted(&sent)).await.unwrap();
}

#[tokio::test]
async fn discord_refusals_to_edit_are_rejected() {
    let (fake, sink) = discord_fake().await;
    let target = Target::new(Platform::Discord, CHANNEL.to_string());
    let (before, after) = discord_bodies();
    let sent = sink.send(&target, &before, PART).await.unwrap();
    let id = sent.message_id.clone().unwrap();
    let route = format!("/channels/{CHANNEL}/messages/{id}");

    fake.inject("PATCH", &route, vec![Injected::too_many_edits()]);
    match sink.edit(&target, &posted(&sent), &after, PART).await {
        Err(e @ SendError::Rejected(_)) => {
            assert!(e.to_string().contains("code 30046"), "{e}");
            no_secret(&e);
        }
        other => panic!("{other:?}"),
    }

    // A real archived thread (the fake answers 50083 for an edit in an archived channel).
    fake.set_archived(CHANNEL, true);
    match sink.edit(&target, &posted(&sent), &after, PART).await {
        Err(e @ SendError::Rejected(_)) => assert!(e.to_string().contains("code 50083"), "{e}"),
        other => panic!("{other:?}"),
    }
    fake.set_archived(CHANNEL, false);
    fake.inject("PATCH", &route, vec![Injected::thread_archived()]);
    assert!(
        matches!(sink.edit(&target, &posted(&sent), &after, PART).await, Err(SendError::Rejected(m)) if m.contains("50083"))
    );
    assert!(fake.edits(id.parse().unwrap()).is_empty(), "no edit went through");

    // A message that is not there (deleted by a moderator): the edit is refused, the delete is done.
    let unknown = Posted::id(Some(&fake.new_id().to_string()));
    match sink.edit(&target, &unknown, &after, PART).await {
        Err(e @ SendError::Rejected(_)) => assert!(e.to_string().contains("code 10008"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(sink.delete(&target, &unknown).await, Ok(()));

    // The channel itself: gone.
    fake.inject("PATCH", &route, vec![Injected::forbidden()]);
    assert!(matches!(sink.edit(&target, &posted(&sent), &after, PART).await, Err(SendError::Gone(_))));
    fake.inject("DELETE", &route, vec![Injected::not_found()]);
    assert!(matches!(sink.delete(&target, &posted(&sent)).await, Err(SendError::Gone(_))));
    // Retried as a post is.
    fake.inject("PATCH", &route, vec![Injected::rate_limited(0.5, false)]);
    assert!(matches!(sink.edit(&target, &posted(&sent), &after, PART).await, Err(SendError::RateLimited { .. })));
    fake.inject("PATCH", &route, vec![Injected::server_error()]);
    assert!(matches!(sink.edit(&target, &posted(&sent), &after, PART).await, Err(SendError::Transient(_))));
    fake.inject("DELETE", &route, vec![Injected::unauthorized()]);
    match sink.delete(&target, &posted(&sent)).await {
        Err(e @ SendError::Unauthorized(_)) => no_secret(&e),
        other => panic!("{other:?}"),
    }
    // A part posted before ids were kept.
    assert_eq!(
        sink.edit(&target, &Posted::default(), &after, PART).await,
        Err(SendError::Rejected("posted before message ids were kept; it cannot be edited".into()))
    );
}

fn webhook_sink(fake: &FakeDiscord, url: String) -> WebhookSink {
    let hooks = vec![("env:EDITS_HOOK".to_string(), Secret::new(url))];
    WebhookSink::new(digestbot::http::client().unwrap(), &fake.base_url(), hooks)
}

#[tokio::test]
async fn discord_webhook_posts_return_an_id_and_can_be_edited_and_deleted() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let hook = fake.new_id();
    let sink = webhook_sink(&fake, fake.webhook_url(hook, HOOK_TOKEN));
    let target = Target::new(Platform::DiscordWebhook, "env:EDITS_HOOK");
    let (before, after) = discord_bodies();
    assert!(sink.edits());

    let sent = sink.send(&target, &before, PART).await.unwrap();
    let posts = fake.requests_to("POST", &format!("/webhooks/{hook}"));
    assert_eq!(posts[0].query.as_deref(), Some("wait=true"));
    let objects = fake.webhook_message_objects(hook);
    assert_eq!(sent.message_id.as_deref(), objects[0]["id"].as_str(), "the id of the message posted");

    sink.edit(&target, &posted(&sent), &after, PART).await.unwrap();
    let id: u64 = sent.message_id.as_deref().unwrap().parse().unwrap();
    let edits = fake.edits(id);
    assert_eq!(edits.len(), 1);
    assert_eq!(check_discord_message(&edits[0]), Vec::<String>::new());
    assert_eq!(edits[0]["allowed_mentions"], serde_json::json!({"parse": []}));
    assert_eq!(fake.webhook_messages(hook)[0]["embeds"], after["embeds"]);
    assert_eq!(fake.requests_to("PATCH", &format!("/webhooks/{hook}/{HOOK_TOKEN}/messages/{id}")).len(), 1);

    sink.delete(&target, &posted(&sent)).await.unwrap();
    assert!(fake.webhook_messages(hook).is_empty());
    assert_eq!(sink.delete(&target, &posted(&sent)).await, Ok(()), "already gone");
    match sink.edit(&target, &posted(&sent), &after, PART).await {
        Err(e @ SendError::Rejected(_)) => {
            assert!(e.to_string().contains("code 10008"), "{e}");
            no_secret(&e);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        sink.edit(&target, &Posted::default(), &after, PART).await,
        Err(SendError::Rejected("posted before message ids were kept; it cannot be edited".into()))
    );
}

#[tokio::test]
async fn discord_webhook_in_a_thread_edits_in_that_thread() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let (hook, thread) = (fake.new_id(), fake.new_id());
    let sink = webhook_sink(&fake, format!("{}?thread_id={thread}", fake.webhook_url(hook, HOOK_TOKEN)));
    let target = Target::new(Platform::DiscordWebhook, "env:EDITS_HOOK");
    let (before, after) = discord_bodies();
    let sent = sink.send(&target, &before, PART).await.unwrap();
    let posts = fake.requests_to("POST", &format!("/webhooks/{hook}"));
    assert_eq!(posts[0].query.as_deref(), Some(format!("thread_id={thread}&wait=true").as_str()));
    assert_eq!(fake.webhook_message_objects(hook)[0]["channel_id"], thread.to_string());

    fake.inject("PATCH", &format!("/webhooks/{hook}"), vec![Injected::thread_archived()]);
    assert!(
        matches!(sink.edit(&target, &posted(&sent), &after, PART).await, Err(SendError::Rejected(m)) if m.contains("50083"))
    );
    sink.edit(&target, &posted(&sent), &after, PART).await.unwrap();
    let patches = fake.requests_to("PATCH", &format!("/webhooks/{hook}"));
    assert_eq!(patches.len(), 2);
    assert_eq!(patches[1].query.as_deref(), Some(format!("thread_id={thread}").as_str()));
    sink.delete(&target, &posted(&sent)).await.unwrap();
    let deletes = fake.requests_to("DELETE", &format!("/webhooks/{hook}"));
    assert_eq!(deletes[0].query.as_deref(), Some(format!("thread_id={thread}").as_str()));
}

#[tokio::test]
async fn discord_webhook_errors_never_name_the_url() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let hook = fake.new_id();
    let sink = webhook_sink(&fake, fake.webhook_url(hook, HOOK_TOKEN));
    let target = Target::new(Platform::DiscordWebhook, "env:EDITS_HOOK");
    let (before, after) = discord_bodies();
    let sent = sink.send(&target, &before, PART).await.unwrap();
    drop(fake);
    for result in [sink.edit(&target, &posted(&sent), &after, PART).await, sink.delete(&target, &posted(&sent)).await] {
        match result {
            Err(e @ SendError::Transient(_)) => {
                assert!(e.to_string().contains("webhook env:EDITS_HOOK"), "{e}");
                assert!(!e.to_string().contains("127.0.0.1"), "{e}");
                no_secret(&e);
            }
            other => panic!("{other:?}"),
        }
    }
}

async fn slack_fake() -> (FakeSlack, std::sync::Arc<digestbot::slack::SlackApi>) {
    let fake = FakeSlack::start().await;
    let config = digestbot::config::SlackConfig { api_base: fake.api_base(), ..Default::default() };
    let sink = digestbot::slack::api_sink(&config, &Secret::new(SLACK_TOKEN), &digestbot::http::client().unwrap());
    (fake, sink)
}

fn slack_posted(sent: &Sent) -> Posted {
    Posted { message_id: sent.message_id.clone(), channel: sent.channel.clone(), ts: sent.message_id.clone() }
}

#[tokio::test]
async fn slack_posts_update_with_the_same_metadata_and_delete() {
    let (fake, sink) = slack_fake().await;
    let target = Target::new(Platform::Slack, "C0EDITS");
    let (before, after) = bodies(slack::messages);
    assert!(sink.edits());
    let sent = sink.send(&target, &before, PART).await.unwrap();
    let ts = sent.message_id.clone().unwrap();
    sink.edit(&target, &slack_posted(&sent), &after, PART).await.unwrap();

    let updates = fake.calls_to(Route::Update);
    assert_eq!(updates.len(), 1);
    let update = &updates[0].body;
    assert_eq!(updates[0].header("authorization"), Some(format!("Bearer {SLACK_TOKEN}").as_str()));
    assert_eq!((update["channel"].as_str(), update["ts"].as_str()), (Some("C0EDITS"), Some(ts.as_str())));
    assert_eq!(update["metadata"], fake.calls_to(Route::PostMessage)[0].body["metadata"], "the post's metadata");
    assert_eq!(update["metadata"], digestbot::slack::api::part_metadata(PART));
    assert_eq!((&update["text"], &update["blocks"]), (&after["text"], &after["blocks"]));
    let shown = serde_json::json!({"text": update["text"], "blocks": update["blocks"]});
    assert_eq!(check_slack_message(&shown), Vec::<String>::new());
    assert_eq!(fake.update_count("C0EDITS", &ts), 1);
    let message = &fake.bot_messages("C0EDITS")[0];
    assert_eq!((&message["text"], &message["blocks"]), (&after["text"], &after["blocks"]));
    assert_eq!(message["metadata"], digestbot::slack::api::part_metadata(PART), "still recognisable");

    sink.delete(&target, &slack_posted(&sent)).await.unwrap();
    assert_eq!(fake.deleted("C0EDITS"), vec![ts.clone()]);
    assert!(fake.bot_messages("C0EDITS").is_empty());
    assert_eq!(sink.delete(&target, &slack_posted(&sent)).await, Ok(()), "already gone");
    match sink.edit(&target, &slack_posted(&sent), &after, PART).await {
        Err(e @ SendError::Rejected(_)) => {
            assert!(e.to_string().contains("message_not_found"), "{e}");
            no_secret(&e);
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn slack_refusals_by_what_happens_next() {
    let (fake, sink) = slack_fake().await;
    let target = Target::new(Platform::Slack, "C0EDITS");
    let (before, after) = bodies(slack::messages);
    let sent = sink.send(&target, &before, PART).await.unwrap();
    let posted = slack_posted(&sent);

    // A message of someone else's: the fake answers cant_update_message / cant_delete_message.
    let theirs = fake.add_user_message("C0EDITS", "hello");
    let stranger = Posted { message_id: Some(theirs.clone()), channel: Some("C0EDITS".into()), ts: Some(theirs) };
    assert!(
        matches!(sink.edit(&target, &stranger, &after, PART).await, Err(SendError::Rejected(m)) if m.contains("cant_update_message"))
    );
    assert!(
        matches!(sink.delete(&target, &stranger).await, Err(SendError::Rejected(m)) if m.contains("cant_delete_message"))
    );

    fake.inject(Route::Update, vec![Answer::api_error("edit_window_closed")]);
    assert!(
        matches!(sink.edit(&target, &posted, &after, PART).await, Err(SendError::Rejected(m)) if m.contains("edit_window_closed"))
    );
    for code in ["channel_not_found", "not_in_channel", "is_archived"] {
        fake.inject(Route::Update, vec![Answer::api_error(code)]);
        assert_eq!(sink.edit(&target, &posted, &after, PART).await, Err(SendError::Gone(code.into())));
    }
    fake.inject(Route::Delete, vec![Answer::api_error("channel_not_found")]);
    assert!(matches!(sink.delete(&target, &posted).await, Err(SendError::Gone(_))));
    fake.inject(Route::Update, vec![Answer::rate_limited(7)]);
    assert_eq!(
        sink.edit(&target, &posted, &after, PART).await,
        Err(SendError::RateLimited { retry_after: std::time::Duration::from_secs(7), global: false })
    );
    fake.inject(Route::Update, vec![Answer::api_error("invalid_auth")]);
    match sink.edit(&target, &posted, &after, PART).await {
        Err(e @ SendError::Unauthorized(_)) => no_secret(&e),
        other => panic!("{other:?}"),
    }
    fake.inject(Route::Delete, vec![Answer::server_error()]);
    assert!(matches!(sink.delete(&target, &posted).await, Err(SendError::Transient(_))));
    assert_eq!(fake.update_count("C0EDITS", sent.message_id.as_deref().unwrap()), 0, "nothing changed");
    assert_eq!(
        sink.edit(&target, &Posted::default(), &after, PART).await,
        Err(SendError::Rejected("posted before message ids were kept; it cannot be edited".into()))
    );
}

#[tokio::test]
async fn slack_webhooks_cannot_edit() {
    let fake = FakeSlack::start().await;
    let hooks = [("env:EDITS_SLACK_HOOK".to_string(), Secret::new(fake.webhook_url("edits")))];
    let sink = digestbot::slack::SlackWebhooks::new(digestbot::http::client().unwrap(), hooks);
    let target = Target::new(Platform::SlackWebhook, "env:EDITS_SLACK_HOOK");
    let (before, after) = bodies(slack::messages);
    assert!(!sink.edits());
    let sent = sink.send(&target, &before, PART).await.unwrap();
    assert_eq!(sent.message_id, None, "a webhook answers no ts");
    assert!(matches!(sink.edit(&target, &Posted::default(), &after, PART).await, Err(SendError::Rejected(_))));
    assert!(matches!(sink.delete(&target, &Posted::default()).await, Err(SendError::Rejected(_))));
    assert_eq!(fake.calls().len(), 1, "only the post was sent");
}
