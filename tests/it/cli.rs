//! The `digestbot` binary's one-shot commands, run as a user would run them.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use digestbot::render::limits::{check_discord_message, check_slack_message};

use crate::support::TempDir;

fn digestbot(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_digestbot"))
        .current_dir(dir)
        .args(args)
        .env_remove("DISCORD_TOKEN")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_SIGNING_SECRET")
        .env("RUST_LOG", "warn")
        .output()
        .expect("run digestbot")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn json(output: &Output) -> Vec<Value> {
    serde_json::from_slice::<Vec<Value>>(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(output)))
}

/// The repository root: the README's commands run from there with the shipped config.
fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A working folder with no config file (the defaults apply) and the seed in `digests/`.
fn workdir(extra: &[(&str, &str)]) -> TempDir {
    let dir = TempDir::new("cli");
    crate::support::digests_dir(dir.path(), extra);
    dir
}

#[test]
fn preview_works_from_the_repository_with_no_token() {
    let output = digestbot(repo(), &["--now", "2026-02-10T09:00:00+09:00", "preview"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    assert!(text.starts_with("주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링\n"));
    assert!(text.contains("1. 토스 — 레거시 인프라 작살내고 하이브리드 클라우드 만든 썰"));

    let output = digestbot(repo(), &["preview", "--digest", "2026-02-09", "--format", "discord"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let messages = json(&output);
    assert_eq!(messages[0]["embeds"].as_array().unwrap().len(), 6);
    messages.iter().for_each(|m| assert!(check_discord_message(m).is_empty()));

    let output = digestbot(repo(), &["preview", "--digest", "2026-02-09", "--format", "slack"]);
    let messages = json(&output);
    assert_eq!(messages[0]["blocks"][0]["type"], "header");
    assert!(messages.iter().all(|m| m.get("channel").is_none() && check_slack_message(m).is_empty()));
}

#[test]
fn a_broken_digest_is_reported_and_skipped() {
    let dir = workdir(&[("broken.md", "---\ntitle: [unclosed\n---\n")]);
    let output = digestbot(dir.path(), &["--now", "2026-02-10T00:00:00Z", "preview"]);
    assert!(output.status.success());
    assert!(stderr(&output).contains("digests/broken.md:3: the front matter is not valid YAML"), "{}", stderr(&output));
    assert!(stdout(&output).contains("주간 기술블로그"));

    let output = digestbot(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    let lines = stdout(&output);
    assert!(lines.lines().any(|l| l.starts_with("digests/broken.md:3: ") && l.contains("YAML")), "{lines}");

    let good = workdir(&[]);
    let output = digestbot(good.path(), &["check"]);
    assert!(output.status.success(), "{}", stdout(&output));
    assert_eq!(stdout(&output), "ok: 1 digests, the newest 2026-02-09\n");
}

#[test]
fn check_reports_config_mistakes_with_their_line() {
    let dir = workdir(&[]);
    std::fs::create_dir_all(dir.path().join("config")).unwrap();
    std::fs::write(dir.path().join("config/digestbot.yaml"), "digests_dir: ../digests\nschedule:\n  weekdya: monday\n")
        .unwrap();
    let output = digestbot(dir.path(), &["check"]);
    assert_eq!(output.status.code(), Some(1));
    let text = stdout(&output);
    assert!(text.contains("config/digestbot.yaml:3:") && text.contains("weekdya"), "{text}");

    let output = digestbot(dir.path(), &["--config", "nowhere.yaml", "preview"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("nowhere.yaml"), "{}", stderr(&output));
}

#[test]
fn ask_runs_slash_commands_in_both_forms() {
    let dir = workdir(&[]);
    let now = "2026-02-10T00:00:00Z";
    let output = digestbot(dir.path(), &["--now", now, "ask", "/digest keyword ADR"]);
    assert!(stdout(&output).contains("2. 우아한형제들 — 우리는 코드처럼 문화도 리팩토링한다"), "{}", stdout(&output));

    let output = digestbot(dir.path(), &["--now", now, "ask", "/digest keyword query:ADR", "--format", "discord"]);
    let messages = json(&output);
    assert_eq!(messages[0]["content"], "`ADR` 검색 결과 1건 중 1건");
    assert!(messages[0].get("flags").is_none());

    let output = digestbot(dir.path(), &["--now", now, "ask", "/digest issue 2026-02-09", "--format", "slack"]);
    let messages = json(&output);
    assert_eq!(messages[0]["response_type"], "in_channel");
    assert_eq!(
        messages[0]["blocks"][0]["text"]["text"],
        "주간 기술블로그 하이라이트 - 하이브리드 클라우드와 팀 문화 리팩토링"
    );

    let output = digestbot(dir.path(), &["--now", now, "ask", "/digest help", "--format", "discord"]);
    assert_eq!(json(&output)[0]["flags"], 64, "help is private");

    let output = digestbot(dir.path(), &["--now", now, "ask", "/digest keyword blockchain"]);
    assert!(stdout(&output).contains("/digest keyword ADR"), "suggests keywords that exist");

    let output = digestbot(dir.path(), &["--now", now, "ask", "/digest list 2"]);
    assert!(stdout(&output).contains("2 페이지는 없습니다"));
}

#[test]
fn english_replies_with_locale_en() {
    let dir = workdir(&[]);
    std::fs::write(dir.path().join("bot.yaml"), "locale: en\n").unwrap();
    let output = digestbot(
        dir.path(),
        &["--config", "bot.yaml", "--now", "2026-02-10T00:00:00Z", "ask", "/digest issue 2026-02-01"],
    );
    assert!(stdout(&output).starts_with("There is no digest dated 2026-02-01."), "{}", stdout(&output));
}

#[test]
fn schedule_prints_instants_with_the_zone_offset() {
    let dir = workdir(&[]);
    let output = digestbot(dir.path(), &["--now", "2026-02-09T00:00:00Z", "schedule", "--count", "3"]);
    assert_eq!(stdout(&output), "2026-02-16T09:00:00+09:00\n2026-02-23T09:00:00+09:00\n2026-03-02T09:00:00+09:00\n");
    std::fs::write(
        dir.path().join("ny.yaml"),
        "schedule:\n  weekday: sun\n  time: \"02:30\"\n  timezone: America/New_York\n",
    )
    .unwrap();
    let output =
        digestbot(dir.path(), &["--config", "ny.yaml", "--now", "2026-03-01T12:00:00Z", "schedule", "--count", "2"]);
    // 2026-03-08 02:30 does not exist in New York (spring forward): it fires at 03:30 EDT.
    assert_eq!(stdout(&output), "2026-03-08T03:30:00-04:00\n2026-03-15T02:30:00-04:00\n");
}

#[test]
fn serve_without_a_token_exits_2_and_says_how_to_set_it() {
    let dir = workdir(&[]);
    let output = digestbot(dir.path(), &["serve"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("DISCORD_TOKEN is not set"), "{}", stderr(&output));
}
