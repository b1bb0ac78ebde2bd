//! Hostile digests: every shape an attacker can put in a digest file is parsed, rendered for every
//! platform, searched and dropped on a thread with tokio's 2 MiB worker stack, without overflowing
//! it; and each cap of `limits` is reported with the file and line while the other digests load.

use chrono::NaiveDate;
use proptest::prelude::*;

use digestbot::digest::markdown::{Block, Inline, MAX_BLOCK_NESTING, MAX_INLINE_NESTING};
use digestbot::digest::{Digest, Library, Limits, ParseErrorKind, parse, parse_with};
use digestbot::i18n::Locale;
use digestbot::render::limits::{check_discord_message, check_slack_message};
use digestbot::render::{digest_doc, discord, slack, text};

/// Tokio's worker threads have this much stack.
const WORKER_STACK: usize = 2 * 1024 * 1024;

/// Limits loose enough to let the huge shapes through to the parser.
const LOOSE: Limits = Limits { max_digest_bytes: 64 << 20, max_articles: 50, max_front_matter_bytes: 64 << 10 };

/// Runs `f` on a thread with a worker's stack, as the bot would.
fn on_worker_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(WORKER_STACK)
        .spawn(f)
        .unwrap()
        .join()
        .expect("the thread overflowed or panicked")
}

