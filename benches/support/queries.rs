//! The search benchmark's queries, each with the class of query it stands for.
#![allow(dead_code)]

/// `(class, query)`: single Korean words, substrings inside words and particles, English tags,
/// two-word queries, rare words, very common words and words that are nowhere.
pub const QUERIES: &[(&str, &str)] = &[
    ("ko-word", "클라우드"),
    ("ko-word", "장애"),
    ("ko-word", "쿠버네티스"),
    ("ko-substring", "클라우"),
    ("ko-substring", "모니터"),
    ("ko-substring", "클라우드를"),
    ("en-tag", "Kubernetes"),
    ("en-tag", "kafka"),
    ("en-tag", "DevOps"),
    ("en-tag", "ADR"),
    ("two-words", "하이브리드 클라우드"),
    ("two-words", "redis 캐시"),
    ("two-words", "장애 대응"),
    ("two-words", "AI 에이전트"),
    ("rare", "양자내성암호"),
    ("rare", "zanzibar"),
    ("common", "팀"),
    ("common", "ai"),
    ("common", "데이터"),
    ("no-hit", "xylophone"),
    ("no-hit", "블록체인농장"),
];
