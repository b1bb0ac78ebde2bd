//! Preview and approval end to end, in process: the real `App` (stepped) with `approval: required`,
//! editors' channels on the fake Discord and the fake Slack, the request with its preview and
//! buttons ahead of the slot, a click on Discord (through the gateway) and on Slack (a signed
//! `block_actions`), `/digest preview|approve|hold`, a held slot approved late, and a change after
//! approval that needs approval again.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};
use serde_json::{Value, json};

use digestbot::app::Credentials;
use digestbot::clock::ManualClock;
use digestbot::config::{ApprovalConfig, ApprovalMode, Config, EditorsConfig};
use digestbot::deliver::RetryPolicy;
use digestbot::render::limits::{check_discord_message, check_slack_message};
use digestbot::scheduler::SlotRun;
use digestbot::secret::Secret;
use digestbot::slack;

use crate::slack::{form, signature};
use crate::support::app::Running;
use crate::support::fake_discord::{FakeDiscord, FakeOptions, command_interaction, component_interaction};
use crate::support::fake_slack::{BlockActionsSpec, ButtonAction, FakeSlack, block_actions_payload, interaction_form};
use crate::support::{self, TempDir, synthetic_digest};

const TOKEN: &str = "approval-token";
const SLACK_TOKEN: &str = "xoxb-approval";
const SECRET: &str = "approval-signing-secret";
const EDITORS: u64 = 999;
const READERS: u64 = 111;
const WAIT: Duration = Duration::from_secs(10);
const RETRY: RetryPolicy =
    RetryPolicy { attempts: 2, base: Duration::from_millis(1), max: Duration::from_millis(5), rate_limit_retries: 3 };
/// Manage Guild (1 << 5): an editor.
const MANAGE_GUILD: u64 = 1 << 5;

/// Monday 2026-02-16 09:00 KST.
fn slot() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 2, 16, 0, 0, 0).unwrap()
}

struct World {
    discord: FakeDiscord,
    slack: FakeSlack,
    dir: TempDir,
    clock: Arc<ManualClock>,
    running: Running,
}

/// The 2026-02-16 digest exists; the clock starts at `start`.
async fn world(start: DateTime<Utc>) -> World {
    let discord = FakeDiscord::start(FakeOptions { token: Some(TOKEN.into()), ..FakeOptions::default() }).await;
    let slack = FakeSlack::start().await;
    let dir = TempDir::new("approval");
    std::fs::create_dir_all(dir.path().join("digests")).unwrap();
    std::fs::write(dir.path().join("digests/2026-02-16.md"), synthetic_digest("2026-02-16", 3, 200)).unwrap();
    let clock = Arc::new(ManualClock::new(start));
    let mut config = Config {
        digests_dir: dir.path().join("digests"),
        state_path: dir.path().join("state/digestbot.sqlite3"),
        editors: EditorsConfig { discord: Some(EDITORS), slack: Some("C0EDIT".into()), ..EditorsConfig::default() },
        approval: ApprovalConfig { mode: ApprovalMode::Required, ..ApprovalConfig::default() },
        ..Config::default()
    };
    config.discord.api_base = discord.base_url();
    config.discord.channels = vec![READERS];
    config.slack.api_base = slack.api_base();
    let credentials = Credentials {
        discord: Some(Secret::new(TOKEN)),
        slack: slack::Credentials { token: Some(Secret::new(SLACK_TOKEN)), signing_secret: Some(Secret::new(SECRET)) },
        ..Credentials::default()
    };
    let running =
        support::app::spawn_app(config, credentials, clock.clone(), |app| app.stepped().with_retry(RETRY)).await;
    assert!(discord.wait_ready(WAIT).await, "the bot never identified");
    World { discord, slack, dir, clock, running }
}

impl World {
    async fn run_due(&self) -> SlotRun {
        self.running.scheduler.run_due().await.unwrap()
    }

    /// The editors' channel's messages (each checked against Discord's limits).
    fn editors(&self) -> Vec<Value> {
        let messages = self.discord.message_objects(EDITORS);
        for message in &messages {
            assert!(check_discord_message(message).is_empty(), "{message}");
        }
        messages
    }

    /// The custom ids of the buttons in the editors' channel, in order.
    fn buttons(&self) -> Vec<(String, Value)> {
        let mut out = Vec::new();
        for message in self.editors() {
            for row in message["components"].as_array().into_iter().flatten() {
                for button in row["components"].as_array().into_iter().flatten() {
                    if let Some(id) = button["custom_id"].as_str() {
                        out.push((id.to_string(), message.clone()));
                    }
                }
            }
        }
        out
    }

