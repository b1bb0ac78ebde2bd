//! Weekly schedule math: when does "every Monday at 09:00 in Asia/Seoul" fire?
//!
//! A [`WeeklySlot`] is a weekday, a wall-clock time and an IANA time zone. This module turns it into
//! UTC instants: the next one after a moment, the latest one at or before it, a list of upcoming ones
//! and the local date of a moment ("today" for publication decisions). Daylight-saving transitions are
//! resolved the way people expect: a wall-clock time that does not exist (the spring-forward gap) fires
//! later by the length of the gap, and one that happens twice (the fall-back overlap) fires at the
//! earlier instant. Everything here is pure: the caller passes in the clock reading, nothing reads the
//! system time, and every function terminates and never panics, saturating at chrono's limits.

use std::fmt;

use chrono::{DateTime, Datelike, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono::{Timelike, Weekday};
use chrono_tz::Tz;

/// How far on either side of a nonexistent local time to look for the transition that skipped it.
/// Real offsets stay within about ±15 hours of UTC and real gaps are at most a day long.
const GAP_SEARCH_HOURS: i64 = 48;

/// 09:00, the default time of day (checked at compile time).
const NINE_AM: NaiveTime = NaiveTime::from_hms_opt(9, 0, 0).expect("09:00 is a valid time of day");

/// A weekly posting slot: a weekday and wall-clock time in a time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct WeeklySlot {
    /// Day of the week, in the slot's zone.
    pub weekday: Weekday,
    /// Wall-clock time of day, in the slot's zone.
    pub time: NaiveTime,
    /// The IANA time zone the weekday and time are read in.
    pub tz: Tz,
}

impl Default for WeeklySlot {
    /// Monday 09:00 Asia/Seoul.
    fn default() -> Self {
        WeeklySlot { weekday: Weekday::Mon, time: NINE_AM, tz: Tz::Asia__Seoul }
    }
}

impl fmt::Display for WeeklySlot {
    /// `Mon 09:00 Asia/Seoul`; seconds are shown only when the time has them.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let time = if self.time.second() == 0 && self.time.nanosecond() == 0 {
            self.time.format("%H:%M")
        } else {
            self.time.format("%H:%M:%S")
        };
        write!(f, "{} {} {}", self.weekday, time, self.tz.name())
    }
}

impl WeeklySlot {
    /// The first slot instant strictly after `instant`.
    ///
    /// Saturates at [`DateTime::<Utc>::MAX_UTC`] when no later slot is representable.
    pub fn next_after(&self, instant: DateTime<Utc>) -> DateTime<Utc> {
        self.next_after_opt(instant).unwrap_or(DateTime::<Utc>::MAX_UTC)
    }

    /// The most recent slot instant at or before `instant` (a slot exactly at `instant` counts).
    ///
    /// Saturates at [`DateTime::<Utc>::MIN_UTC`] when no earlier slot is representable.
    pub fn latest_at_or_before(&self, instant: DateTime<Utc>) -> DateTime<Utc> {
        self.occurrences_around(instant)
            .into_iter()
            .rev()
            .find(|slot| *slot <= instant)
            .unwrap_or(DateTime::<Utc>::MIN_UTC)
    }

    /// The next `count` slot instants strictly after `from`, in order, expressed in the slot's zone.
    ///
    /// Returns fewer than `count` only when the slots run past the range chrono can represent.
    pub fn upcoming(&self, from: DateTime<Utc>, count: usize) -> Vec<DateTime<Tz>> {
        let mut out = Vec::with_capacity(count.min(1024));
        let mut cursor = from;
        while out.len() < count {
            let Some(next) = self.next_after_opt(cursor) else { break };
            // A `DateTime<Tz>` whose local time overflows chrono's range would panic when formatted.
            if local_naive(self.tz, next).is_none() {
                break;
            }
            out.push(next.with_timezone(&self.tz));
            cursor = next;
        }
        out
    }

    /// The calendar date of `instant` in the slot's zone: "today" for publication decisions.
    ///
    /// Saturates at [`NaiveDate::MIN`] / [`NaiveDate::MAX`] at the very ends of chrono's range.
    pub fn local_date(&self, instant: DateTime<Utc>) -> NaiveDate {
        match local_naive(self.tz, instant) {
            Some(local) => local.date(),
            None if instant.naive_utc().date() > NaiveDate::default() => NaiveDate::MAX,
            None => NaiveDate::MIN,
        }
    }

