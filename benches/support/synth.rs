//! A deterministic generator of synthetic weekly digests for the benchmarks.
//!
//! The digests follow the format of `digests/2026-02-09-weekly.md`: YAML front matter (quoted title
//! and date, category, tags, author, description), a `# ` title and an intro, 3–8 articles headed
//! `## N. Source - "Title"` with **저자:**/**링크:** lines, `###` subsections, bullet lists with bold,
//! inline code, now and then a fenced code block or a small table, the `## 이번 주 핵심 키워드` table
//! and an italic footer. Text mixes Korean (nouns with the right particles: 클라우드와, 클라우드를)
//! and English from word lists, picked with a skewed (Zipf-like) distribution so some words are
//! everywhere and others rare. A seeded xorshift generator makes every run produce the same bytes.
#![allow(dead_code)]

use std::fmt::Write;

use chrono::{Days, NaiveDate};

/// The seed every benchmark uses.
pub const SEED: u64 = 0x00D1_6E57_2026_0209;

/// The newest synthetic digest has the date of the real one; each further digest is one day older.
pub fn newest() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 2, 9).expect("valid date")
}

/// xorshift64*: tiny, fast and good enough to pick words.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        // Never zero, and nearby seeds give unrelated streams.
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (((self.next_u64() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `lo..=hi`.
    pub fn range(&mut self, lo: usize, hi: usize) -> usize {
        lo + self.below(hi - lo + 1)
    }

    /// True with probability `percent`/100.
    pub fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }

    pub fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }

    /// Skewed towards the front of the list: index `n·u²` for a uniform `u`, so the first entries are
    /// common and the tail is rare (roughly Zipf-like).
    pub fn skewed<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.skewed_index(items.len())]
    }

    /// Index `n·u²` for a uniform `u` in `[0, 1)`.
    pub fn skewed_index(&mut self, n: usize) -> usize {
        let u = (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u) * n as f64) as usize % n
    }
}

/// `n` digests, newest first, as `(path, bytes)` pairs, the way the file loader hands them over.
pub fn corpus(n: usize, seed: u64) -> Vec<(String, Vec<u8>)> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let date = newest().checked_sub_days(Days::new(i as u64)).expect("date in range");
            (format!("digests/{}-weekly.md", date.format("%Y-%m-%d")), digest(&mut rng, date).into_bytes())
        })
        .collect()
}

/// Size statistics of a corpus, for the benchmark's header.
pub fn describe(files: &[(String, Vec<u8>)]) -> String {
    let sizes: Vec<usize> = files.iter().map(|(_, b)| b.len()).collect();
    let total: usize = sizes.iter().sum();
    format!(
        "{} digests, {:.1} MB, {} to {} bytes each (mean {})",
        files.len(),
        total as f64 / 1e6,
        sizes.iter().min().unwrap_or(&0),
        sizes.iter().max().unwrap_or(&0),
        total / files.len().max(1)
    )
}

