//! Smoke tests of the fake Discord (`support::fake_discord`) driven by the REAL serenity 0.12.5
//! client: the gateway handshake (HELLO, IDENTIFY, READY, heartbeats, RESUME, graceful close), command
//! registration, Create Message with `nonce` + `enforce_nonce` (also when the response is lost),
//! interactions with their callbacks and follow-ups, webhooks (with `?wait=true`, edited and deleted),
//! Edit and Delete Message, threads started from a message, forum and media posts with their tags,
//! channel types and List Active Guild Threads, injected failures as serenity reports them, Discord's
//! limits, and the emulated rate limits. Nothing here mocks serenity.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    ApplicationId, AutoArchiveDuration, Channel, ChannelFlags, ChannelId, ChannelType, Client, ClientBuilder, Command,
    CommandDataOptionValue, CommandOptionType, Context, CreateAutocompleteResponse, CreateButton, CreateCommand,
    CreateCommandOption, CreateEmbed, CreateForumPost, CreateInteractionResponse, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, CreateThread, EditInteractionResponse, EditMessage,
    EditWebhookMessage, EventHandler, ExecuteWebhook, ForumTagId, GatewayIntents, GuildId, Http, HttpBuilder,
    Interaction, MessageId, Nonce, Ready, ShardManager, WebhookId,
};
use serenity::async_trait;
use serenity::http::{ErrorResponse, HttpError};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::support::fake_discord::{
    ChannelSpec, FakeDiscord, FakeOptions, ForumTag, GUILD_ID, Injected, InteractionSpec, LostResponse, REQUIRE_TAG,
    autocomplete_interaction, command_interaction,
};

const TOKEN: &str = "test-token";
const WAIT: Duration = Duration::from_secs(5);

/// What the test bot reports back to the test.
#[derive(Debug)]
enum BotEvent {
    Ready { application_id: u64, user_id: u64 },
    Answered { subcommand: String, options: usize },
    Failed(String),
}

/// A minimal bot: answers `/digest` with a message and a follow-up, autocomplete with two choices.
struct TestBot {
    events: mpsc::UnboundedSender<BotEvent>,
}

#[async_trait]
impl EventHandler for TestBot {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self
            .events
            .send(BotEvent::Ready { application_id: ready.application.id.get(), user_id: ready.user.id.get() });
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        let outcome = match interaction {
            Interaction::Command(command) => {
                let Some(sub) = command.data.options.first() else { return };
                let CommandDataOptionValue::SubCommand(options) = &sub.value else { return };
                let answered = BotEvent::Answered { subcommand: sub.name.clone(), options: options.len() };
                if sub.name == "later" {
                    // Deferred: acknowledge now, fill the original response in afterwards.
                    let deferred = CreateInteractionResponse::Defer(CreateInteractionResponseMessage::new());
                    let edit = EditInteractionResponse::new().content("done later");
                    let outcome = match command.create_response(&ctx.http, deferred).await {
                        Ok(()) => command.edit_response(&ctx.http, edit).await.map(|_| answered),
                        Err(e) => Err(e),
                    };
                    let _ = self.events.send(outcome.unwrap_or_else(|e| BotEvent::Failed(e.to_string())));
                    return;
                }
                let reply = CreateInteractionResponseMessage::new().content(format!("digest {}", sub.name));
                match command.create_response(&ctx.http, CreateInteractionResponse::Message(reply)).await {
                    Ok(()) => command
                        .create_followup(&ctx.http, CreateInteractionResponseFollowup::new().content("more to come"))
                        .await
                        .map(|_| answered),
                    Err(e) => Err(e),
                }
            }
            Interaction::Autocomplete(autocomplete) => {
                let typed = autocomplete.data.autocomplete().map(|o| o.value.to_string()).unwrap_or_default();
                let choices = CreateAutocompleteResponse::new()
                    .add_string_choice(format!("{typed}-one"), "one")
                    .add_string_choice(format!("{typed}-two"), "two");
                autocomplete
                    .create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices))
                    .await
                    .map(|()| BotEvent::Answered { subcommand: "autocomplete".to_string(), options: 2 })
            }
            _ => return,
        };
        let _ = self.events.send(outcome.unwrap_or_else(|e| BotEvent::Failed(e.to_string())));
    }
}

/// A serenity client running against the fake.
struct RunningBot {
    http: Arc<Http>,
    shard_manager: Arc<ShardManager>,
    events: mpsc::UnboundedReceiver<BotEvent>,
    task: JoinHandle<serenity::Result<()>>,
    /// Application id and bot user id from the READY the handler received.
    ready: (u64, u64),
}

impl RunningBot {
    async fn next_event(&mut self) -> BotEvent {
        match tokio::time::timeout(WAIT, self.events.recv()).await.expect("bot event in time").expect("bot running") {
            BotEvent::Failed(why) => panic!("the bot failed: {why}"),
            event => event,
        }
    }

    async fn shutdown(self, fake: &FakeDiscord) {
        self.shard_manager.shutdown_all().await;
        assert!(fake.wait_gateway_closed(WAIT).await, "the client closed the gateway");
        let finished = tokio::time::timeout(WAIT, self.task).await.expect("client returns after shutdown_all");
        finished.expect("client task").expect("client ends cleanly");
    }
}

fn http_for(fake: &FakeDiscord) -> Http {
    HttpBuilder::new(TOKEN).proxy(fake.base_url()).ratelimiter_disabled(true).build()
}

async fn start_bot(fake: &FakeDiscord) -> RunningBot {
    let (tx, events) = mpsc::unbounded_channel();
    let mut client: Client = ClientBuilder::new_with_http(http_for(fake), GatewayIntents::GUILDS)
        .event_handler(TestBot { events: tx })
        .await
        .expect("client builds");
    let http = Arc::clone(&client.http);
    let shard_manager = Arc::clone(&client.shard_manager);
    let task = tokio::spawn(async move { client.start().await });
    let mut bot = RunningBot { http, shard_manager, events, task, ready: (0, 0) };
    match bot.next_event().await {
        BotEvent::Ready { application_id, user_id } => RunningBot { ready: (application_id, user_id), ..bot },
        other => panic!("expected READY first, got {other:?}"),
    }
}

