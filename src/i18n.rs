//! The words the bot says, in Korean (the default) and English.
//!
//! Every user-visible sentence lives here, so the renderers and commands stay free of string literals
//! and a new language is one more `match` arm per message. `config` picks the [`Locale`].

use chrono::{DateTime, NaiveDate};
use chrono_tz::Tz;

use crate::command::OptionKind;

/// How much of the user's own text a reply quotes back, in characters.
const ECHO_CHARS: usize = 100;

/// The language of replies and labels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Locale {
    #[default]
    Ko,
    En,
}

impl Locale {
    /// `ko` or `en`, any case.
    pub fn parse(s: &str) -> Option<Locale> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ko" | "ko-kr" | "korean" => Some(Locale::Ko),
            "en" | "en-us" | "en-gb" | "english" => Some(Locale::En),
            _ => None,
        }
    }

    fn pick<'a>(self, ko: &'a str, en: &'a str) -> &'a str {
        match self {
            Locale::Ko => ko,
            Locale::En => en,
        }
    }

    pub fn date_label(self) -> &'static str {
        self.pick("날짜", "Date")
    }

    pub fn tags_label(self) -> &'static str {
        self.pick("태그", "Tags")
    }

    pub fn category_label(self) -> &'static str {
        self.pick("분류", "Category")
    }

    pub fn read_more(self) -> &'static str {
        self.pick("원문 보기", "Read the original")
    }

    /// The label of an article's link button.
    pub fn read_original(self) -> &'static str {
        self.pick("원문 읽기", "Read the original")
    }

    pub fn keyword_source(self) -> &'static str {
        self.pick("출처", "Source")
    }

    pub fn no_digest(self) -> &'static str {
        self.pick("아직 발행된 다이제스트가 없습니다.", "No digest has been published yet.")
    }

    pub fn search_results(self, query: &str, total: usize, shown: usize) -> String {
        let query = code_safe(query);
        match self {
            Locale::Ko => format!("`{query}` 검색 결과 {total}건 중 {shown}건"),
            Locale::En => format!("{shown} of {total} results for `{query}`"),
        }
    }

    pub fn no_results(self, query: &str) -> String {
        let query = code_safe(query);
        match self {
            Locale::Ko => format!("`{query}`에 대한 검색 결과가 없습니다."),
            Locale::En => format!("No results for `{query}`."),
        }
    }

    pub fn try_keywords(self) -> &'static str {
        self.pick("이런 키워드로 검색해 보세요:", "Try one of these keywords:")
    }

    pub fn empty_query(self) -> &'static str {
        self.pick(
            "검색할 키워드를 입력해 주세요. 예: `/digest keyword ADR`",
            "Give a keyword to search for, for example `/digest keyword ADR`.",
        )
    }

    pub fn bad_date(self, input: &str) -> String {
        let input = code_safe(input);
        match self {
            Locale::Ko => {
                format!("`{input}`은(는) 올바른 날짜가 아닙니다. YYYY-MM-DD 형식으로 입력해 주세요. 예: `2026-02-09`")
            }
            Locale::En => format!("`{input}` is not a date. Use YYYY-MM-DD, for example `2026-02-09`."),
        }
    }

    pub fn no_issue_on(self, date: NaiveDate) -> String {
        match self {
            Locale::Ko => format!("{date}에 발행된 다이제스트가 없습니다."),
            Locale::En => format!("There is no digest dated {date}."),
        }
    }

    pub fn nearest_issues(self) -> &'static str {
        self.pick("가까운 날짜의 다이제스트:", "The nearest issues:")
    }

    pub fn list_title(self, page: usize, pages: usize, total: usize) -> String {
        match self {
            Locale::Ko => format!("다이제스트 목록 ({page}/{pages} 페이지, 전체 {total}개)"),
            Locale::En => format!("Digests (page {page} of {pages}, {total} in all)"),
        }
    }

    pub fn list_empty_page(self, page: usize, pages: usize) -> String {
        match self {
            Locale::Ko => format!("{page} 페이지는 없습니다. 1~{pages} 페이지를 볼 수 있습니다."),
            Locale::En => format!("There is no page {page}; pages 1 to {pages} exist."),
        }
    }

    pub fn articles_count(self, n: usize) -> String {
        match self {
            Locale::Ko => format!("아티클 {n}개"),
            Locale::En => format!("{n} articles"),
        }
    }

    pub fn more_pages(self, next: usize) -> String {
        match self {
            Locale::Ko => format!("다음 페이지: `/digest list {next}`"),
            Locale::En => format!("Next page: `/digest list {next}`"),
        }
    }

    pub fn subscribed(self, next: &DateTime<Tz>) -> String {
        match self {
            Locale::Ko => format!("이 채널을 구독했습니다. 다음 발송: {}", format_instant(next)),
            Locale::En => format!("This channel is subscribed. Next delivery: {}", format_instant(next)),
        }
    }

    pub fn already_subscribed(self, next: &DateTime<Tz>) -> String {
        match self {
            Locale::Ko => format!("이 채널은 이미 구독 중입니다. 다음 발송: {}", format_instant(next)),
            Locale::En => format!("This channel is already subscribed. Next delivery: {}", format_instant(next)),
        }
    }

    pub fn unsubscribed(self) -> &'static str {
        self.pick("이 채널의 구독을 해지했습니다.", "This channel is unsubscribed.")
    }

    pub fn not_subscribed(self) -> &'static str {
        self.pick("이 채널은 구독 중이 아닙니다.", "This channel is not subscribed.")
    }

    pub fn pinned_by_config(self) -> &'static str {
        self.pick(
            "이 채널은 설정 파일에서 항상 구독하도록 지정되어 있어 해지할 수 없습니다.",
            "This channel is subscribed in the configuration file and cannot be unsubscribed here.",
        )
    }

    pub fn no_permission(self) -> &'static str {
        self.pick(
            "채널 관리(Manage Channels) 또는 관리자 권한이 있는 멤버만 구독을 변경할 수 있습니다.",
            "Only members with Manage Channels or Administrator may change the subscription.",
        )
    }

    pub fn not_admin(self) -> &'static str {
        self.pick(
            "구독을 변경할 수 있는 사용자로 등록되어 있지 않습니다.",
            "You are not on the list of users who may change the subscription.",
        )
    }

    pub fn status_title(self) -> &'static str {
        self.pick("구독 상태", "Subscription status")
    }

    pub fn status_subscribed(self, yes: bool) -> &'static str {
        match yes {
            true => self.pick("구독 중", "Subscribed"),
            false => self.pick("구독하지 않음", "Not subscribed"),
        }
    }

    pub fn status_next(self) -> &'static str {
        self.pick("다음 발송", "Next delivery")
    }

    pub fn status_last(self) -> &'static str {
        self.pick("마지막 발송", "Last delivery")
    }

    pub fn status_never(self) -> &'static str {
        self.pick("아직 없음", "None yet")
    }

    pub fn status_failure(self) -> &'static str {
        self.pick("마지막 실패", "Last failure")
    }

    pub fn status_webhooks(self) -> &'static str {
        self.pick("수신 웹후크", "Incoming webhooks")
    }

    /// Why corrections never reach Slack's incoming webhooks.
    pub fn status_webhooks_uncorrectable(self, count: usize) -> String {
        match self {
            Locale::Ko => format!(
                "Slack 수신 웹후크 {count}개도 다이제스트를 받습니다. 웹후크로 올린 메시지는 수정할 수 없어, 발송 뒤 고친 내용은 반영되지 않습니다 (다시 올리지도 않습니다)."
            ),
            Locale::En => format!(
                "{count} Slack incoming webhook(s) also get the digest. Messages posted through a webhook cannot be edited, so corrections made after a post do not reach them (nor are they posted again)."
            ),
        }
    }

    pub fn status_channel(self) -> &'static str {
        self.pick("이 채널", "This channel")
    }

    pub fn unknown_command(self, input: &str) -> String {
        let input = code_safe(input);
        match self {
            Locale::Ko => format!("알 수 없는 명령입니다: `{input}`. `/digest help`를 입력해 보세요."),
            Locale::En => format!("Unknown command: `{input}`. Try `/digest help`."),
        }
    }

    pub fn bad_page(self, input: &str) -> String {
        let input = code_safe(input);
        match self {
            Locale::Ko => format!("`{input}`은(는) 올바른 페이지 번호가 아닙니다."),
            Locale::En => format!("`{input}` is not a page number."),
        }
    }

    pub fn query_too_long(self, max: usize) -> String {
        match self {
            Locale::Ko => format!("검색어가 너무 깁니다. {max}자 이내로 입력해 주세요."),
            Locale::En => format!("The query is too long: use at most {max} characters."),
        }
    }

    pub fn missing_option(self, name: &str) -> String {
        let name = code_safe(name);
        match self {
            Locale::Ko => format!("`{name}` 옵션을 입력해 주세요. `/digest help`를 입력해 보세요."),
            Locale::En => format!("The `{name}` option is required. Try `/digest help`."),
        }
    }

    pub fn unexpected_option(self, name: &str) -> String {
        let name = code_safe(name);
        match self {
            Locale::Ko => format!("이 명령에는 `{name}` 옵션이 없습니다. `/digest help`를 입력해 보세요."),
            Locale::En => format!("This command has no `{name}` option. Try `/digest help`."),
        }
    }

    pub fn wrong_option_type(self, name: &str, expected: OptionKind) -> String {
        let name = code_safe(name);
        let kind = match expected {
            OptionKind::String => self.pick("텍스트", "text"),
            OptionKind::Integer => self.pick("정수", "a whole number"),
        };
        match self {
            Locale::Ko => format!("`{name}` 옵션에는 {kind}를 입력해 주세요. `/digest help`를 입력해 보세요."),
            Locale::En => format!("The `{name}` option takes {kind}. Try `/digest help`."),
        }
    }

    /// A request the bot cannot read (Discord sent something the bot's library does not understand)
    /// or does not handle.
    pub fn unsupported_request(self) -> &'static str {
        self.pick(
            "이 요청은 처리할 수 없습니다. `/digest help`를 입력해 보세요.",
            "This request cannot be handled. Try `/digest help`.",
        )
    }

    pub fn internal_error(self) -> &'static str {
        self.pick(
            "명령을 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.",
            "The command could not be carried out. Please try again shortly.",
        )
    }

    /// A Slack reply cut short: a command's answer may have only so many follow-up messages.
    pub fn reply_truncated(self, left_out: usize) -> String {
        match self {
            Locale::Ko => format!(
                "답이 너무 길어 나머지 메시지 {left_out}개는 생략했습니다. `/digest keyword <검색어>`로 아티클을 찾아보세요."
            ),
            Locale::En => format!(
                "This answer is too long for Slack: {left_out} more messages were left out. Use `/digest keyword <word>` to find an article."
            ),
        }
    }

    pub fn help_title(self) -> &'static str {
        self.pick("digestbot 사용법", "How to use digestbot")
    }

    /// One line per subcommand: (usage, what it does).
    pub fn help_lines(self) -> [(&'static str, &'static str); 8] {
        [
            ("/digest latest", self.pick("최신 다이제스트", "The latest digest")),
            ("/digest keyword <검색어>", self.pick("키워드로 아티클 검색", "Search articles by keyword")),
            ("/digest issue <YYYY-MM-DD>", self.pick("해당 날짜의 다이제스트", "The digest of that date")),
            ("/digest list [page]", self.pick("지난 다이제스트 목록", "The list of past digests")),
            ("/digest subscribe", self.pick("이 채널에 매주 발송 구독", "Subscribe this channel to the weekly post")),
            ("/digest unsubscribe", self.pick("이 채널 구독 해지", "Unsubscribe this channel")),
            ("/digest status", self.pick("이 채널의 구독 상태", "This channel's subscription status")),
            ("/digest help", self.pick("이 도움말", "This help")),
        ]
    }

    pub fn help_schedule(self, slot: &str) -> String {
        match self {
            Locale::Ko => format!("구독한 채널에는 매주 {slot}에 최신 다이제스트가 발송됩니다."),
            Locale::En => format!("Subscribed channels receive the latest digest every {slot}."),
        }
    }

    /// A `threads` value that is not one (empty: none was given).
    pub fn bad_threads(self, input: &str) -> String {
        let example = "`/digest subscribe threads:article`";
        if input.trim().is_empty() {
            return match self {
                Locale::Ko => {
                    format!("`threads` 옵션에는 `off`, `issue`, `article` 중 하나를 입력해 주세요. 예: {example}")
                }
                Locale::En => format!("The `threads` option takes `off`, `issue` or `article`, for example {example}."),
            };
        }
        let input = code_safe(input);
        match self {
            Locale::Ko => format!(
                "`{input}`은(는) `threads` 설정이 아닙니다. `off`, `issue`, `article` 중 하나를 입력해 주세요. 예: {example}"
            ),
            Locale::En => {
                format!("`{input}` is not a `threads` setting: use `off`, `issue` or `article`, for example {example}.")
            }
        }
    }

    /// The help line of `subscribe`'s `threads` option: (usage, what it does).
    pub fn help_threads(self) -> (&'static str, &'static str) {
        (
            "/digest subscribe threads:<off|issue|article>",
            self.pick(
                "구독하며 토론 스레드 방식 정하기: 없음, 호마다, 아티클마다",
                "Subscribe and choose discussion threads: none, one per issue, one per article",
            ),
        )
    }

    pub fn help_editors(self) -> (&'static str, &'static str) {
        (
            "/digest preview|approve|hold [date]",
            self.pick(
                "편집자: 발송될 모습 미리보기, 발송 승인, 보류",
                "Editors: preview a digest as it will be posted, approve it, hold it",
            ),
        )
    }

    /// [`Locale::subscribed`], naming the channel when it is not this one (`<#id>`).
    pub fn subscribed_named(self, channel: Option<&str>, next: &DateTime<Tz>) -> String {
        let Some(channel) = channel else { return self.subscribed(next) };
        match self {
            Locale::Ko => format!("{channel} 채널을 구독했습니다. 다음 발송: {}", format_instant(next)),
            Locale::En => format!("{channel} is subscribed. Next delivery: {}", format_instant(next)),
        }
    }

    /// [`Locale::already_subscribed`], naming the channel when it is not this one.
    pub fn already_subscribed_named(self, channel: Option<&str>, next: &DateTime<Tz>) -> String {
        let Some(channel) = channel else { return self.already_subscribed(next) };
        match self {
            Locale::Ko => format!("{channel} 채널은 이미 구독 중입니다. 다음 발송: {}", format_instant(next)),
            Locale::En => format!("{channel} is already subscribed. Next delivery: {}", format_instant(next)),
        }
    }

    /// [`Locale::unsubscribed`], naming the channel when it is not this one.
    pub fn unsubscribed_named(self, channel: Option<&str>) -> String {
        let Some(channel) = channel else { return self.unsubscribed().to_string() };
        match self {
            Locale::Ko => format!("{channel} 채널의 구독을 해지했습니다."),
            Locale::En => format!("{channel} is unsubscribed."),
        }
    }

    /// [`Locale::not_subscribed`], naming the channel when it is not this one.
    pub fn not_subscribed_named(self, channel: Option<&str>) -> String {
        let Some(channel) = channel else { return self.not_subscribed().to_string() };
        match self {
            Locale::Ko => format!("{channel} 채널은 구독 중이 아닙니다."),
            Locale::En => format!("{channel} is not subscribed."),
        }
    }

    /// [`Locale::pinned_by_config`], naming the channel when it is not this one.
    pub fn pinned_by_config_named(self, channel: Option<&str>) -> String {
        let Some(channel) = channel else { return self.pinned_by_config().to_string() };
        match self {
            Locale::Ko => {
                format!("{channel} 채널은 설정 파일에서 항상 구독하도록 지정되어 있어 해지할 수 없습니다.")
            }
            Locale::En => {
                format!("{channel} is subscribed in the configuration file and cannot be unsubscribed here.")
            }
        }
    }

    /// The line above the status card of a thread's parent channel.
    pub fn status_of(self, channel: &str) -> String {
        match self {
            Locale::Ko => format!("이 스레드가 속한 채널 {channel}의 구독 상태입니다."),
            Locale::En => format!("The status of {channel}, the channel this thread belongs to."),
        }
    }

    /// The status field naming the subscription of a channel other than this one.
    pub fn status_named_channel(self) -> &'static str {
        self.pick("채널", "Channel")
    }

    pub fn threads_label(self) -> &'static str {
        self.pick("스레드", "Threads")
    }

    /// What a channel looks like with a `threads` setting, on Discord or on Slack.
    pub fn threads_look(self, mode: crate::target::ThreadMode, slack: bool) -> &'static str {
        use crate::target::ThreadMode::{Article, Issue, Off};
        match (mode, slack) {
            (Off, false) => self.pick(
                "다이제스트를 메시지 몇 개에 묶어 올리고, 스레드는 만들지 않습니다.",
                "the digest comes as a few packed messages, with no thread.",
            ),
            (Issue, false) => self.pick(
                "매 호의 첫 메시지에서 토론 스레드를 시작합니다.",
                "a thread will be started from each issue's first message.",
            ),
            (Article, false) => self.pick(
                "아티클마다 메시지를 따로 올리고, 메시지마다 토론 스레드를 시작합니다.",
                "each article will be its own message with a thread to discuss it.",
            ),
            (Off, true) => self.pick(
                "다이제스트를 메시지 몇 개에 묶어 올립니다. 첫 메시지의 스레드에 댓글을 달아 이야기해 주세요.",
                "the digest comes as a few packed messages; reply in the thread of the first one to discuss it.",
            ),
            (Issue, true) => self.pick(
                "다이제스트를 메시지 몇 개에 묶어 올립니다. 매 호의 첫 메시지 스레드에 댓글을 달아 이야기해 주세요.",
                "the digest comes as a few packed messages; reply in the thread of the issue's first message.",
            ),
            (Article, true) => self.pick(
                "아티클마다 메시지를 따로 올립니다. 각 메시지의 스레드에 댓글을 달아 이야기해 주세요.",
                "each article will be its own message; reply in its thread to discuss it.",
            ),
        }
    }

    /// A `threads` setting, where it comes from, and what the channel looks like with it.
    pub fn threads_value(self, mode: crate::target::ThreadMode, own: bool, slack: bool) -> String {
        let from = match own {
            true => self.pick("이 채널의 설정", "this channel's setting"),
            false => self.pick("설정 파일의 기본값", "the default from the config"),
        };
        format!("{} ({from}) — {}", mode.as_str(), self.threads_look(mode, slack))
    }

    /// The `threads` line of a `subscribe` answer.
    pub fn threads_line(self, mode: crate::target::ThreadMode, own: bool, slack: bool) -> String {
        format!("{}: {}", self.threads_label(), self.threads_value(mode, own, slack))
    }

    /// The `threads` line of a `subscribe` answer that changed the setting.
    pub fn threads_changed(self, mode: crate::target::ThreadMode, slack: bool) -> String {
        let look = self.threads_look(mode, slack);
        match self {
            Locale::Ko => format!("스레드 설정을 {}로 바꿨습니다 — {look}", mode.as_str()),
            Locale::En => format!("The threads setting is now {} — {look}", mode.as_str()),
        }
    }

    pub fn status_thread_problem(self) -> &'static str {
        self.pick("스레드를 시작하지 못함", "Threads not started")
    }

    /// A thread the latest digest could not start: the digest was posted, the thread was not. On
    /// Discord, the permissions that start one and post in it.
    pub fn thread_problem(self, digest: &str, why: &str, slack: bool) -> String {
        match (self, slack) {
            (Locale::Ko, false) => format!(
                "{digest}: {why}. 다이제스트는 올렸지만 스레드를 시작하지 못했습니다. 이 채널에서 봇에게 공개 스레드 만들기(Create Public Threads)와 스레드에서 메시지 보내기(Send Messages in Threads) 권한을 주세요."
            ),
            (Locale::En, false) => format!(
                "{digest}: {why}. The digest was posted, but its threads could not be started: give the bot Create Public Threads and Send Messages in Threads in this channel."
            ),
            (Locale::Ko, true) => {
                format!("{digest}: {why}. 다이제스트는 올렸지만 스레드를 시작하지 못했습니다.")
            }
            (Locale::En, true) => {
                format!("{digest}: {why}. The digest was posted, but its threads could not be started.")
            }
        }
    }
}