    /// Clicks a button in the editors' channel as a member with `permissions`; the response.
    async fn click(&self, custom_id: &str, message: Value, permissions: u64) -> Value {
        let mut spec = self.discord.interaction_spec("approve");
        spec.channel_id = EDITORS;
        spec.permissions = permissions;
        let id = spec.id;
        assert_eq!(self.discord.send_interaction(component_interaction(spec, custom_id, message)), 1);
        self.discord.wait_callback(id, WAIT).await.expect("the click is answered")
    }

    /// Runs `/digest <sub> <options>` on Discord as a member with `permissions`.
    async fn command(&self, sub: &str, options: Vec<(&str, Value)>, permissions: u64) -> Value {
        let mut spec = self.discord.interaction_spec(sub);
        spec.options = options.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        spec.permissions = permissions;
        let id = spec.id;
        assert_eq!(self.discord.send_interaction(command_interaction(spec)), 1);
        self.discord.wait_callback(id, WAIT).await.expect("the command is answered")
    }

    /// A signed POST to the app's Slack endpoint.
    async fn slack_post(&self, path: &str, body: Vec<u8>) -> u16 {
        let timestamp = self.clock.now_timestamp().to_string();
        let response = reqwest::Client::new()
            .post(format!("{}{path}", self.running.url()))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", &timestamp)
            .header("x-slack-signature", signature(SECRET, &timestamp, &body))
            .body(body)
            .send()
            .await
            .unwrap();
        response.status().as_u16()
    }

    /// Tells the editors' channels what is queued (as the app's loop does at each look).
    async fn flush(&self) {
        self.running.editors.as_ref().expect("editors").flush().await.unwrap();
    }
}

trait Timestamp {
    fn now_timestamp(&self) -> i64;
}

impl Timestamp for ManualClock {
    fn now_timestamp(&self) -> i64 {
        digestbot::clock::Clock::now(self).timestamp()
    }
}

fn text(message: &Value) -> String {
    message.to_string()
}

#[tokio::test]
async fn the_request_comes_ahead_with_a_preview_and_an_editors_click_lets_the_slot_go_out() {
    let w = world(slot() - chrono::Duration::hours(30)).await;
    assert!(matches!(w.run_due().await, SlotRun::NotDue));
    assert!(w.editors().is_empty(), "more than a day ahead: nothing yet");

    w.clock.set(slot() - chrono::Duration::hours(23));
    w.run_due().await;
    w.run_due().await;
    let buttons = w.buttons();
    let ids: Vec<&str> = buttons.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 2, "one request, once: {ids:?} {:?}", w.editors());
    assert!(ids[0].starts_with("digest:approve:2026-02-16:") && ids[1].starts_with("digest:hold:2026-02-16:"));
    let shown: String = w.editors().iter().map(text).collect();
    assert!(shown.contains("Article 3"), "the preview shows the digest as posted");
    let on_slack = w.slack.bot_messages("C0EDIT");
    assert!(on_slack.iter().all(|m| check_slack_message(m).is_empty()));
    assert!(on_slack.iter().any(|m| m.to_string().contains("digest:approve:2026-02-16:")), "Slack has the buttons too");

    // A member without Manage Guild cannot approve.
    let (approve, message) = buttons[0].clone();
    let answer = w.click(&approve, message.clone(), 1 << 11).await;
    assert_eq!(answer["data"]["flags"], 64, "answered privately");
    assert!(text(&answer).contains("Manage Guild"), "{answer}");
    // An editor can.
    let answer = w.click(&approve, message, MANAGE_GUILD).await;
    assert!(text(&answer).contains("Approved") || text(&answer).contains("승인했습니다"), "{answer}");
    w.flush().await;
    assert!(w.editors().last().map(text).is_some_and(|t| t.contains("discord:")), "the editors are told who approved");

    // The slot: it goes out.
    w.clock.set(slot());
    let SlotRun::Delivered { .. } = w.run_due().await else { panic!("the approved digest goes out") };
    assert!(!w.discord.messages(READERS).is_empty());
    let status = digestbot::status::report_slot(&w.running.bot, slot()).unwrap();
    assert_eq!(status.missing(), 0);
}