fn unsuccessful<T: std::fmt::Debug>(result: serenity::Result<T>) -> ErrorResponse {
    match result {
        Err(serenity::Error::Http(HttpError::UnsuccessfulRequest(response))) => response,
        other => panic!("expected HttpError::UnsuccessfulRequest, got {other:?}"),
    }
}

fn digest_command() -> CreateCommand {
    CreateCommand::new("digest").description("Weekly digests").add_option(
        CreateCommandOption::new(CommandOptionType::SubCommand, "show", "Show a digest").add_sub_option(
            CreateCommandOption::new(CommandOptionType::String, "topic", "Which digest").set_autocomplete(true),
        ),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_connects_identifies_heartbeats_and_closes_gracefully() {
    let fake = FakeDiscord::start(FakeOptions { heartbeat_interval_ms: 100, ..FakeOptions::default() }).await;
    let bot = start_bot(&fake).await;
    assert_eq!(bot.ready, (fake.application_id(), fake.bot_user_id()), "READY as the bot saw it");
    assert!(fake.wait_ready(WAIT).await);

    let gateway = fake.requests_to("GET", "/gateway");
    assert_eq!(gateway.len(), 1, "serenity asks for the gateway URL once");
    assert_eq!(gateway[0].path, "/api/v10/gateway");
    assert_eq!(gateway[0].header("authorization"), Some("Bot test-token"));
    let identify = fake.identify().expect("IDENTIFY received");
    assert_eq!(identify["token"], "Bot test-token");
    assert_eq!(identify["intents"], json!(GatewayIntents::GUILDS.bits()));
    assert_eq!(identify["properties"]["browser"], "serenity");
    assert_eq!(identify["shard"], json!([0, 1]));

    // serenity sends a second heartbeat only if the first was acknowledged (else it reconnects).
    assert!(fake.wait_gateway(|g| g.heartbeats >= 2, WAIT).await, "heartbeats arrive");
    let stats = fake.gateway_stats();
    assert_eq!((stats.connections, stats.identifies, stats.readies), (1, 1, 1), "no reconnect");

    assert!(!fake.gateway_closed());
    bot.shutdown(&fake).await;
    assert_eq!(fake.gateway_close_code(), Some(1000), "a graceful close");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_are_registered_globally_and_per_guild() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let bot = start_bot(&fake).await;
    assert_eq!(bot.http.application_id().map(|id| id.get()), Some(fake.application_id()), "learned from READY");

    let global = Command::set_global_commands(&bot.http, vec![digest_command()]).await.expect("global overwrite");
    assert_eq!(global.len(), 1);
    assert_eq!(global[0].name, "digest");
    assert_eq!(global[0].application_id.get(), fake.application_id());
    assert_eq!(global[0].options[0].options[0].name, "topic");
    assert!(global[0].options[0].options[0].autocomplete);
    let stored = fake.commands(None).expect("global commands stored");
    assert_eq!(stored[0]["id"], json!(global[0].id.to_string()));

    // A second overwrite keeps the command's id, as Discord does for the same name.
    let again = Command::set_global_commands(&bot.http, vec![digest_command()]).await.expect("second overwrite");
    assert_eq!(again[0].id, global[0].id);
    let listed = Command::get_global_commands(&bot.http).await.expect("list global commands");
    assert_eq!(listed[0].id, global[0].id);

    let guild = GuildId::new(1_300_000_000_000_000_010);
    let in_guild = guild.set_commands(&bot.http, vec![digest_command()]).await.expect("guild overwrite");
    assert_eq!(in_guild[0].guild_id, Some(guild));
    assert_eq!(fake.commands(Some(guild.get())).expect("guild commands stored")[0]["name"], "digest");
    assert_eq!(guild.get_commands(&bot.http).await.expect("list guild commands").len(), 1);

    // Discord's rules for names: an upper-case name is refused with "Invalid Form Body".
    let refused = Command::set_global_commands(&bot.http, vec![CreateCommand::new("Digest").description("x")]).await;
    let error = unsuccessful(refused);
    assert_eq!(error.status_code.as_u16(), 400);
    assert_eq!(error.error.code, 50035);
    assert_eq!(error.error.errors[0].path, "0.name");

    bot.shutdown(&fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn command_and_autocomplete_interactions_are_answered() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let mut bot = start_bot(&fake).await;

    let spec = InteractionSpec {
        options: vec![("topic".to_string(), json!("rust")), ("weeks".to_string(), json!(2))],
        ..fake.interaction_spec("show")
    };
    let (id, token) = (spec.id, spec.token.clone());
    assert_eq!(fake.send_interaction(command_interaction(spec)), 1);
    let callback = fake.wait_callback(id, WAIT).await.expect("callback recorded");
    assert_eq!(callback["type"], 4);
    assert_eq!(callback["data"]["content"], "digest show");
    match bot.next_event().await {
        BotEvent::Answered { subcommand, options } => assert_eq!((subcommand.as_str(), options), ("show", 2)),
        other => panic!("expected an answer, got {other:?}"),
    }
    let followups = fake.followups(&token);
    assert_eq!(followups.len(), 1);
    assert_eq!(followups[0]["content"], "more to come");
    let followup_path = format!("/api/v10/webhooks/{}/{token}", fake.application_id());
    assert!(fake.requests().iter().any(|r| r.path == followup_path && r.status == 200));

    let spec = fake.interaction_spec("later");
    let (id, token) = (spec.id, spec.token.clone());
    fake.send_interaction(command_interaction(spec));
    let original = format!("/api/v10/webhooks/{}/{token}/messages/@original", fake.application_id());
    assert!(fake.wait_for(|requests| requests.iter().any(|r| r.path == original), WAIT).await, "original edited");
    assert_eq!(fake.callbacks(id).len(), 1);
    assert_eq!(fake.callbacks(id)[0]["type"], 5);
    assert_eq!(fake.original_edits(&token)[0]["content"], "done later");
    assert!(matches!(bot.next_event().await, BotEvent::Answered { .. }));

    let spec = InteractionSpec { options: vec![("topic".to_string(), json!("ru"))], ..fake.interaction_spec("show") };
    let id = spec.id;
    fake.send_interaction(autocomplete_interaction(spec, "topic"));
    let callback = fake.wait_callback(id, WAIT).await.expect("autocomplete callback recorded");
    assert_eq!(callback["type"], 8);
    assert_eq!(
        callback["data"]["choices"],
        json!([{"name": "ru-one", "value": "one"}, {"name": "ru-two", "value": "two"}])
    );
    assert!(matches!(bot.next_event().await, BotEvent::Answered { .. }));

    bot.shutdown(&fake).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn client_resumes_after_the_gateway_drops_it() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let mut bot = start_bot(&fake).await;

    fake.disconnect_gateway(4000);
    assert!(fake.wait_gateway(|g| g.resumes == 1, WAIT).await, "serenity resumes");
    let stats = fake.gateway_stats();
    assert_eq!((stats.connections, stats.identifies, stats.client_closes), (2, 1, 0), "resumed, not re-identified");

    let spec = fake.interaction_spec("show");
    let id = spec.id;
    assert_eq!(fake.send_interaction(command_interaction(spec)), 1);
    assert!(fake.wait_callback(id, WAIT).await.is_some(), "events flow after the resume");
    assert!(matches!(bot.next_event().await, BotEvent::Answered { .. }));
    bot.shutdown(&fake).await;
}

#[test]
fn interaction_builders_deserialize_in_serenity() {
    let spec = InteractionSpec {
        options: vec![("topic".to_string(), json!("rust")), ("weeks".to_string(), json!(3))],
        permissions: 1 << 5,
        ..InteractionSpec::default()
    };
    let Interaction::Command(command) = serde_json::from_value(command_interaction(spec.clone())).expect("command")
    else {
        panic!("expected a command interaction");
    };
    assert_eq!(command.data.name, "digest");
    assert_eq!(command.guild_id.map(|g| g.get()), spec.guild_id);
    let member = command.member.as_ref().expect("member in a guild");
    assert_eq!(member.permissions.map(|p| p.bits()), Some(1 << 5));
    assert_eq!(command.user.id.get(), spec.user_id, "serenity copies member.user to user");
    let CommandDataOptionValue::SubCommand(options) = &command.data.options[0].value else {
        panic!("expected a subcommand");
    };
    assert_eq!(options[0].value, CommandDataOptionValue::String("rust".to_string()));
    assert_eq!(options[1].value, CommandDataOptionValue::Integer(3));

    let Interaction::Autocomplete(autocomplete) =
        serde_json::from_value(autocomplete_interaction(spec.clone(), "weeks")).expect("autocomplete")
    else {
        panic!("expected an autocomplete interaction");
    };
    let focused = autocomplete.data.autocomplete().expect("focused option");
    assert_eq!((focused.name, focused.value), ("weeks", "3"));

    let dm = InteractionSpec { guild_id: None, ..spec };
    let Interaction::Command(command) = serde_json::from_value(command_interaction(dm)).expect("DM command") else {
        panic!("expected a command interaction");
    };
    assert!(command.member.is_none());
    assert_eq!(command.user.id.get(), InteractionSpec::default().user_id);
}

#[tokio::test]
async fn nonce_with_enforce_nonce_creates_one_message_even_when_the_response_is_lost() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let http = http_for(&fake);
    let channel = ChannelId::new(42);
    let message =
        || CreateMessage::new().content("weekly digest").nonce(Nonce::String("digest-1".into())).enforce_nonce(true);

    let first = channel.send_message(&http, message()).await.expect("first send");
    let second = channel.send_message(&http, message()).await.expect("repeat send");
    assert_eq!(first.id, second.id, "the repeat returns the existing message");
    assert_eq!(first.content, "weekly digest");
    assert_eq!(first.author.id.get(), fake.bot_user_id());
    assert_eq!(fake.messages(42).len(), 1);
    assert_eq!(fake.messages(42)[0]["nonce"], "digest-1");
    assert_eq!(fake.requests_to("POST", "/channels/42/messages").len(), 2);

    // The response is lost after the message was stored: serenity sees a transport error, and the
    // retry with the same nonce gets the stored message back.
    let lost =
        || CreateMessage::new().content("lost answer").nonce(Nonce::String("digest-2".into())).enforce_nonce(true);
    fake.inject_drop_response("POST", "/channels/42/messages", 1);
    match channel.send_message(&http, lost()).await {
        Err(serenity::Error::Http(HttpError::Request(_))) => {}
        other => panic!("expected a transport error, got {other:?}"),
    }
    assert_eq!(fake.messages(42).len(), 2, "processed although the client got no answer");
    let retried = channel.send_message(&http, lost()).await.expect("retry");
    assert_eq!(retried.content, "lost answer");
    assert_eq!(fake.messages(42).len(), 2, "the retry created nothing");

    // The same with a 500 after the fact.
    fake.inject_lost_response("POST", "/channels/42/messages", 1, LostResponse::ServerError);
    let third = || CreateMessage::new().content("third").nonce(Nonce::Number(7)).enforce_nonce(true);
    assert_eq!(unsuccessful(channel.send_message(&http, third()).await).status_code.as_u16(), 500);
    channel.send_message(&http, third()).await.expect("retry after 500");
    assert_eq!(fake.messages(42).len(), 3);

    // Without enforce_nonce the nonce is only echoed: two messages.
    let loose = || CreateMessage::new().content("loose").nonce(Nonce::String("digest-3".into()));
    let a = channel.send_message(&http, loose()).await.expect("loose 1");
    let b = channel.send_message(&http, loose()).await.expect("loose 2");
    assert_ne!(a.id, b.id);
    let statuses: Vec<u16> = fake.requests_to("POST", "/channels/42/messages").iter().map(|r| r.status).collect();
    assert_eq!(statuses, vec![200, 200, 0, 200, 500, 200, 200, 200]);
}

#[tokio::test]
async fn injected_failures_reach_serenity_as_unsuccessful_requests() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let http = http_for(&fake);
    let channel = ChannelId::new(7);
    fake.inject(
        "POST",
        "/channels/7/messages",
        vec![
            Injected::rate_limited(2.5, false),
            Injected::server_error(),
            Injected::forbidden(),
            Injected::unauthorized(),
            Injected::not_found(),
        ],
    );
    let send = || channel.send_message(&http, CreateMessage::new().content("hello"));

    let limited = unsuccessful(send().await);
    assert_eq!(limited.status_code.as_u16(), 429);
    // serenity keeps only `{code, message, errors}` of an error body: Discord's 429 body has no `code`,
    // so the body fails to decode (code -1) and `retry_after` never reaches the caller.
    assert_eq!(limited.error.code, -1);
    assert!(limited.error.message.contains("missing field `code`"), "{}", limited.error.message);
    assert_eq!(unsuccessful(send().await).status_code.as_u16(), 500);
    let forbidden = unsuccessful(send().await);
    assert_eq!((forbidden.status_code.as_u16(), forbidden.error.code), (403, 50001));
    assert_eq!(forbidden.error.message, "Missing Access");
    let unauthorized = unsuccessful(send().await);
    assert_eq!((unauthorized.status_code.as_u16(), unauthorized.error.code), (401, 0));
    let missing = unsuccessful(send().await);
    assert_eq!((missing.status_code.as_u16(), missing.error.code), (404, 10003));
    send().await.expect("the queue is used up: normal handling again");
    assert_eq!(fake.count_429(), 1);
    assert_eq!(fake.messages(7).len(), 1);

    // What the 429 carries on the wire, read without serenity.
    fake.inject("POST", "/channels/7/messages", vec![Injected::rate_limited(1.25, true)]);
    let raw = reqwest::Client::new()
        .post(format!("{}/api/v10/channels/7/messages", fake.base_url()))
        .header("authorization", "Bot test-token")
        .json(&json!({"content": "raw"}))
        .send()
        .await
        .expect("raw request");
    assert_eq!(raw.status().as_u16(), 429);
    assert_eq!(raw.headers()["retry-after"], "2");
    assert_eq!(raw.headers()["x-ratelimit-global"], "true");
    assert_eq!(raw.headers()["x-ratelimit-scope"], "global");
    let body: Value = raw.json().await.expect("429 body");
    assert_eq!(body, json!({"message": "You are being rate limited.", "retry_after": 1.25, "global": true}));
}

#[tokio::test]
async fn limits_tokens_and_unknown_routes_are_enforced() {
    let fake = FakeDiscord::start(FakeOptions { token: Some(TOKEN.to_string()), ..FakeOptions::default() }).await;
    let http = http_for(&fake);
    let channel = ChannelId::new(9);

    // serenity checks the 2000 limit itself; raw JSON shows the fake applies Discord's limits too.
    let too_long = json!({"content": "x".repeat(2001)});
    let error = unsuccessful(http.send_message(channel, vec![], &too_long).await);
    assert_eq!((error.status_code.as_u16(), error.error.code), (400, 50035));
    assert_eq!(error.error.errors[0].path, "content");
    let trimmed = json!({"content": format!("  {}  ", "x".repeat(2000))});
    http.send_message(channel, vec![], &trimmed).await.expect("length counts after trimming");
    let big_field = json!({"name": "n", "value": "v".repeat(1000)});
    let embeds: Vec<Value> = (0..2).map(|_| json!({"title": "t", "fields": vec![big_field.clone(); 3]})).collect();
    let error = unsuccessful(http.send_message(channel, vec![], &json!({"embeds": embeds})).await);
    assert_eq!(error.error.errors[0].path, "embeds", "6000 is summed over all embeds of a message");
    let empty = unsuccessful(http.send_message(channel, vec![], &json!({"content": "   "})).await);
    assert_eq!((empty.status_code.as_u16(), empty.error.code), (400, 50006));
    assert_eq!(fake.messages(9).len(), 1);

    let stranger = HttpBuilder::new("other-token").proxy(fake.base_url()).ratelimiter_disabled(true).build();
    assert_eq!(unsuccessful(stranger.get_current_user().await).status_code.as_u16(), 401);
    let me = http.get_current_user().await.expect("current user");
    assert!(me.bot);
    let app = http.get_current_application_info().await.expect("application info");
    assert_eq!(app.id.get(), fake.application_id());

    let unknown = reqwest::get(format!("{}/api/v10/nowhere", fake.base_url())).await.expect("raw request");
    assert_eq!(unknown.status().as_u16(), 404);
    assert_eq!(unknown.json::<Value>().await.expect("body"), json!({"message": "404: Not Found", "code": 0}));
    assert!(fake.requests().iter().any(|r| r.path == "/api/v10/nowhere" && r.status == 404));
}

#[tokio::test]
async fn webhooks_store_posts_with_and_without_wait() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let http = http_for(&fake);
    let webhook = WebhookId::new(555);
    let builder = ExecuteWebhook::new().content("posted via webhook");
    let message = http
        .execute_webhook(webhook, None, "hook-token", true, vec![], &builder)
        .await
        .expect("execute webhook")
        .expect("wait=true returns the message");
    assert_eq!(message.webhook_id, Some(webhook));
    assert_eq!(message.content, "posted via webhook");

    let response = reqwest::Client::new()
        .post(fake.webhook_url(555, "hook-token"))
        .json(&json!({"content": "plain post"}))
        .send()
        .await
        .expect("raw webhook post");
    assert_eq!(response.status().as_u16(), 204);
    let contents: Vec<Value> = fake.webhook_messages(555).iter().map(|b| b["content"].clone()).collect();
    assert_eq!(contents, vec![json!("posted via webhook"), json!("plain post")]);
}

