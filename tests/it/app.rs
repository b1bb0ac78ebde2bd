//! The whole assembly in process: the `App` that `serve` runs, with both platforms' credentials,
//! against the fake Discord and the fake Slack at once. Its own scheduler loop delivers the slot when
//! the injected clock reaches it, both platforms answer `/digest`, and a shutdown stops the gateway,
//! the endpoint and the loop, with `run` returning `Ok`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};

use digestbot::app::Credentials;
use digestbot::clock::{Clock as _, ManualClock};
use digestbot::config::Config;
use digestbot::secret::Secret;
use digestbot::slack;

use crate::slack::form;
use crate::support::fake_discord::{FakeDiscord, FakeOptions, command_interaction};
use crate::support::fake_slack::FakeSlack;
use crate::support::{self, TempDir, digests_dir, wait_until_within};

const DISCORD_TOKEN: &str = "app-discord-token";
const SLACK_TOKEN: &str = "xoxb-app";
const SIGNING_SECRET: &str = "app-signing-secret";
const WAIT: Duration = Duration::from_secs(10);

#[tokio::test]
async fn the_app_delivers_its_slot_answers_both_platforms_and_stops_gracefully() {
    let discord = FakeDiscord::start(FakeOptions { token: Some(DISCORD_TOKEN.into()), ..FakeOptions::default() }).await;
    let slack_fake = FakeSlack::start().await;
    let dir = TempDir::new("app");
    let mut config = Config {
        digests_dir: digests_dir(dir.path(), &[]),
        state_path: dir.path().join("state/digestbot.sqlite3"),
        ..Config::default()
    };
    config.discord.api_base = discord.base_url();
    config.discord.channels = vec![111];
    config.slack.api_base = slack_fake.api_base();
    config.slack.channels = vec!["C0APP".into()];
    config.slack.response_url_prefixes = vec![slack_fake.response_url_prefix()];
    let credentials = Credentials {
        discord: Some(Secret::new(DISCORD_TOKEN)),
        slack: slack::Credentials {
            token: Some(Secret::new(SLACK_TOKEN)),
            signing_secret: Some(Secret::new(SIGNING_SECRET)),
        },
        ..Credentials::default()
    };
    // An hour before the seed's slot, Monday 2026-02-09 09:00 KST.
    let slot = Utc.with_ymd_and_hms(2026, 2, 9, 0, 0, 0).unwrap();
    let clock = Arc::new(ManualClock::new(slot - chrono::Duration::hours(1)));
    let app = support::app::spawn_app(config, credentials, clock.clone(), |app| app).await;

    // Both platforms answer before the slot.
    assert!(discord.wait_ready(WAIT).await, "the gateway identified");
    let interaction = command_interaction(discord.interaction_spec("latest"));
    let id: u64 = interaction["id"].as_str().unwrap().parse().unwrap();
    assert_eq!(discord.send_interaction(interaction), 1);
    let answer = discord.wait_callback(id, WAIT).await.expect("the interaction is answered");
    assert!(answer["data"]["embeds"][0]["title"].is_string(), "{answer}");
    let body = form("C0APP", "U0001", "latest", &slack_fake.response_url("app"));
    let client = reqwest::Client::new();
    let port = app.addr.unwrap().port();
    let pretend = clock.now().timestamp();
    let response = support::signed_slack_command(&client, port, SIGNING_SECRET, pretend, Instant::now(), body).await;
    assert_eq!(response.status(), 200);
    assert!(discord.messages(111).is_empty() && slack_fake.bot_messages("C0APP").is_empty(), "nothing due yet");

    // The app's own loop delivers when the clock reaches the slot, once to each platform.
    clock.set(slot);
    assert!(
        wait_until_within(WAIT, || discord.messages(111).len() == 1 && !slack_fake.bot_messages("C0APP").is_empty())
            .await,
        "the slot went out on both platforms"
    );

    // A shutdown: run returns Ok, the gateway is closed, the endpoint takes no more connections.
    app.stop().await.expect("a clean stop");
    assert!(discord.wait_gateway_closed(WAIT).await);
    assert!(tokio::net::TcpStream::connect(app.addr.unwrap()).await.is_err(), "the endpoint is closed");
    assert_eq!(discord.messages(111).len(), 1);
}