    fn next_after_opt(&self, instant: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.occurrences_around(instant).into_iter().find(|slot| *slot > instant)
    }

    /// The slot instants of the weeks around `instant`, ascending: two weeks before to two weeks after
    /// the slot weekday on or before the local date of `instant`. The answer of both searches is
    /// always among them (a slot moves at most a day from its nominal local time), with room to spare
    /// when the local date had to be approximated at the edge of chrono's range.
    fn occurrences_around(&self, instant: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let local = local_naive(self.tz, instant).unwrap_or_else(|| instant.naive_utc()).date();
        let back = (i64::from(local.weekday().num_days_from_monday()) + 7
            - i64::from(self.weekday.num_days_from_monday()))
            % 7;
        (-2..=2)
            .filter_map(|week: i64| local.checked_add_signed(TimeDelta::try_days(7 * week - back)?))
            .filter_map(|date| self.occurrence(date))
            .collect()
    }

    /// The instant the slot fires on local `date` (which has the slot's weekday).
    ///
    /// An ambiguous time takes the earlier instant. A nonexistent time is moved forward by the length
    /// of the gap, which is the same as reading it with the offset in force just before the gap.
    fn occurrence(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        let local = date.and_time(self.time);
        match self.tz.from_local_datetime(&local) {
            LocalResult::Single(at) => Some(at.with_timezone(&Utc)),
            LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
            LocalResult::None => self.across_gap(local),
        }
    }

    /// Resolves a local time that falls in a gap: finds the transition that skipped it by bisection
    /// (bounded: about 18 steps) and reads `local` with the offset in force just before it.
    fn across_gap(&self, local: NaiveDateTime) -> Option<DateTime<Utc>> {
        let window = TimeDelta::try_hours(GAP_SEARCH_HOURS)?;
        let mut lo = local.checked_sub_signed(window)?.and_utc().timestamp();
        let mut hi = local.checked_add_signed(window)?.and_utc().timestamp();
        let wall = |secs: i64| DateTime::from_timestamp(secs, 0).and_then(|at| local_naive(self.tz, at));
        // Invariant: the wall clock at `lo` is before `local` and the wall clock at `hi` is not.
        if wall(lo)? >= local || wall(hi)? < local {
            return None;
        }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if wall(mid)? < local {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let before = self.tz.offset_from_utc_datetime(&DateTime::from_timestamp(lo, 0)?.naive_utc()).fix();
        let after = self.tz.offset_from_utc_datetime(&DateTime::from_timestamp(hi, 0)?.naive_utc()).fix();
        if after.local_minus_utc() <= before.local_minus_utc() {
            return None;
        }
        Some(local.checked_sub_offset(before)?.and_utc())
    }
}

/// The wall-clock time of `instant` in `tz`, or `None` when it falls outside chrono's range.
fn local_naive(tz: Tz, instant: DateTime<Utc>) -> Option<NaiveDateTime> {
    let utc = instant.naive_utc();
    utc.checked_add_offset(tz.offset_from_utc_datetime(&utc).fix())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
    }

    fn slot(weekday: Weekday, hm: &str, tz: Tz) -> WeeklySlot {
        WeeklySlot { weekday, time: NaiveTime::parse_from_str(hm, "%H:%M").unwrap(), tz }
    }

    /// Checks `next_after(from)` and, when given, `latest_at_or_before(from)` (all RFC 3339).
    fn check(slot: WeeklySlot, from: &str, next: &str, latest: Option<&str>) {
        let from = utc(from);
        assert_eq!(slot.next_after(from), utc(next), "next_after({from}) for {slot}");
        if let Some(latest) = latest {
            assert_eq!(slot.latest_at_or_before(from), utc(latest), "latest_at_or_before({from}) for {slot}");
        }
    }

    #[test]
    fn default_is_monday_nine_in_seoul() {
        let s = WeeklySlot::default();
        assert_eq!(
            (s.weekday, s.time, s.tz),
            (Weekday::Mon, NaiveTime::from_hms_opt(9, 0, 0).unwrap(), Tz::Asia__Seoul)
        );
        assert_eq!(s.to_string(), "Mon 09:00 Asia/Seoul");
    }