/// User input shown inside a `code span`: backticks would end it, line breaks would split it, and a
/// long one is cut to [`ECHO_CHARS`] with `…`.
fn code_safe(input: &str) -> String {
    code_safe_up_to(input, ECHO_CHARS)
}

/// [`code_safe`], cut to `max` characters.
fn code_safe_up_to(input: &str, max: usize) -> String {
    let mut chars = input.trim().chars();
    let mut cleaned: String = chars
        .by_ref()
        .take(max)
        .map(|c| {
            if c == '`' {
                '\''
            } else if c.is_control() {
                ' '
            } else {
                c
            }
        })
        .collect();
    if chars.next().is_some() {
        cleaned.push('…');
    }
    let trimmed = cleaned.trim();
    if trimmed.is_empty() { "-".to_string() } else { trimmed.to_string() }
}

/// Outside text (a file's error, a platform's answer, a title) in the editors' notices.
const NOTICE_TEXT: usize = 500;

/// What the bot tells the editors' channel: each notice is a (title, Markdown body).
impl Locale {
    pub fn not_editor(self, slack: bool) -> &'static str {
        if slack {
            self.pick(
                "편집자만 쓸 수 있습니다: `slack.admins`에 있는 사용자이거나 편집자 채널에서 실행하세요.",
                "Only editors may do this: users in `slack.admins`, or anyone in the editors' channel.",
            )
        } else {
            self.pick(
                "편집자만 쓸 수 있습니다: 서버 관리(Manage Guild) 또는 채널 관리(Manage Channels) 권한이 필요합니다.",
                "Only editors may do this: members with Manage Guild or Manage Channels.",
            )
        }
    }

    pub fn no_digest_to_preview(self, date: Option<&str>) -> String {
        match (self, date) {
            (Locale::Ko, Some(date)) => format!("{}에 해당하는 다이제스트 파일이 없습니다.", code_safe(date)),
            (Locale::Ko, None) => "다음 발송에 쓸 다이제스트가 아직 없습니다.".into(),
            (Locale::En, Some(date)) => format!("No digest file is dated {}.", code_safe(date)),
            (Locale::En, None) => "There is no digest for the next slot yet.".into(),
        }
    }

    /// Above a preview: where and when it goes out, and whether it waits for approval.
    pub fn preview_lead(self, id: &str, when: &str, approval: &str) -> String {
        match self {
            Locale::Ko => format!("**미리보기** {id}: {when}에 이대로 발송됩니다. {approval}"),
            Locale::En => format!("**Preview** of {id}: this is what goes out at {when}. {approval}"),
        }
    }

    /// An approval state, as a sentence: `None` when approval is off.
    pub fn approval_state(self, required: bool, decision: Option<(bool, &str, &str)>) -> String {
        match (self, required, decision) {
            (Locale::Ko, false, _) => "승인이 필요 없습니다.".into(),
            (Locale::En, false, _) => "No approval is needed.".into(),
            (Locale::Ko, true, None) => "아직 승인되지 않았습니다.".into(),
            (Locale::En, true, None) => "Not approved yet.".into(),
            (Locale::Ko, true, Some((true, who, at))) => format!("{who}님이 {at}에 승인했습니다."),
            (Locale::En, true, Some((true, who, at))) => format!("Approved by {who} at {at}."),
            (Locale::Ko, true, Some((false, who, at))) => format!("{who}님이 {at}에 보류했습니다."),
            (Locale::En, true, Some((false, who, at))) => format!("Held by {who} at {at}."),
        }
    }

    pub fn decided(self, approve: bool, id: &str, title: &str, when: &str) -> String {
        let title = code_safe_up_to(title, NOTICE_TEXT);
        match (self, approve) {
            (Locale::Ko, true) => format!("{id} `{title}`을(를) 승인했습니다. {when}에 발송됩니다."),
            (Locale::En, true) => format!("Approved {id} `{title}`: it goes out at {when}."),
            (Locale::Ko, false) => format!("{id} `{title}`을(를) 보류했습니다. 승인할 때까지 발송되지 않습니다."),
            (Locale::En, false) => format!("Held {id} `{title}`: it does not go out until it is approved."),
        }
    }

    pub fn approval_off(self) -> &'static str {
        self.pick(
            "승인이 꺼져 있습니다(`approval: off`): 다이제스트는 승인 없이 발송 시각에 나갑니다. 아무것도 기록하지 않았습니다.",
            "Approval is off (`approval: off`): digests go out at their slot without it. Nothing was recorded.",
        )
    }

    pub fn decision_stale(self) -> &'static str {
        self.pick(
            "이 미리보기 이후 파일이 바뀌었습니다. 새 미리보기를 확인하고 승인하세요.",
            "The file changed after this preview: check the new preview and approve that one.",
        )
    }

    pub fn approve_label(self) -> &'static str {
        self.pick("승인", "Approve")
    }

    pub fn hold_label(self) -> &'static str {
        self.pick("보류", "Hold")
    }

    /// The approval request the editors' channel gets with the preview.
    pub fn notice_approval(self, when: &str, id: &str, title: &str) -> (String, String) {
        let title = code_safe_up_to(title, NOTICE_TEXT);
        match self {
            Locale::Ko => (
                format!("{when} 발송 승인 요청: {id}"),
                format!(
                    "`{title}`이(가) 아래처럼 발송됩니다. 승인하거나 보류하세요 (`/digest approve`, `/digest hold`)."
                ),
            ),
            Locale::En => (
                format!("Approve {id} for {when}?"),
                format!("`{title}` goes out as below. Approve or hold it (or `/digest approve`, `/digest hold`)."),
            ),
        }
    }

    pub fn notice_decided(self, approve: bool, id: &str, who: &str) -> (String, String) {
        let who = code_safe_up_to(who, NOTICE_TEXT);
        match (self, approve) {
            (Locale::Ko, true) => (format!("{id} 승인됨"), format!("`{who}`님이 승인했습니다.")),
            (Locale::En, true) => (format!("{id} approved"), format!("Approved by `{who}`.")),
            (Locale::Ko, false) => {
                (format!("{id} 보류됨"), format!("`{who}`님이 보류했습니다. 승인할 때까지 발송되지 않습니다."))
            }
            (Locale::En, false) => {
                (format!("{id} held"), format!("Held by `{who}`: it does not go out until approved."))
            }
        }
    }

    pub fn notice_held_too_long(self, when: &str, id: &str) -> (String, String) {
        match self {
            Locale::Ko => (
                format!("{when}: {id}은(는) 승인되지 않아 발송되지 않았습니다"),
                "발송 가능 시간(`schedule.catch_up`)이 지났습니다. 보내려면 `digestbot post`를 쓰세요.".into(),
            ),
            Locale::En => (
                format!("{when}: {id} was never approved and did not go out"),
                "The catch-up window (`schedule.catch_up`) has passed. To send it anyway, use `digestbot post`.".into(),
            ),
        }
    }

    pub fn notice_held(self, when: &str, id: &str, until: &str) -> (String, String) {
        match self {
            Locale::Ko => (
                format!("{when}: {id}이(가) 승인되지 않아 보류되었습니다"),
                format!("{until}까지 승인하면 그때 발송됩니다 (`/digest approve`)."),
            ),
            Locale::En => (
                format!("{when}: {id} is held, not approved"),
                format!("Approve it by {until} and it goes out then (`/digest approve`)."),
            ),
        }
    }

    pub fn notice_file_broken(self, error: &str) -> (String, String) {
        let error = code_safe_up_to(error, NOTICE_TEXT);
        match self {
            Locale::Ko => (
                "다이제스트 파일을 읽을 수 없습니다".into(),
                format!("`{error}`\n\n이 파일은 발송되지 않습니다. 고친 파일이 읽히면 다시 알려 드립니다."),
            ),
            Locale::En => (
                "A digest file does not load".into(),
                format!("`{error}`\n\nThis file will not be posted. I will tell you when a fixed version loads."),
            ),
        }
    }

    /// Many files that do not load at once: the first `named` of `errors`, and how many more.
    pub fn notice_files_broken(self, errors: &[&str], named: usize) -> (String, String) {
        let mut body: String =
            errors.iter().take(named).map(|e| format!("- `{}`\n", code_safe_up_to(e, NOTICE_TEXT))).collect();
        let more = errors.len().saturating_sub(named);
        match self {
            Locale::Ko => {
                if more > 0 {
                    body.push_str(&format!("- 그 밖에 {more}개\n"));
                }
                body.push_str("\n이 파일들은 발송되지 않습니다. `digestbot check`로 모두 볼 수 있습니다.");
                (format!("다이제스트 파일 {}개를 읽을 수 없습니다", errors.len()), body)
            }
            Locale::En => {
                if more > 0 {
                    body.push_str(&format!("- and {more} more\n"));
                }
                body.push_str("\nThese files will not be posted. `digestbot check` lists them all.");
                (format!("{} digest files do not load", errors.len()), body)
            }
        }
    }

    pub fn notice_file_fixed(self, path: &str, id: &str, title: &str) -> (String, String) {
        let (path, title) = (code_safe_up_to(path, NOTICE_TEXT), code_safe_up_to(title, NOTICE_TEXT));
        match self {
            Locale::Ko => {
                ("다이제스트 파일이 고쳐졌습니다".into(), format!("`{path}`: {id} `{title}`을(를) 읽었습니다."))
            }
            Locale::En => ("A digest file loads again".into(), format!("`{path}` loads: {id} `{title}`.")),
        }
    }

    pub fn notice_target_failed(self, target: &str, why: &str, advice: &str) -> (String, String) {
        let (target, why) = (code_safe_up_to(target, NOTICE_TEXT), code_safe_up_to(why, NOTICE_TEXT));
        match self {
            Locale::Ko => (format!("{target}에 보내지 못했습니다"), format!("이유: `{why}`\n\n{advice}")),
            Locale::En => (format!("Could not post to {target}"), format!("Why: `{why}`\n\n{advice}")),
        }
    }

    pub fn notice_target_recovered(self, target: &str, digest: &str) -> (String, String) {
        let target = code_safe_up_to(target, NOTICE_TEXT);
        match self {
            Locale::Ko => (format!("{target}이(가) 다시 받습니다"), format!("{digest} 다이제스트를 받았습니다.")),
            Locale::En => (format!("{target} gets the digest again"), format!("It received the {digest} digest.")),
        }
    }

    /// A channel that is gone or refuses the bot: what to do, from Discord's or Slack's answer.
    pub fn advice_gone(self, platform: crate::target::Platform, why: &str) -> String {
        let slack = platform.service() == "Slack";
        let has = |needles: &[&str]| needles.iter().any(|n| why.contains(n));
        let (ko, en) = if has(&["not_in_channel"]) {
            ("봇을 채널에 초대하세요: `/invite @digestbot`.", "Invite the bot to the channel: `/invite @digestbot`.")
        } else if has(&["channel_not_found", "Unknown Channel", "10003", "Unknown Webhook", "10015"]) {
            (
                "채널(또는 웹훅)이 없습니다. 설정에서 빼거나 `/digest unsubscribe`로 구독을 해지하세요.",
                "The channel (or webhook) no longer exists: remove it from the config, or `/digest unsubscribe`.",
            )
        } else if has(&["is_archived"]) {
            (
                "채널이 보관되었습니다. 보관을 해제하거나 구독을 해지하세요.",
                "The channel is archived: unarchive it or unsubscribe it.",
            )
        } else if has(&["50013", "Missing Permissions"]) {
            (
                "봇에 이 채널의 메시지 보내기와 링크 첨부(Send Messages, Embed Links) 권한을 주세요.",
                "Grant the bot Send Messages and Embed Links in this channel.",
            )
        } else if !slack {
            (
                "봇이 채널을 볼 수 있게 하세요(View Channel). 채널의 구독은 다시 구독할 때까지 멈춥니다.",
                "Let the bot see the channel (View Channel). Its subscription is paused until it is subscribed again.",
            )
        } else {
            (
                "봇이 채널에 있는지, 권한(chat:write)이 있는지 확인하세요. 구독은 다시 구독할 때까지 멈춥니다.",
                "Check that the bot is in the channel and has chat:write. The subscription is paused until it is subscribed again.",
            )
        };
        self.pick(ko, en).to_string()
    }

    pub fn advice_token(self, platform: crate::target::Platform) -> String {
        let variable = if platform.service() == "Slack" { "SLACK_BOT_TOKEN" } else { "DISCORD_TOKEN" };
        match self {
            Locale::Ko => {
                format!("{}가 토큰을 거부했습니다. `{variable}`를 확인하고 봇을 다시 시작하세요.", platform.service())
            }
            Locale::En => format!("{} refused the token: check `{variable}` and restart the bot.", platform.service()),
        }
    }

    pub fn advice_failed(self) -> String {
        self.pick(
            "일시적인 오류로 보입니다. 봇이 잠시 후 다시 보냅니다.",
            "This looks temporary: the bot tries again shortly.",
        )
        .to_string()
    }

    pub fn advice_threads(self) -> String {
        self.pick(
            "다이제스트는 보냈지만 스레드를 만들지 못했습니다. 봇에 공개 스레드 만들기와 스레드에서 메시지 보내기(Create Public Threads, Send Messages in Threads) 권한을 주세요.",
            "The digest was posted without its threads: grant the bot Create Public Threads and Send Messages in Threads.",
        )
        .to_string()
    }

    /// After a slot: how many targets got the digest, and which did not (with why).
    pub fn notice_slot_summary(
        self,
        when: &str,
        id: &str,
        title: &str,
        got: usize,
        total: usize,
        failed: &[(String, String)],
    ) -> (String, String) {
        let title = code_safe_up_to(title, NOTICE_TEXT);
        let mut body = match self {
            Locale::Ko => format!("{id} `{title}`: {total}곳 중 {got}곳이 받았습니다."),
            Locale::En => format!("{id} `{title}`: {got} of {total} targets got it."),
        };
        for (target, why) in failed.iter().take(20) {
            let (target, why) = (code_safe_up_to(target, NOTICE_TEXT), code_safe_up_to(why, NOTICE_TEXT));
            body.push_str(&format!("\n- `{target}`: `{why}`"));
        }
        if failed.len() > 20 {
            body.push_str(&match self {
                Locale::Ko => format!("\n- 그 밖에 {}곳 (`digestbot status`)", failed.len() - 20),
                Locale::En => format!("\n- and {} more (`digestbot status`)", failed.len() - 20),
            });
        }
        let heading = match self {
            Locale::Ko => format!("{when} 발송 결과"),
            Locale::En => format!("The {when} slot"),
        };
        (heading, body)
    }

    pub fn notice_nothing_new(self, when: &str) -> (String, String) {
        match self {
            Locale::Ko => (format!("{when}: 새 다이제스트가 없습니다"), "아무것도 발송하지 않았습니다.".into()),
            Locale::En => (format!("{when}: no new digest"), "Nothing was posted.".into()),
        }
    }

    pub fn notice_reminder(self, when: &str, date: &str) -> (String, String) {
        match self {
            Locale::Ko => (
                format!("{when} 발송할 새 다이제스트가 아직 없습니다"),
                format!("`digests/{date}-….md`를 추가하세요. `digestbot check`로 미리 확인할 수 있습니다."),
            ),
            Locale::En => (
                format!("No new digest yet for {when}"),
                format!("Add `digests/{date}-….md`; `digestbot check` tells whether it loads."),
            ),
        }
    }
}