/// One synthetic digest dated `date`.
pub fn digest(rng: &mut Rng, date: NaiveDate) -> String {
    let mut out = String::with_capacity(6 * 1024);
    let category = rng.skewed(CATEGORIES);
    let topic_a = noun_phrase(rng);
    let topic_b = noun_phrase(rng);
    let week = format!(
        "{}년 {}월 {}주차",
        date.format("%Y"),
        date.format("%-m"),
        (date.format("%-d").to_string().parse::<u32>().unwrap_or(1) - 1) / 7 + 1
    );

    // Front matter.
    out.push_str("---\n");
    let _ = writeln!(
        out,
        "title: \"주간 기술블로그 하이라이트 - {}{} {}\"",
        topic_a,
        particle(&topic_a, Particle::And),
        topic_b
    );
    let _ = writeln!(out, "date: \"{}\"", date.format("%Y-%m-%d"));
    let _ = writeln!(out, "category: \"{category}\"");
    let mut tags: Vec<&str> = vec![category];
    for _ in 0..rng.range(2, 6) {
        let tag = rng.skewed(TAGS);
        if !tags.contains(&tag) {
            tags.push(tag);
        }
    }
    if rng.chance(80) {
        let quoted: Vec<String> = tags.iter().map(|t| format!("\"{t}\"")).collect();
        let _ = writeln!(out, "tags: [{}]", quoted.join(", "));
    } else {
        out.push_str("tags:\n");
        for tag in &tags {
            let _ = writeln!(out, "  - {tag}");
        }
    }
    let _ = writeln!(out, "author: \"{}\"", rng.pick(BOT_AUTHORS));
    let _ = writeln!(
        out,
        "description: \"{week} 국내 주요 기술블로그에서 {category} 엔지니어에게 인사이트를 줄 만한 포스트를 정리했습니다.\""
    );
    out.push_str("---\n\n");

    // Title and intro.
    out.push_str("# 주간 기술블로그 하이라이트\n\n");
    let _ = write!(
        out,
        "{week}, 국내 주요 기술블로그에서 {category} 엔지니어에게 인사이트를 줄 만한 포스트를 정리했습니다. "
    );
    sentence(rng, &mut out);
    out.push_str("\n\n---\n\n");

    // Articles.
    let count = rng.range(3, 8);
    let mut sources: Vec<&Source> = Vec::with_capacity(count);
    while sources.len() < count {
        let source = &SOURCES[rng.skewed_index(SOURCES.len())];
        if !sources.iter().any(|s| s.name == source.name) {
            sources.push(source);
        }
    }
    for (i, source) in sources.iter().enumerate() {
        article(rng, &mut out, i + 1, source);
    }

    // Keyword table: one or two rows per article, named by the article's short or display name.
    out.push_str("## 이번 주 핵심 키워드\n\n| 키워드 | 출처 |\n|--------|------|\n");
    for source in &sources {
        for _ in 0..rng.range(1, 2) {
            let keyword = match rng.below(3) {
                0 => format!(
                    "{} ({} {})",
                    title_word(rng),
                    capitalised(rng.skewed(EN_WORDS)),
                    capitalised(rng.skewed(EN_WORDS))
                ),
                1 => format!("{} / {}", noun_phrase(rng), capitalised(rng.skewed(EN_WORDS))),
                _ => noun_phrase(rng),
            };
            let name = if rng.chance(70) { source.short } else { source.name };
            let _ = writeln!(out, "| {keyword} | {name} |");
        }
    }
    let _ =
        write!(out, "\n---\n\n*매주 월요일 국내 기술블로그를 모니터링하여 {category} 관련 인사이트를 정리합니다.*\n");
    out
}

fn article(rng: &mut Rng, out: &mut String, number: usize, source: &Source) {
    let mut title = String::new();
    for i in 0..rng.range(3, 6) {
        if i > 0 {
            title.push(' ');
        }
        if rng.chance(25) {
            title.push_str(&capitalised(rng.skewed(EN_WORDS)));
        } else {
            let noun = rng_noun(rng);
            title.push_str(&with_particle(rng, noun));
        }
    }
    match rng.below(10) {
        0 => {
            let _ = write!(out, "## {number}. {} - {title}\n\n", source.name);
        }
        1 => {
            let _ = write!(out, "## {number}. {} — “{title}”\n\n", source.name);
        }
        _ => {
            let _ = write!(out, "## {number}. {} - \"{title}\"\n\n", source.name);
        }
    }
    if rng.chance(75) {
        out.push_str("**저자:** ");
        for i in 0..rng.range(1, 4) {
            if i > 0 {
                out.push_str(", ");
            }
            out.push_str(rng.pick(SURNAMES));
            out.push_str(rng.pick(GIVEN));
            out.push_str(rng.pick(GIVEN));
        }
        let _ = writeln!(out, " ({})  ", rng.pick(TEAMS));
    }
    let id = rng.range(1000, 99999);
    let _ = write!(out, "**링크:** [{}/{id}](https://{}/{id}/)\n\n", source.domain, source.domain);

    let _ = writeln!(out, "### {}", rng.pick(FIRST_SUBSECTIONS));
    paragraph(rng, out, 1, 2);

    let _ = writeln!(out, "### {}", rng.pick(LIST_SUBSECTIONS));
    if rng.chance(20) {
        let _ = write!(out, "\n#### {} → {}\n", noun_phrase(rng), noun_phrase(rng));
    }
    for _ in 0..rng.range(2, 3) {
        let _ = write!(out, "- **{}**: ", noun_phrase(rng));
        sentence(rng, out);
        out.push('\n');
    }
    if rng.chance(15) {
        code_block(rng, out);
    }
    if rng.chance(10) {
        small_table(rng, out);
    }
    if rng.chance(50) {
        let _ = writeln!(out, "\n### {}", rng.pick(LAST_SUBSECTIONS));
        paragraph(rng, out, 1, 1);
    }
    // One article in a few hundred mentions a rare term.
    if rng.below(400) == 0 {
        let _ = write!(out, "\n참고로 {}를 다룬 후속 글도 예고했습니다.\n", rng.pick(RARE));
    }
    out.push_str("\n---\n\n");
}