fn block_depth(blocks: &[Block]) -> usize {
    blocks
        .iter()
        .map(|b| match b {
            Block::Quote(inner) => 1 + block_depth(inner),
            Block::List { items, .. } => 1 + items.iter().map(|i| block_depth(i)).max().unwrap_or(0),
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

fn inline_depth_of_blocks(blocks: &[Block]) -> usize {
    blocks
        .iter()
        .map(|b| match b {
            Block::Paragraph(c) | Block::Heading { content: c, .. } => inline_depth(c),
            Block::Quote(inner) => inline_depth_of_blocks(inner),
            Block::List { items, .. } => items.iter().map(|i| inline_depth_of_blocks(i)).max().unwrap_or(0),
            Block::Table { head, rows } => {
                head.iter().chain(rows.iter().flatten()).map(|c| inline_depth(c)).max().unwrap_or(0)
            }
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

fn inline_depth(inlines: &[Inline]) -> usize {
    inlines
        .iter()
        .map(|i| match i {
            Inline::Strong(c) | Inline::Emph(c) | Inline::Strike(c) | Inline::Link { content: c, .. } => {
                1 + inline_depth(c)
            }
            _ => 0,
        })
        .max()
        .unwrap_or(0)
}

/// Everything the bot does with a digest: render for each platform, search, and drop.
fn use_everything(digest: Digest) {
    let body: Vec<Block> = digest.articles.iter().flat_map(|a| a.body.clone()).chain(digest.intro.clone()).collect();
    assert!(block_depth(&body) <= MAX_BLOCK_NESTING, "block nesting {}", block_depth(&body));
    assert!(
        inline_depth_of_blocks(&body) <= MAX_INLINE_NESTING + 1,
        "inline nesting {}",
        inline_depth_of_blocks(&body)
    );
    let doc = digest_doc(&digest, Locale::Ko);
    for m in discord::messages(&doc) {
        assert!(check_discord_message(&m).is_empty(), "{:?}", check_discord_message(&m));
    }
    for m in slack::messages(&doc) {
        assert!(check_slack_message(&m).is_empty(), "{:?}", check_slack_message(&m));
    }
    let _ = text::render(&doc);
    let library = Library::from_parsed([Ok(digest)]);
    let today = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let _ = library.search("x", today, 0, 5).hits.len();
    drop(library);
}

/// A digest whose one article holds `body`.
fn article(body: &str) -> String {
    format!("---\ndate: 2026-02-09\n---\n## 1. S - \"T\"\n\n{body}\n")
}

/// The shapes, `levels` deep.
fn shapes(levels: usize) -> Vec<(&'static str, String)> {
    vec![
        ("quotes", format!("{}x", ">".repeat(levels))),
        ("spaced quotes", format!("{}x", "> ".repeat(levels))),
        ("bullets", format!("{}x", "- ".repeat(levels))),
        ("ordered", format!("{}x", "1. ".repeat(levels))),
        ("quoted lists", format!("{}x", "> - ".repeat(levels))),
        ("indented lists", (0..levels.min(3000)).map(|i| format!("{}- a\n", "  ".repeat(i))).collect()),
        ("emphasis", format!("{}a{}", "*".repeat(levels), "*".repeat(levels))),
        ("mixed emphasis", format!("{}a{}", "*_~".repeat(levels), "~_*".repeat(levels))),
        ("strong", format!("{}a{}", "**".repeat(levels), "**".repeat(levels))),
        ("links", format!("{}a{}", "[".repeat(levels), "](u)".repeat(levels))),
        ("images", format!("{}a{}", "![".repeat(levels), "](u)".repeat(levels))),
        ("footnotes", format!("{}x", "[^a]: ".repeat(levels))),
    ]
}

#[test]
fn a_million_levels_of_nesting_fit_a_worker_stack() {
    on_worker_stack(|| {
        for (name, body) in shapes(1_000_000) {
            // Either the digest loads (flattened) or it is refused as too complex: never an overflow.
            match parse_with("d/2026-02-09.md", article(&body).as_bytes(), &LOOSE) {
                Ok(digest) => use_everything(digest),
                Err(e) if matches!(e.kind, ParseErrorKind::TooComplex) => {}
                Err(e) => panic!("{name}: {e}"),
            }
        }
    });
}

#[test]
fn nesting_at_and_just_past_the_limits_keeps_the_text() {
    on_worker_stack(|| {
        for levels in [MAX_BLOCK_NESTING - 1, MAX_BLOCK_NESTING, MAX_BLOCK_NESTING + 1, 100] {
            for (name, body) in shapes(levels) {
                let digest = parse("d/2026-02-09.md", article(&body).as_bytes()).unwrap();
                let mut plain = String::new();
                digestbot::digest::markdown::blocks_plain_text(&digest.articles[0].body, &mut plain);
                // A body that is one emphasised line becomes the digest's closing line.
                plain.push_str(digest.footer.as_deref().unwrap_or_default());
                if !matches!(name, "links" | "images" | "footnotes" | "indented lists") {
                    assert!(
                        plain.contains('x') || plain.contains('a'),
                        "{name} at {levels}: the text was lost: {plain:?}"
                    );
                }
                use_everything(digest);
            }
        }
        // Within the limit, the structure is kept exactly.
        let d = parse("d/2026-02-09.md", article(&format!("{}x", "> ".repeat(5))).as_bytes()).unwrap();
        assert_eq!(block_depth(&d.articles[0].body), 5);
        let d = parse("d/2026-02-09.md", article("- a\n  - b\n    - c\n").as_bytes()).unwrap();
        assert_eq!(block_depth(&d.articles[0].body), 3);
    });
}

#[test]
fn too_many_markdown_elements_is_refused_at_its_line() {
    let body = "a *b* [c](https://e.com) `d`\n".repeat(30_000);
    let err = parse("d/2026-02-09.md", article(&body).as_bytes()).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::TooComplex), "{err}");
    assert!(err.line > 5 && err.line < 30_000, "{err}");
    // A long but ordinary digest is far below the bound.
    let fifty: String = (1..=50)
        .map(|n| format!("## {n}. S - \"T{n}\"\n\n{}\n\n", "본문 **강조** [링크](https://e.com) `c` ".repeat(40)))
        .collect();
    assert_eq!(
        parse("d/2026-02-09.md", format!("---\ndate: 2026-02-09\n---\n{fifty}").as_bytes()).unwrap().articles.len(),
        50
    );
}

#[test]
fn the_size_cap_names_the_file_and_the_limit() {
    let limits = Limits { max_digest_bytes: 1000, ..Limits::default() };
    let big = article(&"x".repeat(2000));
    let err = parse_with("d/2026-02-09.md", big.as_bytes(), &limits).unwrap_err();
    assert_eq!(err.line, 1);
    assert!(matches!(err.kind, ParseErrorKind::TooLarge { size, limit: 1000 } if size == big.len() as u64));
    assert!(err.to_string().starts_with("d/2026-02-09.md:1: the file is"), "{err}");
}

#[test]
fn too_many_articles_is_reported_at_the_first_one_over() {
    let many: String = (1..=5000).map(|n| format!("## {n}. S - \"T{n}\"\n\nbody {n}\n\n")).collect();
    let text = format!("---\ndate: 2026-02-09\n---\n{many}");
    let err = parse("d/2026-02-09.md", text.as_bytes()).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::TooManyArticles { limit: 50 }), "{err}");
    // Line 4 is the first heading; each article takes 4 lines.
    assert_eq!(err.line, 4 + 50 * 4, "{err}");
    assert!(err.to_string().contains("limits.max_articles"));
    // Exactly at the cap is fine, and the cap is configurable.
    let fifty: String = (1..=50).map(|n| format!("## {n}. S - \"T{n}\"\n\nbody\n\n")).collect();
    assert_eq!(
        parse("d/2026-02-09.md", format!("---\ndate: 2026-02-09\n---\n{fifty}").as_bytes()).unwrap().articles.len(),
        50
    );
    let limits = Limits { max_articles: 5000, ..Limits::default() };
    assert_eq!(parse_with("d/2026-02-09.md", text.as_bytes(), &limits).unwrap().articles.len(), 5000);
}

#[test]
fn front_matter_size_and_nesting_are_checked_before_yaml() {
    let check = |front: &str| parse("d/2026-02-09.md", format!("---\n{front}\n---\n## 1. S - \"T\"\n").as_bytes());
    // 200 KB of nested flow sequences: refused at once, before serde_yaml sees them.
    let started = std::time::Instant::now();
    let deep = format!("tags: {}{}", "[".repeat(100_000), "]".repeat(100_000));
    let err = check(&deep).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::FrontMatterTooLarge { .. }), "{err}");
    let err = check(&format!("tags: {}{}", "[".repeat(20_000), "]".repeat(20_000))).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::FrontMatterTooManyBrackets), "{err}");
    let err = check(&format!("title: x\ntags: {}a{}", "[{".repeat(10), "}]".repeat(10))).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::FrontMatterTooDeep), "{err}");
    assert_eq!(err.line, 3, "the line of the nesting: {err}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    // Brackets in quoted strings and comments do not count towards the nesting.
    let fine = "title: \"[[[[[[[[[[[[[[[[[[[[\"\ndescription: '{{{{{{{{{{{{{{{{{{{{{{{{''{{'\n# [[[[[[[[[[[[[[[[[[[[[[\nlinks: [[a], {b: [c]}]\ndate: 2026-02-09";
    let d = check(fine).unwrap();
    assert_eq!(d.title, "[[[[[[[[[[[[[[[[[[[[");
    // An escaped quote does not end a quoted string early.
    let escaped = "date: 2026-02-09\ntitle: 'it''s ['\nx: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]";
    let err = check(escaped).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::FrontMatterTooDeep) && err.line == 4, "{err}");
    let escaped = "date: 2026-02-09\ntitle: \"say \\\"[[[[[[[[[[\\\" ok\"\nx: [[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]";
    let err = check(escaped).unwrap_err();
    assert!(matches!(err.kind, ParseErrorKind::FrontMatterTooDeep) && err.line == 4, "{err}");
    // Quotes that hide closing brackets cannot hide depth from the bracket count.
    let hidden: String = (0..300).map(|_| "[ \"]\", ").collect();
    assert!(matches!(check(&format!("tags: {hidden}")).unwrap_err().kind, ParseErrorKind::FrontMatterTooManyBrackets));
    // Aliases that expand exponentially are refused by serde_yaml's own repetition limit.
    let laughs = "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n\
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n\
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]";
    assert!(matches!(check(laughs).unwrap_err().kind, ParseErrorKind::Yaml(_)));
    // A front matter over the configured size names the limit.
    let err = check(&format!("title: {}", "a".repeat(70_000))).unwrap_err();
    assert!(err.to_string().contains("limits.max_front_matter_bytes") && err.line == 2, "{err}");
}