    #[test]
    fn display() {
        let cases = [
            (slot(Weekday::Sun, "23:30", Tz::America__New_York), "Sun 23:30 America/New_York"),
            (slot(Weekday::Thu, "00:00", Tz::UTC), "Thu 00:00 UTC"),
            (
                WeeklySlot { time: NaiveTime::from_hms_opt(7, 5, 9).unwrap(), ..WeeklySlot::default() },
                "Mon 07:05:09 Asia/Seoul",
            ),
        ];
        for (s, want) in cases {
            assert_eq!(s.to_string(), want);
        }
    }

    #[test]
    fn default_slot() {
        let s = WeeklySlot::default();
        // 2026-02-09 is a Monday; 09:00 KST is 00:00 UTC.
        let cases = [
            ("2026-02-08T23:59:59Z", "2026-02-09T00:00:00Z", "2026-02-02T00:00:00Z"), // just before
            ("2026-02-09T00:00:00Z", "2026-02-16T00:00:00Z", "2026-02-09T00:00:00Z"), // exactly at
            ("2026-02-09T00:00:01Z", "2026-02-16T00:00:00Z", "2026-02-09T00:00:00Z"), // just after
            // Sunday night UTC is Monday 05:00 in Seoul.
            ("2026-02-08T20:00:00Z", "2026-02-09T00:00:00Z", "2026-02-02T00:00:00Z"),
            ("2026-02-08T14:59:59Z", "2026-02-09T00:00:00Z", "2026-02-02T00:00:00Z"), // Sunday 23:59:59 KST
            ("2026-02-08T15:00:00Z", "2026-02-09T00:00:00Z", "2026-02-02T00:00:00Z"), // Monday 00:00 KST
            ("2026-02-10T12:00:00Z", "2026-02-16T00:00:00Z", "2026-02-09T00:00:00Z"), // mid-week
            ("2026-02-15T23:59:59.999Z", "2026-02-16T00:00:00Z", "2026-02-09T00:00:00Z"),
            ("2025-12-29T00:00:00Z", "2026-01-05T00:00:00Z", "2025-12-29T00:00:00Z"), // across the new year
            ("2025-12-31T23:00:00Z", "2026-01-05T00:00:00Z", "2025-12-29T00:00:00Z"),
            ("2024-02-26T00:00:01Z", "2024-03-04T00:00:00Z", "2024-02-26T00:00:00Z"), // across a leap day
        ];
        for (from, next, latest) in cases {
            check(s, from, next, Some(latest));
        }
    }

    #[test]
    fn every_weekday() {
        // From Wednesday 2026-02-11 12:00 UTC; slots at 10:00 UTC.
        let cases = [
            (Weekday::Mon, "2026-02-16T10:00:00Z", "2026-02-09T10:00:00Z"),
            (Weekday::Tue, "2026-02-17T10:00:00Z", "2026-02-10T10:00:00Z"),
            (Weekday::Wed, "2026-02-18T10:00:00Z", "2026-02-11T10:00:00Z"),
            (Weekday::Thu, "2026-02-12T10:00:00Z", "2026-02-05T10:00:00Z"),
            (Weekday::Fri, "2026-02-13T10:00:00Z", "2026-02-06T10:00:00Z"),
            (Weekday::Sat, "2026-02-14T10:00:00Z", "2026-02-07T10:00:00Z"),
            (Weekday::Sun, "2026-02-15T10:00:00Z", "2026-02-08T10:00:00Z"),
        ];
        for (weekday, next, latest) in cases {
            check(slot(weekday, "10:00", Tz::UTC), "2026-02-11T12:00:00Z", next, Some(latest));
        }
        // The same weekdays at 09:00 in Seoul, from Wednesday 2026-02-11 09:00 KST exactly.
        let cases = [
            (Weekday::Mon, "2026-02-16T00:00:00Z", "2026-02-09T00:00:00Z"),
            (Weekday::Tue, "2026-02-17T00:00:00Z", "2026-02-10T00:00:00Z"),
            (Weekday::Wed, "2026-02-18T00:00:00Z", "2026-02-11T00:00:00Z"),
            (Weekday::Thu, "2026-02-12T00:00:00Z", "2026-02-05T00:00:00Z"),
            (Weekday::Fri, "2026-02-13T00:00:00Z", "2026-02-06T00:00:00Z"),
            (Weekday::Sat, "2026-02-14T00:00:00Z", "2026-02-07T00:00:00Z"),
            (Weekday::Sun, "2026-02-15T00:00:00Z", "2026-02-08T00:00:00Z"),
        ];
        for (weekday, next, latest) in cases {
            check(slot(weekday, "09:00", Tz::Asia__Seoul), "2026-02-11T00:00:00Z", next, Some(latest));
        }
    }