fn paragraph(rng: &mut Rng, out: &mut String, min: usize, max: usize) {
    for i in 0..rng.range(min, max) {
        if i > 0 {
            out.push(' ');
        }
        sentence(rng, out);
    }
    out.push_str("\n\n");
}

/// A Korean sentence (sometimes an English one), ending with a full stop.
fn sentence(rng: &mut Rng, out: &mut String) {
    if rng.chance(12) {
        let n = rng.range(5, 10);
        for i in 0..n {
            if i > 0 {
                out.push(' ');
            }
            let word = if rng.chance(40) { rng.pick(EN_GLUE) } else { rng.skewed(EN_WORDS) };
            if i == 0 { out.push_str(&capitalised(word)) } else { out.push_str(word) }
        }
        out.push('.');
        return;
    }
    let n = rng.range(3, 7);
    for i in 0..n {
        if i > 0 {
            out.push(' ');
        }
        match rng.below(100) {
            0..=9 => out.push_str(rng.skewed(KO_MODIFIERS)),
            10..=27 => {
                let word = capitalised(rng.skewed(EN_WORDS));
                out.push_str(&word);
                out.push_str(rng.pick(EN_PARTICLES));
            }
            28..=32 => {
                let phrase = noun_phrase(rng);
                let _ = write!(out, "**{phrase}**{}", particle(&phrase, Particle::Object));
            }
            33..=35 => {
                let _ = write!(out, "`{}`", rng.pick(IDENTIFIERS));
            }
            36..=38 => {
                let _ = write!(out, "{}{}", rng.range(2, 99), rng.pick(UNITS));
            }
            _ => {
                let noun = rng_noun(rng);
                out.push_str(&with_particle(rng, noun));
            }
        }
    }
    out.push(' ');
    out.push_str(rng.skewed(KO_ENDINGS));
}

fn rng_noun(rng: &mut Rng) -> &'static str {
    rng.skewed(KO_NOUNS)
}

/// A word for a title: Korean mostly, English now and then.
fn title_word(rng: &mut Rng) -> String {
    if rng.chance(40) { rng.skewed(EN_WORDS).to_uppercase() } else { rng_noun(rng).to_string() }
}

fn noun_phrase(rng: &mut Rng) -> String {
    match rng.below(4) {
        0 => format!("{} {}", capitalised(rng.skewed(EN_WORDS)), rng_noun(rng)),
        1 => rng_noun(rng).to_string(),
        _ => format!("{} {}", rng.skewed(KO_ADJECTIVES), rng_noun(rng)),
    }
}

fn capitalised(word: &str) -> String {
    let mut chars = word.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Clone, Copy)]
enum Particle {
    And,
    Object,
    Topic,
    Subject,
    Toward,
}

/// The particle that fits after `word` (와/과, 를/을, 는/은, 가/이, 로/으로), by its last syllable.
fn particle(word: &str, kind: Particle) -> &'static str {
    let last = word.chars().last().unwrap_or('a');
    let code = last as u32;
    let (closed, rieul) = if (0xAC00..=0xD7A3).contains(&code) {
        let jong = (code - 0xAC00) % 28;
        (jong != 0, jong == 8)
    } else {
        (false, false)
    };
    match (kind, closed) {
        (Particle::And, false) => "와",
        (Particle::And, true) => "과",
        (Particle::Object, false) => "를",
        (Particle::Object, true) => "을",
        (Particle::Topic, false) => "는",
        (Particle::Topic, true) => "은",
        (Particle::Subject, false) => "가",
        (Particle::Subject, true) => "이",
        (Particle::Toward, true) if !rieul => "으로",
        (Particle::Toward, _) => "로",
    }
}

