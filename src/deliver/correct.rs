//! Corrections: bringing the messages of a digest already posted at a target to the digest's
//! current version.
//!
//! The ledger knows, for every sent part, where its message is and what it shows (a hash of its body
//! and the digest version). A correction walks the new version's parts: a part whose body is the same
//! is left alone; one whose body changed is edited in place (the row is marked `editing` first, so a
//! crash in between is resumed by editing again, never by posting); a part the old version did not
//! have is posted after the others, exactly as a delivery posts it; a part the new version no longer
//! has is deleted. A refusal the platform will not take back (too many edits to an old message, an
//! archived thread, a message someone deleted) is recorded as a failure and not retried for this
//! version. The `corrections` row, written before the first change and removed after the last, lets
//! a restart find and finish a correction that was cut short. Threads follow the messages: a
//! message that a correction makes an article's first (an article added, in `article` mode) gets the
//! article's thread once it shows it, a thread still owed from the delivery is started, and a
//! thread or forum post whose message was edited is renamed when its title changed.

use serde_json::Value;
use tracing::{info, warn};

use super::{Attempt, Job, PartEnd, PartKey, Place, Retries, SendError, TargetOutcome, nonce};
use crate::fnv::fnv1a64;
use crate::logging::untrusted;
use crate::store::{DELETING, LedgerPart, Shown, StoreError, UNKNOWN_VERSION};
use crate::target::{Posted, Target};

/// How one edit or deletion ended.
enum Change {
    Done,
    /// The platform will not take it, for good: recorded, and the part keeps what it shows.
    Refused(String),
    /// The target cannot go on (gone, token refused, retries exhausted, shutdown).
    Stop(TargetOutcome),
}

/// Which change to make.
#[derive(Clone, Copy)]
enum Op<'a> {
    Edit(&'a Value),
    Delete,
}