#[tokio::test]
async fn an_unapproved_slot_is_held_then_goes_out_when_approved_on_slack() {
    let w = world(slot() - chrono::Duration::hours(1)).await;
    w.clock.set(slot() + chrono::Duration::minutes(1));
    let run = w.run_due().await;
    assert!(matches!(run, SlotRun::Held { .. }), "{run:?}");
    assert!(w.discord.messages(READERS).is_empty(), "nothing is posted before approval");
    assert!(w.editors().iter().any(|m| text(m).contains("held") || text(m).contains("보류")), "the editors are told");
    // Held again at the next look: told once.
    let held_before = w.editors().len();
    assert!(matches!(w.run_due().await, SlotRun::Held { .. }));
    assert_eq!(w.editors().len(), held_before);

    // An editor clicks Approve in the Slack editors' channel, an hour after the slot.
    w.clock.set(slot() + chrono::Duration::hours(1));
    let approve = w
        .slack
        .bot_messages("C0EDIT")
        .iter()
        .flat_map(|m| m["blocks"].as_array().cloned().unwrap_or_default())
        .filter(|b| b["type"] == "actions")
        .flat_map(|b| b["elements"].as_array().cloned().unwrap_or_default())
        .find_map(|e| e["action_id"].as_str().filter(|id| id.starts_with("digest:approve:")).map(str::to_string))
        .expect("an Approve button on Slack");
    // Someone outside the editors' channel and not an admin: ignored.
    let click = |channel: &str| BlockActionsSpec {
        user_id: "U0EDITOR".into(),
        channel: channel.into(),
        message: json!({"ts": "1700000000.000100", "text": "approve?"}),
        actions: vec![ButtonAction {
            action_id: approve.clone(),
            block_id: "b".into(),
            text: "Approve".into(),
            value: None,
            url: None,
        }],
        response_url: "https://hooks.slack.com/actions/T/1/x".into(),
        trigger_id: "1.2.3".into(),
    };
    assert_eq!(
        w.slack_post("/slack/interactions", interaction_form(&block_actions_payload(&click("C0OTHER")))).await,
        200
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(matches!(w.run_due().await, SlotRun::Held { .. }), "a click outside the editors' channel decides nothing");
    assert_eq!(
        w.slack_post("/slack/interactions", interaction_form(&block_actions_payload(&click("C0EDIT")))).await,
        200
    );
    assert!(support::wait_until_within(WAIT, || w.running.bot.store.decisions().borrow().to_owned() > 0).await);
    let SlotRun::Delivered { .. } = w.run_due().await else { panic!("approved within catch-up: it goes out") };
    assert!(!w.discord.messages(READERS).is_empty());
}

#[tokio::test]
async fn a_change_after_approval_needs_approval_again() {
    let w = world(slot() - chrono::Duration::hours(2)).await;
    let answer = w.command("approve", vec![], MANAGE_GUILD).await;
    assert!(text(&answer).contains("2026-02-16"), "{answer}");
    let path = w.dir.path().join("digests/2026-02-16.md");
    std::fs::write(&path, synthetic_digest("2026-02-16", 3, 200).replace("Article 3", "Article Three")).unwrap();
    w.running.bot.library.reload().await.unwrap();
    w.clock.set(slot());
    assert!(matches!(w.run_due().await, SlotRun::Held { .. }), "the approved version is not the file's any more");
    // The new version gets its own request; approving it lets the slot go.
    let approve = w.buttons().into_iter().rev().find(|(id, _)| id.starts_with("digest:approve:")).unwrap();
    w.click(&approve.0, approve.1, MANAGE_GUILD).await;
    let SlotRun::Delivered { .. } = w.run_due().await else { panic!() };
    assert!(w.discord.messages(READERS).iter().any(|m| text(m).contains("Article Three")));
}

#[tokio::test]
async fn preview_shows_a_future_digest_privately_to_editors_only_and_hold_holds() {
    let w = world(slot() - chrono::Duration::days(3)).await;
    let preview = w.command("preview", vec![("date", json!("2026-02-16"))], MANAGE_GUILD).await;
    assert_eq!(preview["data"]["flags"], 64, "private");
    assert!(text(&preview).contains("Article 1"), "{preview}");
    assert!(text(&preview).contains("Preview") || text(&preview).contains("미리보기"));
    let denied = w.command("preview", vec![], 1 << 11).await;
    assert!(text(&denied).contains("Manage Guild"), "{denied}");
    let status = digestbot::status::report(&w.running.bot, None).unwrap();
    assert!(status.text().contains("not approved yet"), "{}", status.text());

    let held = w.command("hold", vec![], MANAGE_GUILD).await;
    assert!(text(&held).contains("2026-02-16"), "{held}");
    let status = digestbot::status::report(&w.running.bot, None).unwrap();
    assert!(status.text().contains("held by discord:"), "{}", status.text());
    w.clock.set(slot());
    assert!(matches!(w.run_due().await, SlotRun::Held { .. }));

    // On Slack, an editor is whoever runs the command in the editors' channel.
    let status =
        w.slack_post("/slack/commands", form("C0EDIT", "U0EDITOR", "approve", "https://hooks.slack.com/x")).await;
    assert_eq!(status, 200);
    let SlotRun::Delivered { .. } = w.run_due().await else { panic!("approved on Slack: it goes out") };
}

#[tokio::test]
async fn a_replayed_click_decides_once_and_tells_the_editors_once() {
    let w = world(slot() - chrono::Duration::hours(23)).await;
    w.run_due().await;
    let buttons = w.buttons();
    let (approve, message) = buttons.iter().find(|(id, _)| id.starts_with("digest:approve:")).cloned().unwrap();
    let (hold, _) = buttons.iter().find(|(id, _)| id.starts_with("digest:hold:")).cloned().unwrap();
    let told = |w: &World| w.editors().iter().filter(|m| text(m).contains("discord:")).count();
    for _ in 0..5 {
        let answer = w.click(&approve, message.clone(), MANAGE_GUILD).await;
        assert!(text(&answer).contains("2026-02-16"), "each click is still answered: {answer}");
    }
    w.flush().await;
    assert_eq!(told(&w), 1, "five clicks, one decision told: {:?}", w.editors());
    assert_eq!(*w.running.bot.store.decisions().borrow(), 1, "one decision recorded");
    // A change of mind is a new decision each time.
    w.click(&hold, message.clone(), MANAGE_GUILD).await;
    w.click(&hold, message.clone(), MANAGE_GUILD).await;
    w.click(&approve, message, MANAGE_GUILD).await;
    w.flush().await;
    assert_eq!(told(&w), 3, "approve, hold, approve: {:?}", w.editors());
    assert_eq!(*w.running.bot.store.decisions().borrow(), 3);
    w.clock.set(slot());
    let SlotRun::Delivered { .. } = w.run_due().await else { panic!("approved last: it goes out") };
}

#[tokio::test]
async fn a_manager_of_another_guild_or_a_dm_is_no_editor() {
    let w = world(slot() - chrono::Duration::hours(23)).await;
    w.run_due().await;
    let (hold, message) = w.buttons().into_iter().find(|(id, _)| id.starts_with("digest:hold:")).unwrap();
    // Someone who added the bot to a server of their own, where they have Manage Guild.
    const ELSEWHERE: u64 = 1_300_000_000_000_000_777;
    for sub in ["hold", "preview"] {
        let mut spec = w.discord.interaction_spec(sub);
        spec.guild_id = Some(ELSEWHERE);
        spec.permissions = MANAGE_GUILD | (1 << 3);
        let id = spec.id;
        assert_eq!(w.discord.send_interaction(command_interaction(spec)), 1);
        let answer = w.discord.wait_callback(id, WAIT).await.expect("answered");
        assert!(text(&answer).contains("Manage Guild"), "{sub} from another guild is refused: {answer}");
    }
    let mut spec = w.discord.interaction_spec("approve");
    spec.guild_id = Some(ELSEWHERE);
    spec.channel_id = EDITORS;
    spec.permissions = 1 << 3;
    let id = spec.id;
    assert_eq!(w.discord.send_interaction(component_interaction(spec, &hold, message.clone())), 1);
    let answer = w.discord.wait_callback(id, WAIT).await.expect("answered");
    assert!(text(&answer).contains("Manage Guild"), "a click from another guild is refused: {answer}");
    let mut spec = w.discord.interaction_spec("approve");
    spec.guild_id = None;
    spec.permissions = 1 << 3;
    let id = spec.id;
    assert_eq!(w.discord.send_interaction(component_interaction(spec, &hold, message)), 1);
    let answer = w.discord.wait_callback(id, WAIT).await.expect("answered");
    assert!(text(&answer).contains("Manage Guild"), "a click from a DM is refused: {answer}");
    assert_eq!(*w.running.bot.store.decisions().borrow(), 0, "nothing was decided");

    // A member with Manage Guild in the editors' channel's own guild is one.
    let answer = w.command("approve", vec![], MANAGE_GUILD).await;
    assert!(!text(&answer).contains("Manage Guild"), "{answer}");
    assert_eq!(*w.running.bot.store.decisions().borrow(), 1);
}

#[tokio::test]
async fn a_slot_held_past_catch_up_is_told_once_and_never_posted() {
    let w = world(slot() - chrono::Duration::hours(1)).await;
    w.clock.set(slot() + chrono::Duration::minutes(1));
    assert!(matches!(w.run_due().await, SlotRun::Held { .. }));
    // Past the 12 hours of catch-up: the slot is over.
    w.clock.set(slot() + chrono::Duration::hours(13));
    assert!(matches!(w.run_due().await, SlotRun::NotDue));
    w.run_due().await;
    let told: Vec<String> = w.editors().iter().map(text).collect();
    let expired = told.iter().filter(|t| t.contains("never approved") || t.contains("승인되지 않아 발송되지")).count();
    assert_eq!(expired, 1, "{told:?}");
    assert!(w.discord.messages(READERS).is_empty());
}