/// A Korean noun, bare half of the time, otherwise with a particle.
fn with_particle(rng: &mut Rng, noun: &str) -> String {
    let suffix = match rng.below(16) {
        0 => particle(noun, Particle::And),
        1 | 2 => particle(noun, Particle::Object),
        3 | 4 => particle(noun, Particle::Topic),
        5 => particle(noun, Particle::Subject),
        6 => particle(noun, Particle::Toward),
        7 => rng.pick(&["의", "에", "에서", "도", "까지", "부터", "만", "처럼"]),
        _ => "",
    };
    format!("{noun}{suffix}")
}

fn code_block(rng: &mut Rng, out: &mut String) {
    let name = rng.pick(IDENTIFIERS);
    match rng.below(5) {
        0 => {
            let _ = write!(
                out,
                "\n```yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\nspec:\n  replicas: {}\n```\n",
                rng.range(2, 12)
            );
        }
        1 => {
            let _ = write!(
                out,
                "\n```sql\nSELECT id, status FROM {name} WHERE created_at > now() - interval '{} days';\n```\n",
                rng.range(1, 30)
            );
        }
        2 => {
            let _ = write!(
                out,
                "\n```rust\nfn {name}(req: Request) -> Result<Response> {{\n    let cached = cache.get(&req.key)?;\n    Ok(cached.into())\n}}\n```\n"
            );
        }
        3 => {
            let _ =
                write!(out, "\n```go\nfunc Handle(ctx context.Context) error {{\n\treturn {name}.Do(ctx)\n}}\n```\n");
        }
        _ => {
            // A heading line inside a fence stays code.
            let _ = write!(out, "\n```md\n## 1. 예시 - \"{name}\"\n**링크:** https://example.com/{name}\n```\n");
        }
    }
}

fn small_table(rng: &mut Rng, out: &mut String) {
    out.push_str("\n| 항목 | 이전 | 이후 |\n|------|------|------|\n");
    for _ in 0..rng.range(2, 4) {
        let before = rng.range(50, 900);
        let _ = writeln!(out, "| {} | {before}ms | {}ms |", noun_phrase(rng), before / rng.range(2, 9));
    }
}

struct Source {
    name: &'static str,
    short: &'static str,
    domain: &'static str,
}

const fn s(name: &'static str, short: &'static str, domain: &'static str) -> Source {
    Source { name, short, domain }
}

const SOURCES: &[Source] = &[
    s("토스", "Toss", "toss.tech"),
    s("우아한형제들", "Woowahan", "techblog.woowahan.com"),
    s("카카오", "Kakao", "tech.kakao.com"),
    s("네이버 D2", "Naver", "d2.naver.com"),
    s("LINE", "LINE", "engineering.linecorp.com"),
    s("당근", "Daangn", "medium.com/daangn"),
    s("쿠팡", "Coupang", "medium.com/coupang-engineering"),
    s("컬리", "Kurly", "helloworld.kurly.com"),
    s("뱅크샐러드", "Banksalad", "blog.banksalad.com"),
    s("하이퍼커넥트", "Hyperconnect", "hyperconnect.github.io"),
    s("NHN", "NHN", "meetup.nhncloud.com"),
    s("데브시스터즈", "Devsisters", "tech.devsisters.com"),
    s("무신사", "Musinsa", "medium.com/musinsa-tech"),
    s("쏘카", "Socar", "tech.socarcorp.kr"),
    s("야놀자", "Yanolja", "yanolja.github.io"),
    s("여기어때", "Gccompany", "techblog.gccompany.co.kr"),
    s("테크레시피", "TechRecipe", "techrecipe.co.kr"),
    s("KOFE Article", "KOFE Article", "kofearticle.substack.com"),
    s("29CM", "29CM", "medium.com/29cm"),
    s("SK텔레콤", "SKT", "devocean.sk.com"),
    s("삼성SDS", "SamsungSDS", "samsungsds.com/kr/insights"),
    s("Netflix TechBlog", "Netflix", "netflixtechblog.com"),
    s("Uber Engineering", "Uber", "uber.com/blog"),
    s("Cloudflare", "Cloudflare", "blog.cloudflare.com"),
    s("AWS Architecture Blog", "AWS", "aws.amazon.com/blogs/architecture"),
    s("Google Cloud", "Google", "cloud.google.com/blog"),
    s("Meta Engineering", "Meta", "engineering.fb.com"),
    s("Stripe", "Stripe", "stripe.com/blog"),
    s("Shopify Engineering", "Shopify", "shopify.engineering"),
    s("Discord", "Discord", "discord.com/blog"),
    s("Slack Engineering", "Slack", "slack.engineering"),
    s("Dropbox Tech", "Dropbox", "dropbox.tech"),
    s("Airbnb Tech", "Airbnb", "medium.com/airbnb-engineering"),
    s("GitHub Blog", "GitHub", "github.blog"),
];

