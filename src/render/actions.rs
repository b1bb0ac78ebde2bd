//! Buttons that ask the bot to do something ([`Action`]s: an approval request's Approve and Hold),
//! put under the last message of a post by each platform's rules.
//!
//! Discord: an action row of buttons with a `custom_id` (style 3 green, style 4 red), after any row
//! the message already has (an article's link button), within 5 rows of 5 buttons. Slack: an
//! `actions` block of buttons with `action_id` and `value` (`primary`, `danger`) at the end of the
//! last message, or in a message of its own when the last one has no room left for a block.

use serde_json::{Value, json};

use super::limits::{
    DISCORD_ACTION_ROWS, DISCORD_BUTTON_LABEL, DISCORD_BUTTONS_PER_ROW, SLACK_BLOCKS, SLACK_BUTTON_TEXT,
};
use super::markup::cut;
use super::{Action, ActionStyle, Part};

/// Adds `actions` as a row of buttons under the last of Discord's `parts`.
pub fn discord(parts: &mut Vec<Part>, actions: &[Action]) {
    if actions.is_empty() {
        return;
    }
    let buttons: Vec<Value> = actions
        .iter()
        .take(DISCORD_BUTTONS_PER_ROW)
        .map(|a| {
            let style = match a.style {
                ActionStyle::Confirm => 3,
                ActionStyle::Danger => 4,
            };
            json!({"type": 2, "style": style, "label": cut(&a.label, DISCORD_BUTTON_LABEL, "…"), "custom_id": a.id})
        })
        .collect();
    let row = json!({"type": 1, "components": buttons});
    let has_room = parts.last().is_some_and(|last| {
        last.body.get("components").and_then(Value::as_array).map_or(0, Vec::len) < DISCORD_ACTION_ROWS
    });
    match parts.last_mut().filter(|_| has_room) {
        Some(last) => match last.body.get_mut("components").and_then(Value::as_array_mut) {
            Some(rows) => rows.push(row),
            None => last.body["components"] = json!([row]),
        },
        None => parts.push(Part {
            body: json!({"content": "\u{2b07}", "components": [row], "allowed_mentions": {"parse": []}}),
            article: None,
        }),
    }
}

/// Adds `actions` as an `actions` block at the end of the last of Slack's `parts`.
pub fn slack(parts: &mut Vec<Part>, actions: &[Action]) {
    if actions.is_empty() {
        return;
    }
    let buttons: Vec<Value> = actions
        .iter()
        .map(|a| {
            let style = match a.style {
                ActionStyle::Confirm => "primary",
                ActionStyle::Danger => "danger",
            };
            json!({
                "type": "button",
                "text": {"type": "plain_text", "text": cut(&a.label, SLACK_BUTTON_TEXT, "…"), "emoji": true},
                "action_id": a.id,
                "value": a.value,
                "style": style,
            })
        })
        .collect();
    let block = json!({"type": "actions", "elements": buttons});
    let has_room = parts.last().is_some_and(|last| {
        last.body.get("blocks").and_then(Value::as_array).is_some_and(|blocks| blocks.len() < SLACK_BLOCKS)
    });
    match parts.last_mut().filter(|_| has_room) {
        Some(last) => {
            if let Some(blocks) = last.body.get_mut("blocks").and_then(Value::as_array_mut) {
                blocks.push(block);
            }
        }
        None => {
            let text = parts.last().and_then(|p| p.body.get("text")).cloned().unwrap_or(json!("-"));
            parts.push(Part {
                body: json!({"text": text, "blocks": [block], "unfurl_links": false, "unfurl_media": false}),
                article: None,
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::Layout;
    use crate::render::limits::{check_discord_message, check_slack_message};
    use crate::render::{Doc, discord as discord_render, slack as slack_render};

    fn actions() -> Vec<Action> {
        vec![
            Action {
                label: "Approve".into(),
                id: "digest:approve:2026-02-16:ab".into(),
                value: "v".into(),
                style: ActionStyle::Confirm,
            },
            Action {
                label: "Hold".into(),
                id: "digest:hold:2026-02-16:ab".into(),
                value: "v".into(),
                style: ActionStyle::Danger,
            },
        ]
    }

    #[test]
    fn buttons_go_under_the_last_message_within_the_limits() {
        let doc = Doc::text(crate::i18n::Locale::En, "Approve this?");
        let mut parts = discord_render::parts(&doc, Layout::Packed, "Read");
        discord(&mut parts, &actions());
        let last = &parts.last().unwrap().body;
        assert_eq!(last["components"][0]["components"][1]["style"], 4);
        assert_eq!(last["components"][0]["components"][0]["custom_id"], "digest:approve:2026-02-16:ab");
        assert!(check_discord_message(last).is_empty(), "{:?}", check_discord_message(last));

        let mut parts = slack_render::parts(&doc, Layout::Packed, "Read");
        slack(&mut parts, &actions());
        let last = &parts.last().unwrap().body;
        let block = last["blocks"].as_array().unwrap().last().unwrap();
        assert_eq!(block["type"], "actions");
        assert_eq!(block["elements"][0]["style"], "primary");
        assert!(check_slack_message(last).is_empty(), "{:?}", check_slack_message(last));
    }

    #[test]
    fn a_full_last_message_gets_a_message_of_its_own_and_no_actions_change_nothing() {
        let rows: Vec<Value> = (0..5).map(|_| json!({"type": 1, "components": []})).collect();
        let mut parts = vec![Part { body: json!({"content": "x", "components": rows}), article: None }];
        discord(&mut parts, &actions());
        assert_eq!(parts.len(), 2);
        let blocks: Vec<Value> = (0..SLACK_BLOCKS).map(|_| json!({"type": "divider"})).collect();
        let mut parts = vec![Part { body: json!({"text": "t", "blocks": blocks}), article: None }];
        slack(&mut parts, &actions());
        assert_eq!(parts.len(), 2);
        assert!(check_slack_message(&parts[1].body).is_empty());
        let before = parts.clone();
        slack(&mut parts, &[]);
        assert_eq!(parts, before);
    }
}