#[tokio::test]
async fn rate_limits_refuse_the_sixth_message_and_requests_over_the_global_limit() {
    let fake = FakeDiscord::start(FakeOptions {
        channel_messages: Some((5, Duration::from_secs(5))),
        ..FakeOptions::default()
    })
    .await;
    let http = http_for(&fake);
    let channel = ChannelId::new(11);
    for i in 0..5 {
        channel.send_message(&http, CreateMessage::new().content(format!("message {i}"))).await.expect("within limit");
    }
    let refused = unsuccessful(channel.send_message(&http, CreateMessage::new().content("sixth")).await);
    assert_eq!(refused.status_code.as_u16(), 429);
    assert_eq!(fake.messages(11).len(), 5);
    ChannelId::new(12).send_message(&http, CreateMessage::new().content("other channel")).await.expect("own bucket");

    // The headers of a success and of the refusal, read without serenity.
    let client = reqwest::Client::new();
    let post = |channel: u64| {
        client
            .post(format!("{}/api/v10/channels/{channel}/messages", fake.base_url()))
            .header("authorization", "Bot test-token")
            .json(&json!({"content": "raw"}))
            .send()
    };
    let ok = post(13).await.expect("raw post");
    assert_eq!(ok.status().as_u16(), 200);
    assert_eq!(ok.headers()["x-ratelimit-limit"], "5");
    assert_eq!(ok.headers()["x-ratelimit-remaining"], "4");
    let reset_after: f64 = ok.headers()["x-ratelimit-reset-after"].to_str().unwrap().parse().unwrap();
    assert!(reset_after > 4.0 && reset_after <= 5.0, "{reset_after}");
    assert!(ok.headers().contains_key("x-ratelimit-reset") && ok.headers().contains_key("x-ratelimit-bucket"));
    let limited = post(11).await.expect("raw post");
    assert_eq!(limited.status().as_u16(), 429);
    assert_eq!(limited.headers()["x-ratelimit-remaining"], "0");
    let body: Value = limited.json().await.expect("429 body");
    let retry_after = body["retry_after"].as_f64().expect("retry_after");
    assert!(retry_after > 0.0 && retry_after <= 5.0, "{retry_after}");
    assert_eq!(body["global"], false);

    assert_eq!(fake.count_429(), 2);

    // Global: at most 3 requests per rolling second.
    let fake = FakeDiscord::start(FakeOptions { global_per_sec: Some(3), ..FakeOptions::default() }).await;
    let http = http_for(&fake);
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(match http.get_current_user().await {
            Ok(_) => 200,
            Err(e) => unsuccessful::<()>(Err(e)).status_code.as_u16(),
        });
    }
    assert_eq!(statuses, vec![200, 200, 200, 429, 429]);
    let refused = fake.requests().into_iter().find(|r| r.status == 429).expect("a refused request");
    assert!(refused.at.elapsed() < Duration::from_secs(1), "the window is one second");
}