const CATEGORIES: &[&str] = &["Backend", "DevOps", "Data", "AI/ML", "Frontend", "Platform", "Security", "Mobile"];

#[rustfmt::skip]
const TAGS: &[&str] = &[
    "Backend", "Cloud", "Kubernetes", "DevOps", "AI", "Database", "Kafka", "Redis", "Observability",
    "Architecture", "Team Culture", "Security", "LLM", "MSA", "Testing", "Performance", "Data", "ADR", "SRE",
    "Rust", "Go", "Kotlin", "Java", "TypeScript", "OpenStack", "AWS", "Platform", "Mobile", "Search",
    "Payments", "Incident", "FinOps", "Open Source", "CI/CD", "GraphQL", "gRPC", "Serverless", "Edge",
    "MLOps", "Frontend",
];

const BOT_AUTHORS: &[&str] = &["OpenClaw_BE", "OpenClaw_FE", "OpenClaw_Data", "digest-bot"];

#[rustfmt::skip]
const SURNAMES: &[&str] = &[
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신", "권", "황", "안", "송", "류", "홍",
];

#[rustfmt::skip]
const GIVEN: &[&str] = &[
    "민", "서", "준", "현", "지", "우", "은", "희", "재", "상", "명", "순", "창", "영", "수", "진", "호", "연", "하", "윤", "성",
    "태", "경", "혜", "원", "석", "동", "규", "나", "라",
];

#[rustfmt::skip]
const TEAMS: &[&str] = &[
    "DevOps / Server Platform", "커머스웹프론트개발팀", "결제플랫폼팀", "데이터엔지니어링팀", "SRE", "검색품질팀", "Core Infra",
    "ML Platform", "보안엔지니어링팀", "모바일개발팀",
];

const FIRST_SUBSECTIONS: &[&str] = &["핵심 내용", "요약", "주요 기사", "Summary", "배경"];
const LIST_SUBSECTIONS: &[&str] = &["배운 점", "핵심 포인트", "Key takeaways", "주요 변화", "기술적 선택"];
const LAST_SUBSECTIONS: &[&str] = &["우리 팀에 적용할 점", "백엔드 관점", "Why it matters", "한계와 과제"];

/// Terms that appear in about one article in 400 (a "rare word" query).
const RARE: &[&str] = &["양자내성암호", "Zanzibar", "뉴로모픽", "Hyperloglog", "동형암호", "Raft합의"];

const UNITS: &[&str] = &["%", "배", "ms", "초", "분", "TB", "GB", "명", "개", "건"];

const EN_PARTICLES: &[&str] = &["", "", "", "를", "는", "의", "와", "로", "에서", "가", "기반"];

#[rustfmt::skip]
const IDENTIFIERS: &[&str] = &[
    "max_connections", "kubectl", "SELECT", "@Transactional", "tokio::spawn", "useEffect", "retry_policy",
    "circuit_breaker", "order_service", "payment_gateway", "cache_ttl", "HPA", "PodDisruptionBudget",
    "idempotency_key", "EXPLAIN ANALYZE", "go test -race", "cargo clippy", "terraform plan", "feature_flag",
    "rate_limit", "CLAUDE.md", "ADR-0012", "settlement_batch", "user_events",
];

#[rustfmt::skip]
const EN_GLUE: &[&str] = &[
    "the", "a", "and", "of", "to", "in", "for", "with", "on", "is", "are", "we", "our", "how", "why", "what",
    "at", "from", "by", "this", "that", "it", "as", "into", "without",
];

#[rustfmt::skip]
const KO_MODIFIERS: &[&str] = &[
    "특히", "또한", "하지만", "그리고", "결국", "실제로", "먼저", "동시에", "최근", "꾸준히", "크게", "직접", "함께", "모두", "다시", "이미", "아직",
    "점점", "더", "가장", "새로운", "기존의", "안정적인", "효율적인", "대규모", "실시간", "점진적인", "복잡한", "단순한", "빠른", "핵심적인", "주요",
    "다양한", "실용적인", "현실적인", "지속적인", "자동", "공통",
];