    #[test]
    fn dst_gaps_move_forward_by_the_gap() {
        let cases = [
            // New York springs forward 2024-03-10 02:00 EST -> 03:00 EDT: 02:30 fires at 03:30 EDT.
            (slot(Weekday::Sun, "02:30", Tz::America__New_York), "2024-03-05T00:00:00Z", "2024-03-10T07:30:00Z"),
            (slot(Weekday::Sun, "02:00", Tz::America__New_York), "2024-03-05T00:00:00Z", "2024-03-10T07:00:00Z"),
            (slot(Weekday::Sun, "03:00", Tz::America__New_York), "2024-03-05T00:00:00Z", "2024-03-10T07:00:00Z"),
            (slot(Weekday::Sun, "01:59", Tz::America__New_York), "2024-03-05T00:00:00Z", "2024-03-10T06:59:00Z"),
            // Berlin springs forward 2024-03-31 02:00 CET -> 03:00 CEST: 02:30 fires at 03:30 CEST.
            (slot(Weekday::Sun, "02:30", Tz::Europe__Berlin), "2024-03-25T00:00:00Z", "2024-03-31T01:30:00Z"),
            (slot(Weekday::Sun, "02:00", Tz::Europe__Berlin), "2024-03-25T00:00:00Z", "2024-03-31T01:00:00Z"),
            // Lord Howe moves 2024-10-06 02:00 +10:30 -> 02:30 +11:00: 02:15 fires at 02:45 +11:00.
            (slot(Weekday::Sun, "02:15", Tz::Australia__Lord_Howe), "2024-10-01T00:00:00Z", "2024-10-05T15:45:00Z"),
            (slot(Weekday::Sun, "02:30", Tz::Australia__Lord_Howe), "2024-10-01T00:00:00Z", "2024-10-05T15:30:00Z"),
            // Santiago skips midnight 2024-09-08 00:00 -04 -> 01:00 -03: 00:00 fires at 01:00 -03.
            (slot(Weekday::Sun, "00:00", Tz::America__Santiago), "2024-09-02T00:00:00Z", "2024-09-08T04:00:00Z"),
            (slot(Weekday::Sun, "00:30", Tz::America__Santiago), "2024-09-02T00:00:00Z", "2024-09-08T04:30:00Z"),
            // Havana skipped midnight 2024-03-10 00:00 CST -> 01:00 CDT.
            (slot(Weekday::Sun, "00:00", Tz::America__Havana), "2024-03-05T00:00:00Z", "2024-03-10T05:00:00Z"),
            // Samoa skipped Friday 2011-12-30 entirely (-10:00 -> +14:00): Friday 09:00 fires Saturday 09:00.
            (slot(Weekday::Fri, "09:00", Tz::Pacific__Apia), "2011-12-25T00:00:00Z", "2011-12-30T19:00:00Z"),
        ];
        for (s, from, next) in cases {
            check(s, from, next, None);
            assert_eq!(s.latest_at_or_before(utc(next)), utc(next), "latest at the shifted slot for {s}");
        }
    }

    #[test]
    fn dst_overlaps_take_the_earlier_instant() {
        let cases = [
            // New York falls back 2024-11-03 02:00 EDT -> 01:00 EST: 01:30 happens twice.
            (slot(Weekday::Sun, "01:30", Tz::America__New_York), "2024-10-30T00:00:00Z", "2024-11-03T05:30:00Z"),
            (slot(Weekday::Sun, "01:00", Tz::America__New_York), "2024-10-30T00:00:00Z", "2024-11-03T05:00:00Z"),
            (slot(Weekday::Sun, "02:00", Tz::America__New_York), "2024-10-30T00:00:00Z", "2024-11-03T07:00:00Z"),
            // Berlin falls back 2024-10-27 03:00 CEST -> 02:00 CET: 02:30 happens twice.
            (slot(Weekday::Sun, "02:30", Tz::Europe__Berlin), "2024-10-21T00:00:00Z", "2024-10-27T00:30:00Z"),
            // Lord Howe falls back 2024-04-07 02:00 +11:00 -> 01:30 +10:30.
            (slot(Weekday::Sun, "01:45", Tz::Australia__Lord_Howe), "2024-04-01T00:00:00Z", "2024-04-06T14:45:00Z"),
            // Santiago falls back 2024-04-07 00:00 -03 -> 2024-04-06 23:00 -04: Saturday 23:30 twice.
            (slot(Weekday::Sat, "23:30", Tz::America__Santiago), "2024-04-01T00:00:00Z", "2024-04-07T02:30:00Z"),
        ];
        for (s, from, next) in cases {
            check(s, from, next, None);
            // Between the two readings of the ambiguous time, the earlier one is the latest slot.
            let between = utc(next) + TimeDelta::minutes(45);
            assert_eq!(s.latest_at_or_before(between), utc(next), "{s}");
            assert!(s.next_after(utc(next)) - utc(next) > TimeDelta::days(6), "{s} fires only once");
        }
    }