impl Job {
    pub(super) async fn correct(&mut self, target: &Target) -> Result<TargetOutcome, StoreError> {
        let rows = self.store.ledger_parts(target, &self.digest)?;
        if rows.is_empty() {
            return Ok(TargetOutcome::AlreadyDelivered);
        }
        // Another file now holds this date (a copy, a changed date): what was posted is not its to change.
        if rows.iter().any(|row| row.source.as_deref().is_some_and(|source| source != self.source)) {
            return Ok(TargetOutcome::AlreadyDelivered);
        }
        // The layout the digest was delivered in, and where its forum post is.
        if let Err(outcome) = self.shape(target, &rows).await? {
            return Ok(outcome);
        }
        let post = self.post_of(&rows);
        let mut refusal = None;
        // Parts sent before versions were kept: what they show is adopted as this version and nothing
        // is sent for it, even when the part count differs; later changes are corrected.
        if rows.iter().any(|row| row.version.as_deref() == Some(UNKNOWN_VERSION)) {
            for row in rows.iter().filter(|row| row.sent) {
                let body_hash = self.hashes.get(row.part).map_or("", String::as_str);
                let shown = Shown { body_hash, version: &self.version, source: &self.source };
                self.store.adopt_part(target, &self.digest, row.part, shown)?;
            }
            return Ok(TargetOutcome::AlreadyDelivered);
        }
        let (mut edited, mut posted, mut deleted, mut refused) = (0, 0, 0, 0);
        let row = |part: usize| rows.iter().find(|row| row.part == part);
        let total = self.parts.len();
        if (0..total).all(|part| row(part).is_some_and(|row| self.shows(row) || self.refused(row)))
            && rows.len() == total
            && rows.iter().all(|row| self.thread_to_start(row, self.shows(row)).is_none())
        {
            self.store.finish_correction(target, &self.digest, total)?;
            return Ok(TargetOutcome::AlreadyDelivered);
        }
        self.store.begin_correction(target, &self.digest, &self.version, self.clock.now())?;

        for (part, body) in self.parts.iter().enumerate() {
            if let Some(stop) = self.stopped() {
                return Ok(stop);
            }
            match row(part) {
                Some(row) if row.sent => {
                    if self.shows(row) || self.refused(row) {
                        if let Some(name) = self.thread_to_start(row, self.shows(row))
                            && let Some(stop) = self.thread(target, part, &row.posted, &name, &mut refusal).await?
                        {
                            return Ok(stop);
                        }
                        if row.version.as_deref() != Some(self.version.as_str()) {
                            let hash = row.body_hash.as_deref();
                            self.store.settle_part(
                                target,
                                &self.digest,
                                part,
                                &self.version,
                                hash,
                                row.refused.as_deref(),
                            )?;
                        }
                        continue;
                    }
                    self.store.mark_editing(target, &self.digest, part, &self.hashes[part])?;
                    match self.change(target, part, &row.posted, Op::Edit(body)).await? {
                        Change::Done => {
                            let shown =
                                Shown { body_hash: &self.hashes[part], version: &self.version, source: &self.source };
                            self.store.mark_edited(target, &self.digest, part, shown, self.clock.now())?;
                            edited += 1;
                            self.rename(target, part, row).await;
                            if let Some(name) = self.thread_to_start(row, true)
                                && let Some(stop) = self.thread(target, part, &row.posted, &name, &mut refusal).await?
                            {
                                return Ok(stop);
                            }
                        }
                        Change::Refused(why) => {
                            let message = format!("correction of message {} of {total}: {why}", part + 1);
                            self.store.record_failure(target, Some(&self.digest), &message, false, self.clock.now())?;
                            let hash = row.body_hash.as_deref();
                            let refusal_hash = Some(self.hashes[part].as_str());
                            self.store.settle_part(target, &self.digest, part, &self.version, hash, refusal_hash)?;
                            refused += 1;
                            if let Some(name) = self.thread_to_start(row, false)
                                && let Some(stop) = self.thread(target, part, &row.posted, &name, &mut refusal).await?
                            {
                                return Ok(stop);
                            }
                        }
                        Change::Stop(outcome) => return Ok(outcome),
                    }
                }
                // A new part, or one whose post is in doubt: posted as a delivery posts it (Discord's
                // nonce, or a look at Slack's history, keeps it single).
                existing => {
                    let earlier = self.store.pending_since(target, &self.digest, part)?;
                    let now = self.clock.now();
                    self.store.mark_pending(target, &self.digest, part, total, self.plan(part), now)?;
                    let uncertain = existing.is_some() && earlier.is_some();
                    let attempt = Attempt { part, total, since: earlier.unwrap_or(now), uncertain };
                    match self.send_part(target, attempt, body, self.place(part, post.as_deref())).await? {
                        PartEnd::Sent(landed) => {
                            posted += 1;
                            if let Some(name) = self.threads.get(part).cloned().flatten()
                                && let Some(stop) = self.thread(target, part, &landed, &name, &mut refusal).await?
                            {
                                return Ok(stop);
                            }
                        }
                        PartEnd::Forum(why) => return self.fail(target, why),
                        PartEnd::Stop(outcome) => return Ok(outcome),
                    }
                }
            }
        }
        for row in rows.iter().filter(|row| row.part >= total) {
            if let Some(stop) = self.stopped() {
                return Ok(stop);
            }
            if !row.sent {
                // A post whose outcome is unknown, of a part that no longer exists: nothing to delete by.
                warn!(target = %untrusted(&target.to_string()), part = row.part, "a part dropped by the correction may have been posted; it is forgotten");
                self.store.remove_part(target, &self.digest, row.part)?;
                continue;
            }
            self.store.mark_editing(target, &self.digest, row.part, DELETING)?;
            match self.change(target, row.part, &row.posted, Op::Delete).await? {
                Change::Done => {
                    self.store.remove_part(target, &self.digest, row.part)?;
                    deleted += 1;
                }
                Change::Refused(why) => {
                    let message = format!("deleting message {} left over by the correction: {why}", row.part + 1);
                    self.store.record_failure(target, Some(&self.digest), &message, false, self.clock.now())?;
                    self.store.settle_part(target, &self.digest, row.part, &self.version, None, Some(DELETING))?;
                    refused += 1;
                }
                Change::Stop(outcome) => return Ok(outcome),
            }
        }
        self.store.finish_correction(target, &self.digest, total)?;
        info!(target = %untrusted(&target.to_string()), digest = %self.digest, edited, posted, deleted, refused, "messages corrected");
        Ok(TargetOutcome::Corrected { edited, posted, deleted, refused })
    }