#[rustfmt::skip]
const KO_ADJECTIVES: &[&str] = &[
    "새로운", "안정적인", "효율적인", "대규모", "실시간", "점진적인", "하이브리드", "분산", "비동기", "멀티", "통합", "차세대", "사내", "오픈소스",
    "서버리스", "이벤트 기반", "데이터 기반",
];

#[rustfmt::skip]
const KO_ENDINGS: &[&str] = &[
    "정리했습니다.", "설명합니다.", "도입했습니다.", "개선했습니다.", "공유합니다.", "분석했습니다.", "줄였습니다.", "높였습니다.", "구축했습니다.", "운영합니다.",
    "소개합니다.", "검토했습니다.", "적용했습니다.", "측정했습니다.", "자동화했습니다.", "해결했습니다.", "발견했습니다.", "전환했습니다.", "설계했습니다.",
    "배웠습니다.", "강조합니다.", "제안합니다.", "보여줍니다.", "다룹니다.", "비교합니다.", "확인했습니다.", "경험했습니다.", "실험했습니다.", "정착시켰습니다.",
    "만들었습니다.", "유효합니다.", "중요합니다.", "필요합니다.", "가능합니다.", "어렵습니다.", "효과적입니다.", "핵심입니다.", "유용합니다.", "직결됩니다.",
    "이어집니다.", "참고할 수 있습니다.", "도움이 됩니다.",
];

#[rustfmt::skip]
const KO_NOUNS: &[&str] = &[
    "클라우드", "인프라", "서버", "데이터", "팀", "비용", "운영", "개발", "배포", "장애", "모니터링", "성능", "서비스", "플랫폼", "아키텍처", "자동화",
    "문화", "코드", "데이터베이스", "캐시", "로그", "트래픽", "네트워크", "보안", "인증", "권한", "지연", "처리량", "확장성", "가용성", "안정성", "설계",
    "파이프라인", "테스트", "리뷰", "문서", "조직", "팀원", "리더", "회고", "온보딩", "채용", "협업", "소통", "프로젝트", "일정", "품질", "리팩토링",
    "레거시", "마이그레이션", "전환", "도입", "개선", "최적화", "분석", "측정", "지표", "대시보드", "알림", "경보", "장애대응", "복구", "백업", "이중화",
    "샤딩", "파티셔닝", "인덱스", "쿼리", "트랜잭션", "동시성", "큐", "메시지", "이벤트", "스트리밍", "배치", "스케줄러", "컨테이너", "쿠버네티스",
    "오케스트레이션", "가상화", "하이브리드", "프라이빗", "퍼블릭", "멀티클라우드", "엣지", "게이트웨이", "프록시", "로드밸런서", "라우팅", "서비스메시",
    "마이크로서비스", "모놀리스", "도메인", "모델", "엔티티", "스키마", "계약", "인터페이스", "프로토콜", "직렬화", "압축", "암호화", "키관리", "시크릿",
    "취약점", "감사", "규정", "개인정보", "결제", "정산", "주문", "배송", "검색", "추천", "랭킹", "광고", "알고리즘", "머신러닝", "인공지능", "생성형",
    "에이전트", "프롬프트", "임베딩", "벡터", "추론", "학습", "데이터셋", "라벨링", "평가", "실험", "가설", "사용자", "고객", "경험", "화면", "앱",
    "모바일", "웹", "프론트엔드", "백엔드", "데브옵스", "관측성", "트레이싱", "메트릭", "프로파일링", "메모리", "가비지컬렉션", "스레드", "코루틴", "비동기",
    "동기화", "스트림", "버퍼", "파일", "스토리지", "오브젝트", "블록", "디스크", "전력", "효율", "탄소", "데이터센터", "리전", "가용영역", "장비",
    "하드웨어", "칩", "반도체", "컴파일러", "런타임", "언어", "프레임워크", "라이브러리", "의존성", "버전", "호환성", "빌드", "릴리스", "롤백", "카나리",
    "블루그린", "피처플래그", "실험플랫폼", "설정", "환경", "스테이징", "프로덕션", "개발자", "엔지니어", "아키텍트", "매니저", "오너십", "책임", "확장",
    "역할", "파트", "조직도", "지식", "맥락", "기록", "결정", "원칙", "가이드", "스펙", "요구사항", "사례", "경험담", "교훈", "실패", "성공", "성장",
    "생산성", "속도", "규모", "트레이드오프", "한계", "과제", "전략", "방향", "로드맵", "우선순위", "목표", "성과", "지속성", "유지보수", "기술부채",
    "표준", "컨벤션", "린트", "정적분석", "타입", "제네릭", "패턴", "안티패턴", "캐싱전략", "세션", "토큰", "쿠키", "요청", "응답", "타임아웃", "재시도",
    "서킷브레이커", "백프레셔", "레이트리밋", "멱등성", "일관성", "정합성", "복제", "리더선출", "합의", "분산", "클러스터", "노드", "파드", "볼륨",
    "네임스페이스", "컨텍스트", "스위칭", "사일로", "페어", "프로그래밍", "면접", "평가제도", "보상", "휴가", "재택근무", "회의", "슬랙",
];