#[tokio::test]
async fn interaction_protocol_errors_are_emulated() {
    let fake = FakeDiscord::start(FakeOptions {
        interaction_deadline: Some(Duration::from_millis(50)),
        ..FakeOptions::default()
    })
    .await;
    let http = HttpBuilder::new(TOKEN)
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(fake.application_id()))
        .build();
    let command = |spec: InteractionSpec| match serde_json::from_value(command_interaction(spec)) {
        Ok(Interaction::Command(command)) => command,
        other => panic!("expected a command interaction, got {other:?}"),
    };
    let answer = || CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content("hi"));

    let first = command(fake.interaction_spec("show"));
    let followup = first.create_followup(&http, CreateInteractionResponseFollowup::new().content("too early")).await;
    assert_eq!(unsuccessful(followup).error.code, 10015, "a follow-up needs an acknowledged interaction");
    first.create_response(&http, answer()).await.expect("first callback");
    let again = unsuccessful(first.create_response(&http, answer()).await);
    assert_eq!((again.status_code.as_u16(), again.error.code), (400, 40060), "acknowledged twice");
    assert_eq!(fake.callbacks(first.id.get()).len(), 1);
    let original = first.get_response(&http).await.expect("original response");
    assert_eq!(original.content, "hi");

    // Too late: the deadline (3 s on Discord, 50 ms here) runs from send_interaction.
    let spec = fake.interaction_spec("show");
    assert_eq!(fake.send_interaction(command_interaction(spec.clone())), 0, "no gateway client");
    tokio::time::sleep(Duration::from_millis(80)).await;
    let late = unsuccessful(command(spec).create_response(&http, answer()).await);
    assert_eq!((late.status_code.as_u16(), late.error.code), (404, 10062));
}