    /// Renames the thread or forum post that an edited part's message starts to what this version
    /// calls it (a corrected title: the post's is the digest's, a thread's its article's or the
    /// digest's), if it is called otherwise. Once, paced like a thread start; a name is not worth
    /// failing a correction for, so a failure is only logged (a 429 still pauses the channel's
    /// other requests).
    async fn rename(&self, target: &Target, part: usize, row: &LedgerPart) {
        let (thread, name) = match &self.forum {
            Some(forum) if part == 0 => (row.posted.channel.as_deref(), Some(forum.name.as_str())),
            Some(_) => return,
            None => (row.thread_id.as_deref(), self.threads.get(part).and_then(Option::as_deref)),
        };
        let (Some(thread), Some(name)) = (thread, name) else { return };
        let channel = self.lane.others.get(&target.channel);
        let channel_place = channel.acquire().await;
        let global_place = match &self.lane.global {
            Some(global) => Some(global.acquire().await),
            None => None,
        };
        let result = self.lane.sink.rename_thread(target, thread, name).await;
        drop((global_place, channel_place));
        if let Err(error) = result {
            if let SendError::RateLimited { retry_after, global } = &error {
                match (&self.lane.global, global) {
                    (Some(window), true) => window.block_for(*retry_after),
                    _ => channel.block_for(*retry_after),
                }
            }
            warn!(target = %untrusted(&target.to_string()), part, error = %untrusted(&error.to_string()), "could not rename the thread after its corrected title; it keeps its name");
        }
    }

    /// The thread a sent part's message should start and has not (neither started nor refused):
    /// the one planned when it was posted, or, once the message shows (`shows`) this version's body
    /// of the part, the one this version plans for it (an article added before the extra sections
    /// turns their first message into the new article's, which gets its thread like every other).
    fn thread_to_start(&self, row: &LedgerPart, shows: bool) -> Option<String> {
        if row.thread_id.is_some() || row.thread_error.is_some() {
            return None;
        }
        if row.wants_thread() {
            return row.thread_name.clone();
        }
        self.threads.get(row.part).cloned().flatten().filter(|_| shows)
    }

    /// Whether the row's message shows the new version's body of its part.
    fn shows(&self, row: &LedgerPart) -> bool {
        row.sent && row.editing.is_none() && row.body_hash.as_deref() == self.hashes.get(row.part).map(String::as_str)
    }

    /// Whether the platform refused, for good, to make the row's message show its new body.
    fn refused(&self, row: &LedgerPart) -> bool {
        row.editing.is_none()
            && row.refused.is_some()
            && row.refused.as_deref() == self.hashes.get(row.part).map(String::as_str)
    }

