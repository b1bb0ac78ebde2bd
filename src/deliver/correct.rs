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
//! a restart find and finish a correction that was cut short.

use std::sync::atomic::Ordering;

use serde_json::Value;
use tracing::{info, warn};

use super::{Attempt, Job, PartEnd, PartKey, SendError, TargetOutcome, nonce};
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
    pub(super) async fn correct(&self, target: &Target) -> Result<TargetOutcome, StoreError> {
        let rows = self.store.ledger_parts(target, &self.digest)?;
        if rows.is_empty() {
            return Ok(TargetOutcome::AlreadyDelivered);
        }
        let (mut edited, mut posted, mut deleted, mut refused) = (0, 0, 0, 0);
        // Parts sent before versions were kept: what they show is adopted, not edited.
        for row in rows.iter().filter(|row| row.sent && row.version.as_deref() == Some(UNKNOWN_VERSION)) {
            let hash = self.hashes.get(row.part).map(String::as_str);
            self.store.settle_part(target, &self.digest, row.part, &self.version, hash, None)?;
        }
        let rows = self.store.ledger_parts(target, &self.digest)?;
        let row = |part: usize| rows.iter().find(|row| row.part == part);
        let total = self.parts.len();
        if (0..total).all(|part| row(part).is_some_and(|row| self.shows(row))) && rows.len() == total {
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
                    if self.shows(row) || row.refused.as_deref() == Some(self.hashes[part].as_str()) {
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
                            let shown = Shown { body_hash: &self.hashes[part], version: &self.version };
                            self.store.mark_edited(target, &self.digest, part, shown, self.clock.now())?;
                            edited += 1;
                        }
                        Change::Refused(why) => {
                            let message = format!("correction of message {} of {total}: {why}", part + 1);
                            self.store.record_failure(target, Some(&self.digest), &message, false, self.clock.now())?;
                            let hash = row.body_hash.as_deref();
                            let refusal = Some(self.hashes[part].as_str());
                            self.store.settle_part(target, &self.digest, part, &self.version, hash, refusal)?;
                            refused += 1;
                        }
                        Change::Stop(outcome) => return Ok(outcome),
                    }
                }
                // A new part, or one whose post is in doubt: posted as a delivery posts it (Discord's
                // nonce, or a look at Slack's history, keeps it single).
                existing => {
                    let earlier = self.store.pending_since(target, &self.digest, part)?;
                    let now = self.clock.now();
                    self.store.mark_pending(target, &self.digest, part, total, now)?;
                    let uncertain = existing.is_some() && earlier.is_some();
                    let attempt = Attempt { part, total, since: earlier.unwrap_or(now), uncertain };
                    match self.send_part(target, attempt, body).await? {
                        PartEnd::Sent => posted += 1,
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

    /// Whether the row's message shows the new version's body of its part.
    fn shows(&self, row: &LedgerPart) -> bool {
        row.sent && row.editing.is_none() && row.body_hash.as_deref() == self.hashes.get(row.part).map(String::as_str)
    }

    fn stopped(&self) -> Option<TargetOutcome> {
        if *self.shutdown.borrow() {
            return Some(TargetOutcome::Interrupted);
        }
        self.lane
            .dead
            .load(Ordering::Relaxed)
            .then(|| TargetOutcome::Unauthorized("the platform refused the token".into()))
    }

    /// One edit or deletion, paced by the same limiters as a post and retried the same way.
    async fn change(&self, target: &Target, part: usize, posted: &Posted, op: Op<'_>) -> Result<Change, StoreError> {
        let nonce = nonce(&self.digest, target, part, "");
        let key = PartKey { digest: &self.digest, part, nonce: &nonce };
        let channel = self.lane.channels.get(&target.channel);
        let seed = fnv1a64(nonce.as_bytes()) ^ 0x5eed;
        let (mut failures, mut limited) = (0u32, 0u32);
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
                Err(SendError::RateLimited { retry_after, global }) => {
                    limited += 1;
                    if limited > self.retry.rate_limit_retries {
                        return self.fail(target, "rate limited too many times".into()).map(Change::Stop);
                    }
                    match (&self.lane.global, global) {
                        (Some(window), true) => window.block_for(retry_after),
                        _ => channel.block_for(retry_after),
                    }
                }
                Err(SendError::Transient(e)) => {
                    failures += 1;
                    if failures >= self.retry.attempts {
                        return self.fail(target, e).map(Change::Stop);
                    }
                    let wait = self.retry.backoff(failures - 1, seed);
                    warn!(target = %untrusted(&target.to_string()), part, error = %untrusted(&e.to_string()), ?wait, "temporary failure of a correction; retrying");
                    tokio::time::sleep(wait).await;
                }
                Err(SendError::Rejected(e)) => return Ok(Change::Refused(e)),
                Err(SendError::Gone(e)) => {
                    self.store.record_failure(target, Some(&self.digest), &e, true, self.clock.now())?;
                    return Ok(Change::Stop(TargetOutcome::Gone(e)));
                }
                Err(SendError::Unauthorized(e)) => {
                    self.lane.dead.store(true, Ordering::Relaxed);
                    self.store.record_failure(target, Some(&self.digest), &e, false, self.clock.now())?;
                    return Ok(Change::Stop(TargetOutcome::Unauthorized(e)));
                }
            }
        }
    }
}