#[test]
fn a_broken_digest_never_hides_the_good_ones() {
    let good = article("fine");
    let deep = format!("---\ndate: 2026-02-02\ntags: {}\n---\n", "[".repeat(50));
    let many: String = (1..=60).map(|n| format!("## {n}. S - \"T\"\n\nx\n")).collect();
    let crowded = format!("---\ndate: 2026-01-26\n---\n{many}");
    let lib = Library::from_files(vec![("d/good.md", good), ("d/deep.md", deep), ("d/crowded.md", crowded)]);
    assert_eq!(lib.all().len(), 1);
    let errors: Vec<String> = lib.errors().iter().map(ToString::to_string).collect();
    assert!(errors[0].starts_with("d/crowded.md:"), "{errors:?}");
    assert!(errors[1].starts_with("d/deep.md:3: "), "{errors:?}");
}

fn nested_markdown() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("> ".to_string()),
        Just("- ".to_string()),
        Just("1. ".to_string()),
        Just("*".to_string()),
        Just("**".to_string()),
        Just("~~".to_string()),
        Just("[".to_string()),
        Just("](u)".to_string()),
        Just("![".to_string()),
        Just("`".to_string()),
        Just("| a |\n|---|\n| b |\n".to_string()),
        Just("\n".to_string()),
        Just("\n  ".to_string()),
        Just("x".to_string()),
        Just("가".to_string()),
    ];
    (prop::collection::vec(piece, 0..64), 1usize..400).prop_map(|(pieces, repeat)| pieces.concat().repeat(repeat))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_nesting_stays_within_the_limits_on_a_worker_stack(body in nested_markdown()) {
        on_worker_stack(move || {
            if let Ok(digest) = parse_with("d/2026-02-09.md", article(&body).as_bytes(), &LOOSE) {
                use_everything(digest);
            }
        });
    }
}