    /// One edit or deletion, paced by the same limiters as a post and retried the same way.
    async fn change(&self, target: &Target, part: usize, posted: &Posted, op: Op<'_>) -> Result<Change, StoreError> {
        let nonce = nonce(&self.digest, target, part, "");
        let key = PartKey { digest: &self.digest, part, nonce: &nonce, place: Place::Channel };
        let channel = self.lane.channels.get(&target.channel);
        let mut retries = Retries::new(self, fnv1a64(nonce.as_bytes()) ^ 0x5eed);
        loop {
            let channel_place = channel.acquire().await;
            let global_place = match &self.lane.global {
                Some(global) => Some(global.acquire().await),
                None => None,
            };
            let result = match op {
                Op::Edit(body) => self.lane.sink.edit(target, posted, body, key).await,
                Op::Delete => self.lane.sink.delete(target, posted).await,
            };
            drop((global_place, channel_place));
            match result {
                Ok(()) => return Ok(Change::Done),
                Err(SendError::Rejected(e)) => return Ok(Change::Refused(e)),
                Err(error) => {
                    if let Some(outcome) = retries.settle(target, part, error, &channel).await? {
                        return Ok(Change::Stop(outcome));
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use chrono::{TimeZone, Utc};
    use tokio::sync::watch;

    use super::*;
    use crate::clock::ManualClock;
    use crate::deliver::{Deliverer, RateLimits, RetryPolicy, SendFuture, Sent, Sink, sink::ChangeFuture};
    use crate::digest::Digest;
    use crate::i18n::Locale;
    use crate::store::Store;
    use crate::target::Platform;

    /// A channel kept in memory: message id -> body, and a log of what was done.
    #[derive(Default)]
    struct Channel {
        messages: Mutex<Vec<(String, Value)>>,
        log: Mutex<Vec<String>>,
        /// Edits to refuse, by message id.
        refuse: Mutex<Vec<String>>,
        /// Edits that take effect but whose answer is lost, by message id.
        lose: Mutex<Vec<String>>,
    }

    impl Sink for Channel {
        fn send<'a>(&'a self, _: &'a Target, body: &'a Value, _: PartKey<'a>) -> SendFuture<'a> {
            Box::pin(async move {
                let mut messages = self.messages.lock().unwrap();
                let id = format!("m{}", messages.len() + self.log.lock().unwrap().len() * 100);
                messages.push((id.clone(), body.clone()));
                self.log.lock().unwrap().push(format!("post {id}"));
                Ok(Sent { message_id: Some(id), ..Sent::default() })
            })
        }
        fn limits(&self) -> RateLimits {
            RateLimits { per_channel: (1000, Duration::from_secs(1)), global: None }
        }
        fn edits(&self) -> bool {
            true
        }
        fn edit<'a>(&'a self, _: &'a Target, posted: &'a Posted, body: &'a Value, _: PartKey<'a>) -> ChangeFuture<'a> {
            Box::pin(async move {
                let id = posted.message_id.clone().unwrap_or_default();
                if self.refuse.lock().unwrap().contains(&id) {
                    return Err(SendError::Rejected("30046: too many edits".into()));
                }
                let mut messages = self.messages.lock().unwrap();
                let message = messages.iter_mut().find(|(m, _)| *m == id).ok_or(SendError::Rejected("10008".into()))?;
                message.1 = body.clone();
                self.log.lock().unwrap().push(format!("edit {id}"));
                if self.lose.lock().unwrap().contains(&id) {
                    return Err(SendError::Transient("connection closed".into()));
                }
                Ok(())
            })
        }
        fn delete<'a>(&'a self, _: &'a Target, posted: &'a Posted) -> ChangeFuture<'a> {
            Box::pin(async move {
                let id = posted.message_id.clone().unwrap_or_default();
                self.messages.lock().unwrap().retain(|(m, _)| *m != id);
                self.log.lock().unwrap().push(format!("delete {id}"));
                Ok(())
            })
        }
    }

    struct Fixture {
        store: Arc<Store>,
        channel: Arc<Channel>,
        deliverer: Deliverer,
        _tx: watch::Sender<bool>,
        dir: std::path::PathBuf,
    }

    impl Drop for Fixture {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }

    fn fixture(name: &str) -> Fixture {
        let dir = std::env::temp_dir().join(format!("digestbot-correct-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let store = Arc::new(Store::open(&dir.join("s.db")).unwrap());
        let channel = Arc::new(Channel::default());
        let clock = Arc::new(ManualClock::new(Utc.with_ymd_and_hms(2026, 2, 16, 0, 0, 0).unwrap()));
        let (tx, rx) = watch::channel(false);
        let retry = RetryPolicy {
            attempts: 2,
            base: Duration::from_millis(1),
            max: Duration::from_millis(2),
            rate_limit_retries: 2,
        };
        let deliverer = Deliverer::new(store.clone(), clock, Locale::En, rx)
            .with_sink(Platform::Discord, channel.clone())
            .with_retry(retry);
        Fixture { store, channel, deliverer, _tx: tx, dir }
    }

    /// A digest of `articles` long articles, the `n`th titled `title`: several Discord messages.
    fn digest(articles: usize, changed: Option<(usize, &str)>) -> Digest {
        let mut text = "---\ntitle: T\ndate: 2026-02-16\n---\n\n".to_string();
        for i in 1..=articles {
            let title = match changed {
                Some((n, title)) if n == i => title.to_string(),
                _ => format!("Article {i}"),
            };
            text.push_str(&format!(
                "## {i}. S{i} - \"{title}\"\n\n**링크:** https://e.com/{i}\n\n{}\n\n",
                "body ".repeat(400)
            ));
        }
        crate::digest::parse("d/2026-02-16.md", text.as_bytes()).unwrap()
    }

    fn target() -> Target {
        Target::new(Platform::Discord, "1")
    }

    fn log(f: &Fixture) -> Vec<String> {
        std::mem::take(&mut *f.channel.log.lock().unwrap())
    }

    async fn corrected(f: &Fixture, digest: &Digest) -> TargetOutcome {
        f.deliverer.correct(digest, &[target()]).await.outcomes[0].1.clone()
    }

    #[tokio::test]
    async fn only_changed_parts_are_edited_and_a_second_run_does_nothing() {
        let f = fixture("changed");
        let first = digest(10, None);
        f.deliverer.deliver(&first, &[target()], &Default::default()).await;
        let posted = log(&f);
        assert!(posted.len() >= 3, "{posted:?}");
        let fixed = digest(10, Some((10, "Article Ten")));
        assert_eq!(f.store.correction_targets("2026-02-16", &crate::deliver::version_of(&fixed)).unwrap(), [target()]);
        assert_eq!(
            corrected(&f, &fixed).await,
            TargetOutcome::Corrected { edited: 1, posted: 0, deleted: 0, refused: 0 }
        );
        let last = posted.last().unwrap().replace("post", "edit");
        assert_eq!(log(&f), [last]);
        assert!(f.store.correction_targets("2026-02-16", &crate::deliver::version_of(&fixed)).unwrap().is_empty());
        assert_eq!(corrected(&f, &fixed).await, TargetOutcome::AlreadyDelivered);
        assert!(log(&f).is_empty());
        assert!(f.store.delivered(&target(), "2026-02-16").unwrap());
    }

    #[tokio::test]
    async fn more_parts_are_posted_after_the_others_and_fewer_delete_the_surplus() {
        let f = fixture("counts");
        f.deliverer.deliver(&digest(4, None), &[target()], &Default::default()).await;
        let before = log(&f).len();
        let TargetOutcome::Corrected { posted, deleted: 0, .. } = corrected(&f, &digest(12, None)).await else {
            panic!()
        };
        assert!(posted >= 1);
        assert!(log(&f).iter().all(|l| l.starts_with("post") || l.starts_with("edit")));
        assert_eq!(f.channel.messages.lock().unwrap().len(), before + posted);
        let TargetOutcome::Corrected { deleted, posted: 0, .. } = corrected(&f, &digest(2, None)).await else {
            panic!()
        };
        assert_eq!(deleted, before + posted - f.channel.messages.lock().unwrap().len());
        assert!(f.store.delivered(&target(), "2026-02-16").unwrap());
        assert_eq!(
            f.store.ledger_parts(&target(), "2026-02-16").unwrap().len(),
            f.channel.messages.lock().unwrap().len()
        );
    }

    #[tokio::test]
    async fn a_refusal_is_recorded_and_not_retried_for_the_same_version() {
        let f = fixture("refused");
        f.deliverer.deliver(&digest(10, None), &[target()], &Default::default()).await;
        let last = log(&f).last().unwrap().replace("post ", "");
        f.channel.refuse.lock().unwrap().push(last);
        let fixed = digest(10, Some((10, "Article Ten")));
        assert_eq!(
            corrected(&f, &fixed).await,
            TargetOutcome::Corrected { edited: 0, posted: 0, deleted: 0, refused: 1 }
        );
        assert!(f.store.last_failure(&target()).unwrap().unwrap().message.contains("30046"));
        assert!(f.store.correction_targets("2026-02-16", &crate::deliver::version_of(&fixed)).unwrap().is_empty());
        log(&f);
        assert_eq!(corrected(&f, &fixed).await, TargetOutcome::AlreadyDelivered);
        assert!(log(&f).is_empty(), "not retried");
    }

    #[tokio::test]
    async fn an_edit_cut_short_is_finished_by_the_next_correction_and_no_part_is_done_twice() {
        let f = fixture("cut");
        let first = digest(10, None);
        f.deliverer.deliver(&first, &[target()], &Default::default()).await;
        let ids: Vec<String> = log(&f).iter().map(|l| l.replace("post ", "")).collect();
        // Every part changes; the answer of the second part's edit is lost (twice: retries run out).
        let mut text_changed = digest(10, None);
        for article in &mut text_changed.articles {
            article.title.push('!');
        }
        text_changed.version ^= 1;
        f.channel.lose.lock().unwrap().push(ids[1].clone());
        assert!(matches!(corrected(&f, &text_changed).await, TargetOutcome::Failed(_)));
        assert_eq!(log(&f), [format!("edit {}", ids[0]), format!("edit {}", ids[1]), format!("edit {}", ids[1])]);
        let version = crate::deliver::version_of(&text_changed);
        assert_eq!(
            f.store.correction_targets("2026-02-16", &version).unwrap(),
            [target()],
            "the correction is unfinished"
        );
        f.channel.lose.lock().unwrap().clear();
        let TargetOutcome::Corrected { edited, .. } = corrected(&f, &text_changed).await else { panic!() };
        // The first part is not edited again; the one in doubt is, and the rest once each.
        let done = log(&f);
        assert!(!done.contains(&format!("edit {}", ids[0])), "{done:?}");
        assert_eq!(done.first(), Some(&format!("edit {}", ids[1])));
        assert_eq!(edited, ids.len() - 1);
        assert!(f.store.correction_targets("2026-02-16", &version).unwrap().is_empty());
    }

    #[tokio::test]
    async fn parts_sent_before_versions_were_kept_are_adopted_not_edited() {
        let f = fixture("adopt");
        let first = digest(6, None);
        f.deliverer.deliver(&first, &[target()], &Default::default()).await;
        log(&f);
        // As migration 3 leaves rows sent by an older digestbot.
        for row in f.store.ledger_parts(&target(), "2026-02-16").unwrap() {
            f.store.settle_part(&target(), "2026-02-16", row.part, UNKNOWN_VERSION, None, None).unwrap();
        }
        let fixed = digest(6, Some((6, "Six")));
        let version = crate::deliver::version_of(&fixed);
        assert_eq!(f.store.correction_targets("2026-02-16", &version).unwrap(), [target()]);
        assert_eq!(corrected(&f, &fixed).await, TargetOutcome::AlreadyDelivered);
        assert!(log(&f).is_empty());
        assert!(f.store.correction_targets("2026-02-16", &version).unwrap().is_empty());
    }

    #[tokio::test]
    async fn adopting_old_rows_sends_nothing_even_when_the_part_count_differs() {
        let f = fixture("adopt-count");
        f.deliverer.deliver(&digest(4, None), &[target()], &Default::default()).await;
        log(&f);
        for row in f.store.ledger_parts(&target(), "2026-02-16").unwrap() {
            f.store.settle_part(&target(), "2026-02-16", row.part, UNKNOWN_VERSION, None, None).unwrap();
        }
        let outcome = corrected(&f, &digest(12, None)).await;
        assert_eq!(outcome, TargetOutcome::AlreadyDelivered, "adoption posted or deleted: {:?}", log(&f));
        assert!(log(&f).is_empty());
    }

    #[tokio::test]
    async fn a_refused_part_whose_later_edit_is_in_doubt_is_not_taken_as_settled() {
        let f = fixture("refused-doubt");
        f.deliverer.deliver(&digest(10, None), &[target()], &Default::default()).await;
        let last = log(&f).last().unwrap().replace("post ", "");
        let v2 = digest(10, Some((10, "Article Ten")));
        f.channel.refuse.lock().unwrap().push(last.clone());
        corrected(&f, &v2).await;
        f.channel.refuse.lock().unwrap().clear();
        // v3: the edit goes through but its answer is lost (retries run out): in doubt.
        let v3 = digest(10, Some((10, "Third")));
        f.channel.lose.lock().unwrap().push(last.clone());
        assert!(matches!(corrected(&f, &v3).await, TargetOutcome::Failed(_)));
        f.channel.lose.lock().unwrap().clear();
        // Back to v2: the message in doubt is edited back, and the correction ends.
        corrected(&f, &v2).await;
        let shown = f.channel.messages.lock().unwrap().iter().find(|(id, _)| *id == last).unwrap().1.to_string();
        let pending = f.store.correction_targets("2026-02-16", &crate::deliver::version_of(&v2)).unwrap();
        assert!(!shown.contains("Third") && pending.is_empty(), "message shows v3, targets {pending:?}");
    }

    #[tokio::test]
    async fn a_file_other_than_the_one_posted_never_changes_its_messages() {
        let f = fixture("other-file");
        f.deliverer.deliver(&digest(6, None), &[target()], &Default::default()).await;
        log(&f);
        let mut copy = digest(6, Some((1, "Draft of next week")));
        copy.path = "d/2026-02-16-next.md".into();
        assert_eq!(corrected(&f, &copy).await, TargetOutcome::AlreadyDelivered);
        assert!(log(&f).is_empty());
    }
}
