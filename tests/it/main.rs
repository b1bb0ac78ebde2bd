//! Integration tests, built as one binary: the real binary and the real platform clients, talking to
//! fake platforms on loopback. No internet is needed.

mod fake_discord_smoke;
mod slack;
mod support;
