//! Smoke tests of the fake Slack (`support::fake_slack`) driven with reqwest, as the bot calls the
//! Web API: `chat.update` (in place, blocks kept unless sent, `message_not_found`,
//! `cant_update_message`, `no_text`, JSON or form-encoded), `chat.delete` (`message_not_found`,
//! `cant_delete_message`), replies with `thread_ts` that stay out of `conversations.history`, injected
//! and lost answers on the new methods, and the `block_actions` payload a button click sends.

use serde_json::{Value, json};

use crate::support::fake_slack::{
    Answer, BOT_ID, BlockActionsSpec, ButtonAction, FakeSlack, Lost, Route, block_actions_payload, interaction_form,
    payload_of_form,
};

async fn call(fake: &FakeSlack, method: &str, body: Value) -> Value {
    let response = reqwest::Client::new()
        .post(format!("{}/{method}", fake.api_base()))
        .bearer_auth("xoxb-test")
        .json(&body)
        .send()
        .await
        .expect("Web API call");
    assert_eq!(response.status().as_u16(), 200, "Slack answers errors with 200 too");
    response.json().await.expect("a JSON answer")
}

async fn post(fake: &FakeSlack, body: Value) -> String {
    let answer = call(fake, "chat.postMessage", body).await;
    assert_eq!(answer["ok"], true, "{answer}");
    answer["ts"].as_str().expect("ts").to_string()
}

#[tokio::test]
async fn chat_update_edits_the_bots_message_in_place() {
    let fake = FakeSlack::start().await;
    let blocks = json!([{"type": "section", "text": {"type": "mrkdwn", "text": "*v1*"}}]);
    let ts = post(&fake, json!({"channel": "C1", "text": "v1", "blocks": blocks})).await;

    let metadata = json!({"event_type": "digest", "event_payload": {"week": 2}});
    let answer =
        call(&fake, "chat.update", json!({"channel": "C1", "ts": ts, "text": "v2", "metadata": metadata})).await;
    assert_eq!(
        (answer["ok"].clone(), answer["channel"].clone(), answer["ts"].clone()),
        (json!(true), json!("C1"), json!(ts))
    );
    assert_eq!(answer["text"], "v2");
    assert_eq!(answer["message"]["text"], "v2");
    assert_eq!(answer["message"]["bot_id"], BOT_ID);
    let shown = fake.bot_messages("C1");
    assert_eq!(shown.len(), 1, "edited in place");
    assert_eq!((shown[0]["text"].clone(), shown[0]["ts"].clone()), (json!("v2"), json!(ts)));
    assert_eq!(shown[0]["blocks"], blocks, "blocks not sent are kept");
    assert_eq!(shown[0]["metadata"], metadata);
    assert!(shown[0]["edited"]["ts"].is_string());
    assert_eq!(fake.update_count("C1", &ts), 1);

    // Form-encoded, as some clients send it: blocks as a JSON string.
    let response = reqwest::Client::new()
        .post(format!("{}/chat.update", fake.api_base()))
        .form(&[("channel", "C1"), ("ts", ts.as_str()), ("text", "v3"), ("blocks", "[]")])
        .send()
        .await
        .expect("form call");
    assert_eq!(response.json::<Value>().await.expect("answer")["ok"], true);
    assert_eq!(fake.bot_messages("C1")[0]["blocks"], json!([]), "an empty array removes the blocks");
    assert_eq!(fake.update_count("C1", &ts), 2);

    let unknown = call(&fake, "chat.update", json!({"channel": "C1", "ts": "1.000001", "text": "x"})).await;
    assert_eq!(unknown, json!({"ok": false, "error": "message_not_found"}));
    let elsewhere = call(&fake, "chat.update", json!({"channel": "C2", "ts": ts, "text": "x"})).await;
    assert_eq!(elsewhere["error"], "message_not_found", "a ts names a message only in its channel");
    let theirs = fake.add_user_message("C1", "someone else's");
    let refused = call(&fake, "chat.update", json!({"channel": "C1", "ts": theirs, "text": "x"})).await;
    assert_eq!(refused, json!({"ok": false, "error": "cant_update_message"}));
    let empty = call(&fake, "chat.update", json!({"channel": "C1", "ts": ts})).await;
    assert_eq!(empty["error"], "no_text");
    assert_eq!(fake.update_count("C1", &ts), 2, "refusals change nothing");
    assert_eq!(fake.calls_to(Route::Update).len(), 6);
}

#[tokio::test]
async fn chat_delete_removes_the_bots_message() {
    let fake = FakeSlack::start().await;
    let ts = post(&fake, json!({"channel": "C1", "text": "bye"})).await;
    let answer = call(&fake, "chat.delete", json!({"channel": "C1", "ts": ts})).await;
    assert_eq!(answer, json!({"ok": true, "channel": "C1", "ts": ts}));
    assert!(fake.messages("C1").is_empty());
    assert_eq!(fake.deleted("C1"), vec![ts.clone()]);
    let again = call(&fake, "chat.delete", json!({"channel": "C1", "ts": ts})).await;
    assert_eq!(again, json!({"ok": false, "error": "message_not_found"}));
    let theirs = fake.add_user_message("C1", "not yours");
    let refused = call(&fake, "chat.delete", json!({"channel": "C1", "ts": theirs})).await;
    assert_eq!(refused["error"], "cant_delete_message");
    assert_eq!(fake.messages("C1").len(), 1);
}

