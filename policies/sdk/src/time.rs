//! Timestamps in the snapshot (RFC 3339, always UTC as bbscan writes them) as seconds since the
//! Unix epoch, so policies can judge ages without a date library.

/// Seconds in a day.
pub const DAY: i64 = 86_400;

/// Parse `2026-01-31T12:00:00Z` (fractional seconds and a `+hh:mm` offset allowed).
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let text = text.trim();
    let (date, rest) = text.split_once(['T', 't', ' '])?;
    let mut parts = date.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // Split the time from its zone: `Z`, `+hh:mm` or `-hh:mm`.
    let (time, offset) = if let Some(t) = rest.strip_suffix(['Z', 'z']) {
        (t, 0)
    } else {
        let at = rest.rfind(['+', '-'])?;
        let (t, zone) = rest.split_at(at);
        let sign = if zone.starts_with('-') { -1 } else { 1 };
        let (h, m) = zone[1..].split_once(':')?;
        (t, sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60))
    };
    let time = time.split('.').next()?;
    let mut hms = time.splitn(3, ':');
    let h: i64 = hms.next()?.parse().ok()?;
    let m: i64 = hms.next()?.parse().ok()?;
    let s: i64 = hms.next()?.parse().ok()?;
    if h > 23 || m > 59 || s > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * DAY + h * 3600 + m * 60 + s - offset)
}

/// Whole days from `earlier` to `later` (both RFC 3339); `None` if either does not parse.
pub fn days_between(earlier: &str, later_epoch: i64) -> Option<i64> {
    Some((later_epoch - parse_rfc3339(earlier)?).div_euclid(DAY))
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_utc_offsets_and_fractions() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2000-03-01T00:00:00Z"), Some(951_868_800));
        assert_eq!(parse_rfc3339("2026-11-29T16:15:30.123Z"), Some(1_795_968_930));
        assert_eq!(parse_rfc3339("2026-11-29T18:15:30+02:00"), Some(1_795_968_930));
        assert_eq!(parse_rfc3339("2026-11-29T14:15:30-02:00"), Some(1_795_968_930));
    }

    #[test]
    fn rejects_what_is_not_a_timestamp() {
        for bad in ["", "2026-11-29", "2026-13-01T00:00:00Z", "yesterday", "2026-11-29T25:00:00Z"] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }

    #[test]
    fn counts_whole_days() {
        let now = parse_rfc3339("2026-11-29T00:00:00Z").unwrap();
        assert_eq!(days_between("2026-08-31T00:00:00Z", now), Some(90));
        assert_eq!(days_between("2026-08-31T00:00:01Z", now), Some(89));
        assert_eq!(days_between("not a date", now), None);
    }
}