#[tokio::test]
async fn a_hanging_response_needs_a_client_timeout() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let client = reqwest::Client::builder().timeout(Duration::from_millis(300)).build().expect("reqwest client");
    let http = HttpBuilder::new(TOKEN).client(client).proxy(fake.base_url()).ratelimiter_disabled(true).build();
    let channel = ChannelId::new(77);
    let message = || CreateMessage::new().content("slow").nonce(Nonce::String("slow-1".into())).enforce_nonce(true);

    fake.inject_lost_response("POST", "/channels/77/messages", 1, LostResponse::Hang);
    match channel.send_message(&http, message()).await {
        Err(serenity::Error::Http(HttpError::Request(e))) => assert!(e.is_timeout(), "{e}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
    channel.send_message(&http, message()).await.expect("retry");
    assert_eq!(fake.all_messages(), vec![(77, fake.messages(77)[0].clone())]);
    assert_eq!(fake.requests().iter().map(|r| r.status).collect::<Vec<_>>(), vec![0, 200]);
}

#[tokio::test]
async fn a_wrong_token_is_refused_at_identify() {
    let fake =
        FakeDiscord::start(FakeOptions { token: Some("right-token".to_string()), ..FakeOptions::default() }).await;
    let mut client =
        ClientBuilder::new_with_http(http_for(&fake), GatewayIntents::GUILDS).await.expect("client builds");
    let result = tokio::time::timeout(WAIT, client.start()).await.expect("client gives up in time");
    assert!(
        matches!(result, Err(serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication))),
        "{result:?}"
    );
    assert_eq!(fake.gateway_stats().readies, 0);
    assert_eq!(fake.identify().expect("IDENTIFY received")["token"], "Bot test-token");
}