    #[test]
    fn latest_at_exactly_a_slot() {
        let cases = [
            (WeeklySlot::default(), "2026-02-09T00:00:00Z"),
            (slot(Weekday::Sun, "02:30", Tz::America__New_York), "2024-03-10T07:30:00Z"),
            (slot(Weekday::Sun, "01:30", Tz::America__New_York), "2024-11-03T05:30:00Z"),
            (slot(Weekday::Fri, "17:45", Tz::Asia__Kolkata), "2026-03-06T12:15:00Z"),
        ];
        for (s, at) in cases {
            assert_eq!(s.latest_at_or_before(utc(at)), utc(at), "{s}");
            let just_before = utc(at) - TimeDelta::nanoseconds(1);
            assert_eq!(s.latest_at_or_before(just_before), s.latest_at_or_before(utc(at) - TimeDelta::days(7)), "{s}");
            assert_eq!(s.next_after(just_before), utc(at), "{s}");
        }
    }

    #[test]
    fn upcoming_counts_and_order() {
        let s = WeeklySlot::default();
        let from = utc("2026-02-09T00:00:00Z");
        for count in [0, 1, 2, 5, 53] {
            let got = s.upcoming(from, count);
            assert_eq!(got.len(), count);
            let mut previous = from;
            for at in &got {
                assert_eq!(at.timezone(), Tz::Asia__Seoul);
                assert_eq!(at.with_timezone(&Utc) - previous, TimeDelta::days(7));
                assert_eq!((at.weekday(), at.hour(), at.minute()), (Weekday::Mon, 9, 0));
                previous = at.with_timezone(&Utc);
            }
        }
        let got: Vec<String> = s.upcoming(utc("2026-02-08T00:00:00Z"), 3).iter().map(|t| t.to_rfc3339()).collect();
        assert_eq!(got, ["2026-02-09T09:00:00+09:00", "2026-02-16T09:00:00+09:00", "2026-02-23T09:00:00+09:00"]);
        // Across New York's spring-forward: the gap slot shows at 03:30 EDT, and the order holds.
        let ny = slot(Weekday::Sun, "02:30", Tz::America__New_York);
        let got: Vec<String> = ny.upcoming(utc("2024-03-01T00:00:00Z"), 3).iter().map(|t| t.to_rfc3339()).collect();
        assert_eq!(got, ["2024-03-03T02:30:00-05:00", "2024-03-10T03:30:00-04:00", "2024-03-17T02:30:00-04:00"]);
    }

    #[test]
    fn local_date() {
        let s = WeeklySlot::default();
        let cases = [
            ("2026-02-08T14:59:59Z", "2026-02-08"),
            ("2026-02-08T15:00:00Z", "2026-02-09"),
            ("2026-02-09T00:00:00Z", "2026-02-09"),
            ("2025-12-31T15:00:00Z", "2026-01-01"),
        ];
        for (at, date) in cases {
            assert_eq!(s.local_date(utc(at)).to_string(), date, "{at}");
        }
        let ny = slot(Weekday::Mon, "09:00", Tz::America__New_York);
        assert_eq!(ny.local_date(utc("2026-02-09T03:00:00Z")).to_string(), "2026-02-08");
    }

