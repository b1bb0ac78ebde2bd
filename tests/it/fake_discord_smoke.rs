//! Smoke tests of the fake Discord (`support::fake_discord`) driven by the REAL serenity 0.12.5
//! client: the gateway handshake (HELLO, IDENTIFY, READY, heartbeats, RESUME, graceful close), command
//! registration, Create Message with `nonce` + `enforce_nonce` (also when the response is lost),
//! interactions with their callbacks and follow-ups, webhooks, injected failures as serenity reports
//! them, Discord's limits, and the emulated rate limits. Nothing here mocks serenity.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{Value, json};
use serenity::all::{
    ApplicationId, ChannelId, Client, ClientBuilder, Command, CommandDataOptionValue, CommandOptionType, Context,
    CreateAutocompleteResponse, CreateCommand, CreateCommandOption, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse,
    EventHandler, ExecuteWebhook, GatewayIntents, GuildId, Http, HttpBuilder, Interaction, Nonce, Ready, ShardManager,
    WebhookId,
};
use serenity::async_trait;
use serenity::http::{ErrorResponse, HttpError};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::support::fake_discord::{
    FakeDiscord, FakeOptions, Injected, InteractionSpec, LostResponse, autocomplete_interaction, command_interaction,
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