#[tokio::test]
async fn thread_replies_stay_out_of_the_channel_history() {
    let fake = FakeSlack::start().await;
    let parent = post(&fake, json!({"channel": "C1", "text": "digest"})).await;
    let reply = call(&fake, "chat.postMessage", json!({"channel": "C1", "text": "more", "thread_ts": parent})).await;
    assert_eq!(reply["ok"], true);
    assert_eq!(reply["message"]["thread_ts"], json!(parent));
    let reply_ts = reply["ts"].as_str().expect("ts").to_string();

    let replies = fake.thread_replies("C1", &parent);
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0]["text"], "more");
    assert_eq!(fake.messages("C1").len(), 1, "a reply is not a channel message");
    let history = call(&fake, "conversations.history", json!({"channel": "C1"})).await;
    let listed: Vec<Value> =
        history["messages"].as_array().expect("messages").iter().map(|m| m["ts"].clone()).collect();
    assert_eq!(listed, vec![json!(parent)]);
    assert_eq!(history["messages"][0]["reply_count"], 1);
    assert_eq!(history["messages"][0]["latest_reply"], json!(reply_ts));

    // A reply can be edited and deleted like any bot message.
    let edited = call(&fake, "chat.update", json!({"channel": "C1", "ts": reply_ts, "text": "more, edited"})).await;
    assert_eq!(edited["ok"], true);
    assert_eq!(fake.thread_replies("C1", &parent)[0]["text"], "more, edited");

    // reply_broadcast also shows it in the channel; an unknown parent is accepted, as Slack
    // documents no error for it.
    let broadcast = json!({"channel": "C1", "text": "also here", "thread_ts": parent, "reply_broadcast": true});
    post(&fake, broadcast).await;
    assert_eq!(fake.messages("C1").len(), 2);
    assert_eq!(fake.thread_replies("C1", &parent).len(), 2);
    let orphan = call(&fake, "chat.postMessage", json!({"channel": "C1", "text": "?", "thread_ts": "1.000002"})).await;
    assert_eq!(orphan["ok"], true);
    assert_eq!(fake.thread_replies("C1", "1.000002").len(), 1);
    assert_eq!(fake.messages("C1").len(), 2);

    let deleted = call(&fake, "chat.delete", json!({"channel": "C1", "ts": reply_ts})).await;
    assert_eq!(deleted["ok"], true);
    assert_eq!(fake.thread_replies("C1", &parent).len(), 1);
}

#[tokio::test]
async fn update_and_delete_answers_can_be_injected_or_lost() {
    let fake = FakeSlack::start().await;
    let ts = post(&fake, json!({"channel": "C1", "text": "v1"})).await;
    fake.inject(Route::Update, vec![Answer::api_error("edit_window_closed")]);
    let refused = call(&fake, "chat.update", json!({"channel": "C1", "ts": ts, "text": "v2"})).await;
    assert_eq!(refused, json!({"ok": false, "error": "edit_window_closed"}));
    assert_eq!(fake.bot_messages("C1")[0]["text"], "v1");

    fake.lose(Route::Update, 1, Lost::Close);
    let client = reqwest::Client::new();
    let lost = client
        .post(format!("{}/chat.update", fake.api_base()))
        .json(&json!({"channel": "C1", "ts": ts, "text": "v2"}))
        .send()
        .await;
    assert!(lost.is_err(), "the connection closes without an answer");
    assert_eq!(fake.bot_messages("C1")[0]["text"], "v2", "the update took effect");
    assert!(fake.calls_to(Route::Update).last().expect("recorded").lost);

    fake.lose(Route::Delete, 1, Lost::Close);
    let lost =
        client.post(format!("{}/chat.delete", fake.api_base())).json(&json!({"channel": "C1", "ts": ts})).send().await;
    assert!(lost.is_err());
    assert!(fake.messages("C1").is_empty(), "the delete took effect");
    let retry = call(&fake, "chat.delete", json!({"channel": "C1", "ts": ts})).await;
    assert_eq!(retry["error"], "message_not_found", "a retried delete finds nothing");
}

#[tokio::test]
async fn block_actions_payloads_look_like_slacks() {
    let fake = FakeSlack::start().await;
    let ts = post(&fake, json!({"channel": "C1", "text": "digest"})).await;
    let message = fake.bot_messages("C1")[0].clone();
    let spec = BlockActionsSpec {
        user_id: "U0CLICK".into(),
        channel: "C1".into(),
        message: message.clone(),
        actions: vec![ButtonAction {
            action_id: "open".into(),
            block_id: "links".into(),
            text: "Read & more".into(),
            value: Some("week-2".into()),
            url: Some("https://example.com/a?b=c".into()),
        }],
        response_url: fake.response_url("click"),
        trigger_id: "trigger-1".into(),
    };
    let payload = block_actions_payload(&spec);
    assert_eq!(payload["type"], "block_actions");
    assert_eq!(payload["user"]["id"], "U0CLICK");
    assert_eq!(payload["channel"]["id"], "C1");
    assert_eq!(payload["container"]["message_ts"], json!(ts));
    assert_eq!(payload["message"], message);
    assert_eq!(payload["response_url"], json!(fake.response_url("click")));
    assert_eq!(payload["trigger_id"], "trigger-1");
    assert!(payload["api_app_id"].is_string() && payload["team"]["id"].is_string());
    let action = &payload["actions"][0];
    assert_eq!((action["type"].clone(), action["action_id"].clone()), (json!("button"), json!("open")));
    assert_eq!((action["block_id"].clone(), action["value"].clone()), (json!("links"), json!("week-2")));
    assert_eq!(action["url"], "https://example.com/a?b=c");

    let form = interaction_form(&payload);
    let text = String::from_utf8(form.clone()).expect("ASCII");
    assert!(text.starts_with("payload=%7B"), "{text}");
    assert!(!text.contains('&') && !text.contains(' '), "one form field, encoded");
    assert_eq!(payload_of_form(&form), Some(payload));
}