#[rustfmt::skip]
const EN_WORDS: &[&str] = &[
    "AI", "cloud", "kubernetes", "latency", "cache", "data", "api", "team", "platform", "infra", "service",
    "performance", "cost", "deploy", "incident", "monitoring", "backend", "database", "pipeline", "docker",
    "terraform", "ansible", "helm", "argo", "istio", "envoy", "nginx", "redis", "kafka", "rabbitmq",
    "postgresql", "mysql", "mongodb", "cassandra", "elasticsearch", "opensearch", "clickhouse", "snowflake",
    "spark", "flink", "airflow", "dbt", "grafana", "prometheus", "datadog", "sentry", "jaeger",
    "opentelemetry", "loki", "rust", "go", "kotlin", "java", "typescript", "python", "swift", "react",
    "nextjs", "spring", "django", "fastapi", "grpc", "graphql", "rest", "http", "tcp", "quic", "tls", "oauth",
    "jwt", "saml", "sso", "ldap", "iam", "vpc", "cdn", "dns", "s3", "ec2", "lambda", "serverless", "wasm",
    "webassembly", "ebpf", "linux", "kernel", "jvm", "gc", "llm", "gpt", "claude", "gemini", "rag",
    "embedding", "vector", "transformer", "inference", "fine-tuning", "agent", "prompt", "token",
    "throughput", "p99", "sla", "slo", "sli", "postmortem", "on-call", "runbook", "outage", "failover",
    "replication", "sharding", "partition", "consistency", "availability", "durability", "idempotency",
    "backpressure", "retry", "timeout", "circuit", "breaker", "queue", "stream", "batch", "event", "sourcing",
    "cqrs", "saga", "outbox", "monolith", "microservice", "mesh", "gateway", "proxy", "index", "query",
    "schema", "migration", "rollout", "canary", "rollback", "feature", "flag", "ci", "cd", "build", "release",
    "artifact", "registry", "container", "cluster", "node", "pod", "namespace", "operator", "controller",
    "scheduler", "autoscaling", "capacity", "finops", "observability", "tracing", "metrics", "logging",
    "dashboard", "alert", "profiling", "benchmark", "optimization", "refactoring", "legacy", "architecture",
    "design", "pattern", "domain", "ddd", "hexagonal", "clean", "testing", "integration", "contract", "e2e",
    "unit", "coverage", "flaky", "review", "pairing", "onboarding", "culture", "ownership", "adr", "rfc",
    "documentation", "spec", "roadmap", "okr", "retrospective", "agile", "scrum", "kanban", "jira",
    "confluence", "slack", "github", "gitlab", "actions", "copilot", "cursor", "vscode", "neovim",
    "open-source", "license", "security", "vulnerability", "cve", "supply-chain", "sbom", "secrets", "vault",
    "encryption", "compliance", "privacy", "gdpr", "audit", "hybrid", "multi-cloud", "openstack", "aws",
    "gcp", "azure", "on-premise", "lake", "warehouse", "lakehouse", "etl", "cdc", "debezium", "iceberg",
    "parquet", "arrow", "duckdb", "analytics", "experiment", "recommendation", "search", "ranking", "ads",
    "payment", "settlement", "checkout", "order", "delivery", "mobile", "ios", "android", "frontend",
    "devops", "sre", "mlops", "edge", "realtime", "websocket", "sse", "notification", "email", "sms",
    "maintainability", "scalability", "reliability", "resilience", "chaos", "engineering", "active-active",
    "disaster", "recovery", "bus", "factor",
];