/// The real binary on a folder an attacker filled: `check` names every refused file and fails,
/// `preview` and `ask` still show the good digest, and no secret from the environment is printed.
#[test]
fn the_binary_refuses_a_hostile_folder_and_prints_no_secret() {
    use std::os::unix::fs::symlink;
    use std::process::Command;

    let dir = crate::support::TempDir::new("hostile-cli");
    let digests = crate::support::digests_dir(dir.path(), &[]);
    let secrets = [
        ("DISCORD_TOKEN", "discord-token-never-printed"),
        ("SLACK_BOT_TOKEN", "xoxb-never-printed"),
        ("SLACK_SIGNING_SECRET", "signing-secret-never-printed"),
    ];
    symlink("/proc/self/environ", digests.join("2026-02-16.md")).unwrap();
    std::fs::write(dir.path().join("outside.md"), "---\ndate: 2026-02-23\n---\n## 1. A - \"B\"\n").unwrap();
    symlink("../outside.md", digests.join("2026-02-23.md")).unwrap();
    let fifo = std::ffi::CString::new(digests.join("2026-03-02.md").into_os_string().into_encoded_bytes()).unwrap();
    assert_eq!(unsafe { libc::mkfifo(fifo.as_ptr(), 0o644) }, 0);
    std::fs::create_dir(digests.join("2026-03-09.md")).unwrap();
    std::fs::File::create(digests.join("2026-03-16.md")).unwrap().set_len(2 << 30).unwrap();
    std::fs::write(digests.join("2026-03-23.md"), article(&format!("{}x", ">".repeat(200_000)))).unwrap();
    std::fs::write(digests.join("2026-03-30.md"), format!("---\ntags: {}\n---\n", "[".repeat(30_000))).unwrap();

    let run = |args: &[&str]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_digestbot"));
        command.current_dir(dir.path()).args(["--now", "2026-04-01T10:00:00+09:00"]).args(args).env("RUST_LOG", "warn");
        for (name, value) in secrets {
            command.env(name, value);
        }
        let output = command.output().unwrap();
        let all = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
        for (_, value) in secrets {
            assert!(!all.contains(value), "{args:?} printed a secret:\n{all}");
        }
        (output.status.code(), all)
    };

    let started = std::time::Instant::now();
    let (code, out) = run(&["check"]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "check took {:?}", started.elapsed());
    assert_eq!(code, Some(1), "{out}");
    for (file, says) in [
        ("2026-02-16.md:1:", "outside the digests folder"),
        ("2026-02-23.md:1:", "outside the digests folder"),
        ("2026-03-02.md:1:", "a FIFO"),
        ("2026-03-09.md:1:", "a directory"),
        ("2026-03-16.md:1:", "limits.max_digest_bytes"),
        ("2026-03-30.md:2:", "front matter"),
    ] {
        assert!(out.lines().any(|l| l.contains(file) && l.contains(says)), "{file} {says}:\n{out}");
    }
    // The deep quote is a digest that loads (flattened), and is the newest.
    let (code, out) = run(&["preview", "--format", "slack"]);
    assert_eq!(code, Some(0), "{out}");
    let (code, out) = run(&["ask", "/digest list"]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("2026-03-23") && out.contains("2026-02-09"), "{out}");
}