    #[test]
    fn extremes_do_not_panic() {
        let zones = [Tz::Asia__Seoul, Tz::America__New_York, Tz::Pacific__Kiritimati, Tz::Etc__GMTPlus12, Tz::UTC];
        let instants = [
            DateTime::<Utc>::MIN_UTC,
            DateTime::<Utc>::MIN_UTC + TimeDelta::days(3),
            DateTime::<Utc>::MAX_UTC - TimeDelta::days(3),
            DateTime::<Utc>::MAX_UTC,
            DateTime::<Utc>::UNIX_EPOCH,
        ];
        let times = ["00:00", "09:00", "23:59"];
        for tz in zones {
            for weekday in [Weekday::Mon, Weekday::Thu, Weekday::Sun] {
                for hm in times {
                    let s = slot(weekday, hm, tz);
                    for at in instants {
                        let next = s.next_after(at);
                        let latest = s.latest_at_or_before(at);
                        assert!(next > at || next == DateTime::<Utc>::MAX_UTC, "{s} {at}");
                        assert!(latest <= at, "{s} {at}");
                        let _ = s.local_date(at);
                        let upcoming = s.upcoming(at, 3);
                        assert!(upcoming.len() <= 3);
                        for t in &upcoming {
                            let _ = t.to_string();
                        }
                    }
                }
            }
        }
        // A leap-second time of day still gives a weekly series.
        let leap =
            WeeklySlot { time: NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).unwrap(), ..WeeklySlot::default() };
        let at = utc("2026-02-09T00:00:00Z");
        assert!(leap.next_after(at) > at);
        assert!(leap.latest_at_or_before(at) <= at);
        assert_eq!(leap.upcoming(at, 4).len(), 4);
    }

    /// Every 7 hours over three years, in zones with gaps, overlaps, odd offsets and midnight shifts.
    #[test]
    fn property_over_many_instants() {
        let zones = [
            Tz::Asia__Seoul,
            Tz::America__New_York,
            Tz::Europe__Berlin,
            Tz::Australia__Lord_Howe,
            Tz::America__Santiago,
            Tz::America__Havana,
            Tz::Pacific__Chatham,
            Tz::America__St_Johns,
            Tz::Asia__Kolkata,
            Tz::UTC,
        ];
        let slots = [
            (Weekday::Sun, "00:00"),
            (Weekday::Sun, "02:15"),
            (Weekday::Sun, "02:30"),
            (Weekday::Sat, "23:30"),
            (Weekday::Mon, "09:00"),
            (Weekday::Fri, "09:00"),
        ];
        let mut runs: Vec<(Tz, &str)> = zones.iter().map(|tz| (*tz, "2023-01-01T00:00:00Z")).collect();
        runs.push((Tz::Pacific__Apia, "2010-01-01T00:00:00Z"));
        for (tz, start) in runs {
            for (weekday, hm) in slots {
                let s = slot(weekday, hm, tz);
                let start = utc(start);
                for step in 0..(3 * 365 * 24 / 7) {
                    let t = start + TimeDelta::hours(7 * step);
                    let next = s.next_after(t);
                    let latest = s.latest_at_or_before(t);
                    assert!(next > t, "{s}: next_after({t}) = {next}");
                    assert!(latest <= t, "{s}: latest_at_or_before({t}) = {latest}");
                    assert!(next - latest <= TimeDelta::days(8), "{s}: {latest} .. {next} around {t}");
                    assert_eq!(s.next_after(latest), next, "{s}: next_after(latest_at_or_before({t}))");
                    assert_eq!(s.latest_at_or_before(next), next, "{s} at {next}");
                    for fired in [next, latest] {
                        assert_fires_as_scheduled(s, fired);
                    }
                }
            }
        }
    }

    /// `fired` is on the slot's weekday at the slot's time, unless that local time did not exist and
    /// the slot was moved forward by the gap (possibly past midnight).
    fn assert_fires_as_scheduled(s: WeeklySlot, fired: DateTime<Utc>) {
        let local = fired.with_timezone(&s.tz);
        if local.weekday() == s.weekday && local.time() == s.time {
            return;
        }
        let nominal =
            if local.weekday() == s.weekday { local.date_naive() } else { local.date_naive().pred_opt().unwrap() };
        assert_eq!(nominal.weekday(), s.weekday, "{s} fired at {local}");
        assert_eq!(s.tz.from_local_datetime(&nominal.and_time(s.time)), LocalResult::None, "{s} fired at {local}");
        assert!(local.naive_local() > nominal.and_time(s.time), "{s} fired at {local}");
    }
}
