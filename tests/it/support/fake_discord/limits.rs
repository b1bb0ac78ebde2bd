//! Validation of Discord's documented limits, lengths in code points after trimming: message content
//! 2000, at most 10 embeds (title 256, description 4096, footer 2048, author 256, 25 fields of name
//! 256 and value 1024, 6000 in all) and a message with nothing to show (50006), from Discord's docs
//! Message resource > Create Message and Embed Limits; command names (`^[-_'\p{L}\p{N}]{1,32}$`,
//! lower case), descriptions 1-100, at most 100 commands and 25 options, subcommand nesting, required
//! options first, choices (25, name 1-100, value 100) and autocomplete without choices, from
//! Application Commands; action rows of 1-5 buttons (at most 5 rows), labels 80, link buttons with a
//! `url` (512) and no `custom_id`, from Components (the error code names there are the fake's); an
//! embed's or link button's `url` that is not a well formed http(s) URL (no host, white space in
//! it: 50035 "Not a well formed URL.", as Discord answers). Failures
//! are answered as Discord does: 400 "Invalid Form Body" (code 50035) with the error tree.

use serde_json::Value;

use super::rest::Reply;

/// Whether Discord reads `url` as a URL it links (an embed's or a link button's): an `http(s)://`
/// (or, for embeds, `attachment://`) URL with a host and no white space or control character in it;
/// anything else is 50035 "Not a well formed URL." (code `URL_TYPE_INVALID_URL`).
fn well_formed_url(url: &str, attachment: bool) -> bool {
    let schemes: &[&str] =
        if attachment { &["https://", "http://", "attachment://"] } else { &["https://", "http://"] };
    let Some(rest) = schemes.iter().find_map(|scheme| url.strip_prefix(scheme)) else { return false };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    !host.is_empty() && !url.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn check_url(errors: &mut Vec<(String, &'static str, String)>, path: String, value: &Value, attachment: bool) {
    if let Some(url) = value.as_str()
        && !well_formed_url(url, attachment)
    {
        errors.push((path, "URL_TYPE_INVALID_URL", "Not a well formed URL.".to_string()));
    }
}

fn text_len(value: &Value) -> usize {
    value.as_str().map_or(0, |s| s.trim().chars().count())
}

fn check_len(errors: &mut Vec<(String, &'static str, String)>, path: String, value: &Value, max: usize) {
    if text_len(value) > max {
        errors.push((path, "BASE_TYPE_MAX_LENGTH", format!("Must be {max} or fewer in length.")));
    }
}

/// Checks a message body (Create Message, webhook, follow-up, callback data, edit). `must_have_content`
/// refuses a message with nothing to show (code 50006). A non-JSON body (multipart) is not checked.
pub(super) fn validate_message(body: &Value, must_have_content: bool) -> Option<Reply> {
    validate_message_at(body, must_have_content, "")
}

/// [`validate_message`] for a message nested in a larger body (a forum post's `message`): error
/// paths start with `prefix.` when `prefix` is not empty.
pub(super) fn validate_message_at(body: &Value, must_have_content: bool, prefix: &str) -> Option<Reply> {
    if !body.is_object() {
        return None;
    }
    let mut errors = Vec::new();
    check_len(&mut errors, "content".to_string(), &body["content"], 2000);
    let embeds = body.get("embeds").and_then(Value::as_array).cloned().unwrap_or_default();
    if embeds.len() > 10 {
        errors.push(("embeds".to_string(), "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.".to_string()));
    }
    let mut total = 0;
    for (i, embed) in embeds.iter().enumerate() {
        check_len(&mut errors, format!("embeds.{i}.title"), &embed["title"], 256);
        check_len(&mut errors, format!("embeds.{i}.description"), &embed["description"], 4096);
        check_len(&mut errors, format!("embeds.{i}.footer.text"), &embed["footer"]["text"], 2048);
        check_len(&mut errors, format!("embeds.{i}.author.name"), &embed["author"]["name"], 256);
        check_url(&mut errors, format!("embeds.{i}.url"), &embed["url"], true);
        total += text_len(&embed["title"])
            + text_len(&embed["description"])
            + text_len(&embed["footer"]["text"])
            + text_len(&embed["author"]["name"]);
        let fields = embed.get("fields").and_then(Value::as_array).cloned().unwrap_or_default();
        if fields.len() > 25 {
            errors.push((
                format!("embeds.{i}.fields"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.".to_string(),
            ));
        }
        for (j, field) in fields.iter().enumerate() {
            for (key, max) in [("name", 256), ("value", 1024)] {
                let path = format!("embeds.{i}.fields.{j}.{key}");
                if text_len(&field[key]) == 0 {
                    errors.push((path, "BASE_TYPE_REQUIRED", "This field is required".to_string()));
                } else {
                    check_len(&mut errors, path, &field[key], max);
                }
            }
            total += text_len(&field["name"]) + text_len(&field["value"]);
        }
    }
    if total > 6000 {
        errors.push((
            "embeds".to_string(),
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000".to_string(),
        ));
    }
    validate_components(&mut errors, body.get("components"));
    if !errors.is_empty() {
        if !prefix.is_empty() {
            for error in &mut errors {
                error.0 = format!("{prefix}.{}", error.0);
            }
        }
        return Some(Reply::invalid_form(errors));
    }
    let non_empty = |key: &str| body.get(key).and_then(Value::as_array).is_some_and(|a| !a.is_empty());
    let has_content = text_len(&body["content"]) > 0
        || !embeds.is_empty()
        || non_empty("components")
        || non_empty("attachments")
        || non_empty("sticker_ids")
        || body.get("poll").is_some_and(|p| !p.is_null());
    if must_have_content && !has_content {
        return Some(Reply::error(400, "Cannot send an empty message", 50006));
    }
    None
}

/// Components (Components > Reference): at most 5 action rows of 1-5 buttons; labels at most 80; a
/// link button (style 5) has a `url` of at most 512 and no `custom_id`, the others a `custom_id` of
/// at most 100.
fn validate_components(errors: &mut Vec<(String, &'static str, String)>, components: Option<&Value>) {
    let rows = components.and_then(Value::as_array).cloned().unwrap_or_default();
    if rows.len() > 5 {
        errors.push(("components".into(), "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.".into()));
    }
    for (i, row) in rows.iter().enumerate() {
        if row.get("type").and_then(Value::as_u64) != Some(1) {
            continue;
        }
        let buttons = row.get("components").and_then(Value::as_array).cloned().unwrap_or_default();
        if !(1..=5).contains(&buttons.len()) {
            errors.push((
                format!("components.{i}.components"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 5 in length.".into(),
            ));
        }
        for (j, button) in buttons.iter().enumerate().filter(|(_, b)| b["type"].as_u64() == Some(2)) {
            let here = format!("components.{i}.components.{j}");
            check_len(errors, format!("{here}.label"), &button["label"], 80);
            let link = button["style"].as_u64() == Some(5);
            let (present, absent, max) = if link { ("url", "custom_id", 512) } else { ("custom_id", "url", 100) };
            if text_len(&button[present]) == 0 {
                errors.push((format!("{here}.{present}"), "BASE_TYPE_REQUIRED", "This field is required".into()));
            } else {
                check_len(errors, format!("{here}.{present}"), &button[present], max);
                if link {
                    check_url(errors, format!("{here}.url"), &button["url"], false);
                }
            }
            if button.get(absent).is_some_and(|v| !v.is_null()) {
                errors.push((
                    format!("{here}.{absent}"),
                    "COMPONENT_INVALID_FIELD",
                    format!("A {} button cannot have a {absent}", if link { "link" } else { "non-link" }),
                ));
            }
        }
    }
}

/// `^[-_'\p{L}\p{N}]{1,32}$`, lower case (for chat-input commands and their options).
fn valid_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=32).contains(&count)
        && name.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '\''))
        && name.to_lowercase() == name
}

pub(super) fn validate_commands(list: &[Value]) -> Vec<(String, &'static str, String)> {
    let mut errors = Vec::new();
    if list.len() > 100 {
        errors.push((String::new(), "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.".to_string()));
    }
    let mut seen = Vec::new();
    for (i, command) in list.iter().enumerate() {
        let kind = command.get("type").and_then(Value::as_u64).unwrap_or(1);
        let name = command["name"].as_str().unwrap_or_default();
        let name_ok = if kind == 1 { valid_name(name) } else { (1..=32).contains(&name.chars().count()) };
        if !name_ok {
            errors.push((
                format!("{i}.name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".to_string(),
            ));
        }
        if seen.contains(&(kind, name)) {
            errors.push((
                format!("{i}.name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique".to_string(),
            ));
        }
        seen.push((kind, name));
        if kind == 1 {
            let description_len = text_len(&command["description"]);
            if !(1..=100).contains(&description_len) {
                errors.push((
                    format!("{i}.description"),
                    "BASE_TYPE_BAD_LENGTH",
                    "Must be between 1 and 100 in length.".to_string(),
                ));
            }
            validate_options(&mut errors, command.get("options"), &format!("{i}.options"), 0);
        }
    }
    errors
}

fn validate_options(errors: &mut Vec<(String, &'static str, String)>, options: Option<&Value>, path: &str, depth: u8) {
    let options = options.and_then(Value::as_array).cloned().unwrap_or_default();
    if options.len() > 25 {
        errors.push((path.to_string(), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.".to_string()));
    }
    let mut seen_optional = false;
    let mut names = Vec::new();
    for (i, option) in options.iter().enumerate() {
        let here = format!("{path}.{i}");
        let name = option["name"].as_str().unwrap_or_default();
        if !valid_name(name) {
            errors.push((
                format!("{here}.name"),
                "APPLICATION_COMMAND_INVALID_NAME",
                "Command name is invalid".to_string(),
            ));
        }
        if names.contains(&name) {
            errors.push((
                format!("{here}.name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique".to_string(),
            ));
        }
        names.push(name);
        if !(1..=100).contains(&text_len(&option["description"])) {
            errors.push((
                format!("{here}.description"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.".to_string(),
            ));
        }
        let kind = option.get("type").and_then(Value::as_u64).unwrap_or(0);
        if matches!(kind, 1 | 2) {
            if depth >= 2 || (kind == 2 && depth >= 1) {
                errors.push((here.clone(), "APPLICATION_COMMAND_OPTION_TYPE_INVALID", "Nesting too deep".to_string()));
            }
            validate_options(errors, option.get("options"), &format!("{here}.options"), depth + 1);
            continue;
        }
        let required = option.get("required").and_then(Value::as_bool).unwrap_or(false);
        if required && seen_optional {
            errors.push((
                here.clone(),
                "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                "Required options must be placed before non-required options".to_string(),
            ));
        }
        seen_optional |= !required;
        let has_choices = option.get("choices").and_then(Value::as_array).is_some_and(|c| !c.is_empty());
        if has_choices && option.get("autocomplete").and_then(Value::as_bool) == Some(true) {
            errors.push((
                format!("{here}.autocomplete"),
                "AUTOCOMPLETE_AND_CHOICES_ERROR",
                "Autocomplete cannot be set if choices are present".to_string(),
            ));
        }
        errors.extend(validate_choices(option.get("choices"), &format!("{here}.choices")));
    }
    let kinds: Vec<u64> = options.iter().map(|o| o.get("type").and_then(Value::as_u64).unwrap_or(0)).collect();
    if kinds.iter().any(|k| matches!(k, 1 | 2)) && kinds.iter().any(|k| !matches!(k, 1 | 2)) {
        errors.push((
            path.to_string(),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Sub-command and sub-command group option types are mutually exclusive to all other types".to_string(),
        ));
    }
}

/// At most 25 choices, name 1-100, string value at most 100.
pub(super) fn validate_choices(choices: Option<&Value>, path: &str) -> Vec<(String, &'static str, String)> {
    let mut errors = Vec::new();
    let choices = choices.and_then(Value::as_array).cloned().unwrap_or_default();
    if choices.len() > 25 {
        errors.push((path.to_string(), "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.".to_string()));
    }
    for (i, choice) in choices.iter().enumerate() {
        if !(1..=100).contains(&text_len(&choice["name"])) {
            errors.push((
                format!("{path}.{i}.name"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 100 in length.".to_string(),
            ));
        }
        check_len(&mut errors, format!("{path}.{i}.value"), &choice["value"], 100);
    }
    errors
}