/// A raw request with the bot token, for what serenity does not show (status codes, extra fields).
async fn raw(fake: &FakeDiscord, method: reqwest::Method, route: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}/api/v10{route}", fake.base_url()))
        .header("authorization", "Bot test-token");
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("raw request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn messages_are_edited_and_deleted() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let http = http_for(&fake);
    let channel = ChannelId::new(21);
    let posted = channel.send_message(&http, CreateMessage::new().content("draft")).await.expect("post");
    assert!(posted.edited_timestamp.is_none());

    let edit = EditMessage::new().content("final").embed(CreateEmbed::new().title("Weekly")).components(vec![
        serenity::all::CreateActionRow::Buttons(vec![CreateButton::new_link("https://example.com").label("Read")]),
    ]);
    let edited = channel.edit_message(&http, posted.id, edit).await.expect("edit");
    assert_eq!((edited.id, edited.content.as_str()), (posted.id, "final"));
    assert!(edited.edited_timestamp.is_some());
    assert_eq!(edited.embeds[0].title.as_deref(), Some("Weekly"));
    assert_eq!(edited.components.len(), 1, "components are echoed");
    assert_eq!(fake.messages(21).len(), 1, "an edit replaces, it does not add");
    assert_eq!(fake.messages(21)[0]["content"], "final");
    assert_eq!(fake.message_objects(21)[0]["embeds"][0]["type"], "rich");
    assert_eq!(fake.edits(posted.id.get()).len(), 1);

    // Refusals: unknown message (also in another channel), Create Message's limits, an edit that
    // leaves nothing to show, and the injected 30046.
    let unknown = unsuccessful(channel.edit_message(&http, MessageId::new(99), EditMessage::new().content("x")).await);
    assert_eq!((unknown.status_code.as_u16(), unknown.error.code), (404, 10008));
    assert_eq!(unknown.error.message, "Unknown Message");
    let elsewhere = ChannelId::new(22).edit_message(&http, posted.id, EditMessage::new().content("x")).await;
    assert_eq!(unsuccessful(elsewhere).error.code, 10008);
    let route = format!("/channels/21/messages/{}", posted.id);
    let (status, body) = raw(&fake, reqwest::Method::PATCH, &route, Some(json!({"content": "x".repeat(2001)}))).await;
    assert_eq!((status, body["code"].clone()), (400, json!(50035)));
    assert_eq!(body["errors"]["content"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    let long_label = json!({"components": [{"type": 1, "components": [
        {"type": 2, "style": 5, "label": "l".repeat(81), "url": "https://example.com"},
        {"type": 2, "style": 5, "label": "ok", "url": "https://example.com", "custom_id": "x"},
    ]}]});
    let (status, body) = raw(&fake, reqwest::Method::PATCH, &route, Some(long_label)).await;
    assert_eq!((status, body["code"].clone()), (400, json!(50035)));
    let row = &body["errors"]["components"]["0"]["components"];
    assert_eq!(row["0"]["label"]["_errors"][0]["code"], "BASE_TYPE_MAX_LENGTH");
    assert!(row["1"]["custom_id"]["_errors"].is_array(), "a link button has no custom_id: {body}");
    let emptied = json!({"content": "", "embeds": [], "components": []});
    let (status, body) = raw(&fake, reqwest::Method::PATCH, &route, Some(emptied)).await;
    assert_eq!((status, body["code"].clone()), (400, json!(50006)));
    fake.inject("PATCH", &route, vec![Injected::too_many_edits()]);
    let refused = unsuccessful(channel.edit_message(&http, posted.id, EditMessage::new().content("again")).await);
    assert_eq!((refused.status_code.as_u16(), refused.error.code), (400, 30046));
    assert_eq!(refused.error.message, "Maximum number of edits to messages older than 1 hour reached. Try again later");
    assert_eq!(fake.edits(posted.id.get()).len(), 1, "refused edits are not applied");

    // A lost answer: the edit took effect.
    fake.inject_drop_response("PATCH", &route, 1);
    let lost = channel.edit_message(&http, posted.id, EditMessage::new().content("lost")).await;
    assert!(matches!(lost, Err(serenity::Error::Http(HttpError::Request(_)))), "{lost:?}");
    assert_eq!(fake.messages(21)[0]["content"], "lost");

    channel.delete_message(&http, posted.id).await.expect("delete");
    assert!(fake.messages(21).is_empty());
    assert_eq!(fake.deleted(21), vec![posted.id.get()]);
    assert_eq!(fake.requests_to("DELETE", &route)[0].status, 204);
    let again = unsuccessful(channel.delete_message(&http, posted.id).await);
    assert_eq!((again.status_code.as_u16(), again.error.code), (404, 10008));
}

#[tokio::test]
async fn a_thread_is_started_once_from_a_message() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let http = http_for(&fake);
    let channel = ChannelId::new(31);
    let posted = channel.send_message(&http, CreateMessage::new().content("digest")).await.expect("post");
    let thread = channel
        .create_thread_from_message(
            &http,
            posted.id,
            CreateThread::new("Discuss").auto_archive_duration(AutoArchiveDuration::OneDay),
        )
        .await
        .expect("thread");
    assert_eq!(thread.id.get(), posted.id.get(), "the thread has the message's id");
    assert_eq!(thread.kind, ChannelType::PublicThread);
    assert_eq!((thread.parent_id, thread.guild_id), (Some(channel), GuildId::new(GUILD_ID)));
    assert_eq!(thread.owner_id.map(|o| o.get()), Some(fake.bot_user_id()));
    let metadata = thread.thread_metadata.expect("thread metadata");
    assert_eq!((metadata.archived, metadata.auto_archive_duration), (false, AutoArchiveDuration::OneDay));
    let route = format!("/channels/31/messages/{}/threads", posted.id);
    assert_eq!(fake.requests_to("POST", &route)[0].status, 201);
    assert_eq!(fake.message_objects(31)[0]["thread"]["id"], json!(posted.id.to_string()));

    let again = unsuccessful(channel.create_thread_from_message(&http, posted.id, CreateThread::new("Again")).await);
    assert_eq!((again.status_code.as_u16(), again.error.code), (400, 160004));
    assert_eq!(again.error.message, "A thread has already been created for this message");

    // Posting in the thread, and reading it back as a channel.
    let thread_id = ChannelId::new(thread.id.get());
    thread_id.send_message(&http, CreateMessage::new().content("first reply")).await.expect("reply in thread");
    assert_eq!(fake.messages(thread.id.get())[0]["content"], "first reply");
    assert_eq!(fake.messages(31).len(), 1, "the reply is not in the parent channel");
    let Channel::Guild(read) = thread_id.to_channel(&http).await.expect("get thread") else {
        panic!("a guild channel")
    };
    assert_eq!((read.kind, read.message_count), (ChannelType::PublicThread, Some(1)));
    let Channel::Guild(text) = channel.to_channel(&http).await.expect("get channel") else { panic!("a guild channel") };
    assert_eq!((text.kind, text.guild_id.get()), (ChannelType::Text, GUILD_ID));

    // Form errors, with the error tree.
    let other = channel.send_message(&http, CreateMessage::new().content("other")).await.expect("post");
    let route = format!("/channels/31/messages/{}/threads", other.id);
    let (status, body) = raw(&fake, reqwest::Method::POST, &route, Some(json!({"name": "n".repeat(101)}))).await;
    assert_eq!((status, body["code"].clone()), (400, json!(50035)));
    assert_eq!(body["errors"]["name"]["_errors"][0]["code"], "BASE_TYPE_BAD_LENGTH");
    let (status, body) =
        raw(&fake, reqwest::Method::POST, &route, Some(json!({"name": "ok", "auto_archive_duration": 30}))).await;
    assert_eq!(status, 400);
    assert!(body["errors"]["auto_archive_duration"]["_errors"].is_array(), "{body}");
    let unknown = channel.create_thread_from_message(&http, MessageId::new(5), CreateThread::new("x")).await;
    assert_eq!(unsuccessful(unknown).error.code, 10008);

    // A lost answer: the thread exists, and the retry's 160004 says so.
    fake.inject_drop_response("POST", &route, 1);
    let lost = channel.create_thread_from_message(&http, other.id, CreateThread::new("Lost")).await;
    assert!(matches!(lost, Err(serenity::Error::Http(HttpError::Request(_)))), "{lost:?}");
    assert_eq!(fake.threads(31).len(), 2, "the thread was created");
    let retry = unsuccessful(channel.create_thread_from_message(&http, other.id, CreateThread::new("Lost")).await);
    assert_eq!(retry.error.code, 160004);

    // Archived: edits refused with 50083, a new message unarchives it; active threads newest first.
    fake.set_archived(thread.id.get(), true);
    let reply_id = MessageId::new(fake.message_objects(thread.id.get())[0]["id"].as_str().unwrap().parse().unwrap());
    let archived = unsuccessful(thread_id.edit_message(&http, reply_id, EditMessage::new().content("x")).await);
    assert_eq!((archived.status_code.as_u16(), archived.error.code), (400, 50083));
    let active = GuildId::new(GUILD_ID).get_active_threads(&http).await.expect("active threads");
    assert_eq!(active.threads.iter().map(|t| t.id.get()).collect::<Vec<_>>(), vec![other.id.get()]);
    thread_id.send_message(&http, CreateMessage::new().content("wake up")).await.expect("post unarchives");
    let active = GuildId::new(GUILD_ID).get_active_threads(&http).await.expect("active threads");
    assert_eq!(active.threads.iter().map(|t| t.id.get()).collect::<Vec<_>>(), vec![other.id.get(), posted.id.get()]);
    assert!(active.members.is_empty());

    // Without Create Public Threads (403 50013), and not on a forum (400 50024).
    let locked = ChannelSpec { create_public_threads: false, ..ChannelSpec::text(32) };
    fake.set_channel(locked);
    let there = ChannelId::new(32).send_message(&http, CreateMessage::new().content("m")).await.expect("post");
    let denied =
        unsuccessful(ChannelId::new(32).create_thread_from_message(&http, there.id, CreateThread::new("t")).await);
    assert_eq!((denied.status_code.as_u16(), denied.error.code), (403, 50013));
    assert_eq!(denied.error.message, "Missing Permissions");
    fake.set_channel(ChannelSpec::forum(33, vec![]));
    let (status, body) =
        raw(&fake, reqwest::Method::POST, "/channels/33/messages/1/threads", Some(json!({"name": "t"}))).await;
    assert_eq!((status, body["code"].clone()), (400, json!(50024)));
    // Without Send Messages in Threads in the parent, no posting inside.
    fake.set_channel(ChannelSpec { send_messages_in_threads: false, ..ChannelSpec::text(31) });
    let muted = unsuccessful(thread_id.send_message(&http, CreateMessage::new().content("x")).await);
    assert_eq!((muted.status_code.as_u16(), muted.error.code), (403, 50013));
}

#[tokio::test]
async fn forum_posts_carry_tags_and_forums_take_no_plain_messages() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let http = http_for(&fake);
    let tags =
        vec![ForumTag::new(701, "rust"), ForumTag { emoji_name: Some("📰".into()), ..ForumTag::new(702, "news") }];
    fake.set_channel(ChannelSpec { require_tag: true, ..ChannelSpec::forum(41, tags.clone()) });
    let forum = ChannelId::new(41);

    let Channel::Guild(read) = forum.to_channel(&http).await.expect("get forum") else { panic!("a guild channel") };
    assert_eq!(read.kind, ChannelType::Forum);
    assert_eq!(read.available_tags.iter().map(|t| t.id.get()).collect::<Vec<_>>(), vec![701, 702]);
    assert!(read.flags.contains(ChannelFlags::REQUIRE_TAG));
    let (_, raw_forum) = raw(&fake, reqwest::Method::GET, "/channels/41", None).await;
    assert_eq!(raw_forum["flags"], json!(REQUIRE_TAG));
    assert_eq!(
        raw_forum["available_tags"][1],
        json!({"id": "702", "name": "news", "moderated": false, "emoji_id": null, "emoji_name": "📰"})
    );

    let plain = unsuccessful(forum.send_message(&http, CreateMessage::new().content("hi")).await);
    assert_eq!((plain.status_code.as_u16(), plain.error.code), (400, 40058));
    assert_eq!(plain.error.message, "Cannot send a message in a forum channel");

    let post = |name: &str| CreateForumPost::new(name, CreateMessage::new().content("This week in Rust"));
    let untagged = unsuccessful(forum.create_forum_post(&http, post("Week 1")).await);
    assert_eq!((untagged.status_code.as_u16(), untagged.error.code), (400, 40067));
    let unknown_tag =
        unsuccessful(forum.create_forum_post(&http, post("Week 1").add_applied_tag(ForumTagId::new(9))).await);
    assert_eq!((unknown_tag.error.code, unknown_tag.error.errors[0].path.as_str()), (50035, "applied_tags.0"));
    let six: Vec<ForumTagId> = (0..6).map(|_| ForumTagId::new(701)).collect();
    let too_many = unsuccessful(forum.create_forum_post(&http, post("Week 1").set_applied_tags(six)).await);
    assert_eq!(too_many.error.errors[0].path, "applied_tags");
    let long = CreateForumPost::new("Week 1", CreateMessage::new().embed(CreateEmbed::new().title("t".repeat(300))))
        .add_applied_tag(ForumTagId::new(701));
    let refused = unsuccessful(forum.create_forum_post(&http, long).await);
    assert_eq!((refused.error.code, refused.error.errors[0].path.as_str()), (50035, "message.embeds.0.title"));
    assert!(fake.threads(41).is_empty(), "refused posts create nothing");

    let thread =
        forum.create_forum_post(&http, post("Week 1").add_applied_tag(ForumTagId::new(702))).await.expect("post");
    assert_eq!((thread.kind, thread.parent_id), (ChannelType::PublicThread, Some(forum)));
    assert_eq!(thread.owner_id.map(|o| o.get()), Some(fake.bot_user_id()));
    assert_eq!(thread.applied_tags, vec![ForumTagId::new(702)]);
    assert_eq!(fake.messages(thread.id.get())[0]["content"], "This week in Rust", "the starter message");
    assert_eq!(fake.message_objects(thread.id.get())[0]["id"], json!(thread.id.to_string()), "its id is the thread's");
    let (status, raw_post) = raw(
        &fake,
        reqwest::Method::POST,
        "/channels/41/threads",
        Some(json!({"name": "Week 2", "applied_tags": ["701"], "message": {"content": "raw", "nonce": "n-1"}})),
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(raw_post["message"]["id"], raw_post["id"]);
    assert_eq!(raw_post["message"]["channel_id"], raw_post["id"]);
    assert!(raw_post["message"].get("nonce").is_none(), "forum posts take no nonce");

    // A lost answer: the post exists; a retry (no nonce to protect it) makes a second one.
    fake.inject_drop_response("POST", "/channels/41/threads", 1);
    let lost = forum.create_forum_post(&http, post("Week 3").add_applied_tag(ForumTagId::new(701))).await;
    assert!(matches!(lost, Err(serenity::Error::Http(HttpError::Request(_)))), "{lost:?}");
    assert_eq!(fake.threads(41).len(), 3);
    forum.create_forum_post(&http, post("Week 3").add_applied_tag(ForumTagId::new(701))).await.expect("retry");
    assert_eq!(fake.threads(41).len(), 4, "a retried forum post is a duplicate");

    let active = GuildId::new(GUILD_ID).get_active_threads(&http).await.expect("active threads");
    let mut ids: Vec<u64> = active.threads.iter().map(|t| t.id.get()).collect();
    assert_eq!(ids.len(), 4);
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first");
    ids.sort_unstable();
    assert_eq!(ids[0], thread.id.get());

    // A media channel: the same posts; serenity 0.12.5 cannot read type 16 as a Channel.
    fake.set_channel(ChannelSpec::media(42, vec![ForumTag::new(801, "clips")]));
    let (_, media) = raw(&fake, reqwest::Method::GET, "/channels/42", None).await;
    assert_eq!((media["type"].clone(), media["flags"].clone()), (json!(16), json!(0)));
    assert!(ChannelId::new(42).to_channel(&http).await.is_err(), "serenity: Unknown channel type");
    let untagged = ChannelId::new(42).create_forum_post(&http, post("Clip")).await.expect("no tag required");
    assert_eq!(untagged.parent_id, Some(ChannelId::new(42)));
    let plain = unsuccessful(ChannelId::new(42).send_message(&http, CreateMessage::new().content("hi")).await);
    assert_eq!(plain.error.code, 40058);
}

#[tokio::test]
async fn webhook_messages_are_returned_with_wait_and_edited_and_deleted() {
    let fake = FakeDiscord::start(FakeOptions::default()).await;
    let http = http_for(&fake);
    let webhook = WebhookId::new(556);
    let message = http
        .execute_webhook(webhook, None, "hook-token", true, vec![], &ExecuteWebhook::new().content("v1"))
        .await
        .expect("execute webhook")
        .expect("wait=true returns the message");
    assert_eq!(fake.requests_to("POST", "/webhooks/556")[0].status, 200);
    let none = http
        .execute_webhook(webhook, None, "hook-token", false, vec![], &ExecuteWebhook::new().content("v0"))
        .await
        .expect("execute webhook without wait");
    assert!(none.is_none());
    assert_eq!(fake.requests_to("POST", "/webhooks/556")[1].status, 204);

    let edit = EditWebhookMessage::new().content("v2");
    let edited = http.edit_webhook_message(webhook, None, "hook-token", message.id, &edit, vec![]).await.expect("edit");
    assert_eq!((edited.id, edited.content.as_str()), (message.id, "v2"));
    assert!(edited.edited_timestamp.is_some());
    assert_eq!(fake.webhook_messages(556)[0]["content"], "v2");
    assert_eq!(fake.edits(message.id.get()).len(), 1);
    assert_eq!(fake.webhook_message_objects(556)[0]["id"], json!(message.id.to_string()));

    let wrong = unsuccessful(http.edit_webhook_message(webhook, None, "other", message.id, &edit, vec![]).await);
    assert_eq!((wrong.status_code.as_u16(), wrong.error.code), (401, 50027));
    let unknown = http.edit_webhook_message(webhook, None, "hook-token", MessageId::new(1), &edit, vec![]).await;
    assert_eq!(unsuccessful(unknown).error.code, 10008);

    http.delete_webhook_message(webhook, None, "hook-token", message.id).await.expect("delete");
    assert_eq!(fake.webhook_messages(556).len(), 1, "only the post without wait is left");
    let again = unsuccessful(http.delete_webhook_message(webhook, None, "hook-token", message.id).await);
    assert_eq!((again.status_code.as_u16(), again.error.code), (404, 10008));
}