/// `2026-02-16 09:00 KST`: an instant in the configured zone, as people read it.
pub fn format_instant(at: &DateTime<Tz>) -> String {
    at.format("%Y-%m-%d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn locale_parsing() {
        assert_eq!(Locale::parse("KO"), Some(Locale::Ko));
        assert_eq!(Locale::parse(" en "), Some(Locale::En));
        assert_eq!(Locale::parse("fr"), None);
    }

    #[test]
    fn instants_show_the_zone() {
        let at = chrono_tz::Asia::Seoul.with_ymd_and_hms(2026, 2, 16, 9, 0, 0).unwrap();
        assert_eq!(format_instant(&at), "2026-02-16 09:00 KST");
        assert!(Locale::Ko.subscribed(&at).contains("2026-02-16 09:00 KST"));
        assert!(Locale::En.already_subscribed(&at).starts_with("This channel is already"));
    }

    #[test]
    fn echoed_input_is_cut_and_cannot_break_its_code_span() {
        assert_eq!(Locale::En.bad_date("a`b\nc"), "`a'b c` is not a date. Use YYYY-MM-DD, for example `2026-02-09`.");
        let long = Locale::En.bad_page(&"9".repeat(5000));
        assert_eq!(long, format!("`{}…` is not a page number.", "9".repeat(100)));
        assert_eq!(Locale::Ko.unknown_command("  "), "알 수 없는 명령입니다: `-`. `/digest help`를 입력해 보세요.");
    }

    #[test]
    fn the_link_button_reads_in_both_languages() {
        assert_eq!(Locale::Ko.read_original(), "원문 읽기");
        assert_eq!(Locale::En.read_original(), "Read the original");
    }

    #[test]
    fn both_languages_have_every_help_line() {
        for locale in [Locale::Ko, Locale::En] {
            assert!(locale.help_lines().iter().all(|(usage, what)| usage.starts_with("/digest") && !what.is_empty()));
        }
    }
}
