//! HTTP dates (RFC 9110 §5.6.7, stream.md §5, §6.1): hark writes IMF-fixdate and reads the
//! three forms a recipient must accept. Times are unix seconds; the calendar is the proleptic
//! Gregorian one, converted with Howard Hinnant's days-from-civil algorithms.

const WEEKDAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const LONG_WEEKDAYS: [&str; 7] = [
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `0000-01-01T00:00:00Z` and `9999-12-31T23:59:59Z`: the instants IMF-fixdate's four-digit
/// year can write. Formatting clamps to them.
const FIRST_WRITABLE: i64 = -62_167_219_200;
const LAST_WRITABLE: i64 = 253_402_300_799;

const SECONDS_PER_DAY: i64 = 86_400;

/// The IMF-fixdate of `unix` seconds (`Sun, 06 Nov 1994 08:49:37 GMT`), clamped to years
/// 0000–9999.
pub fn format_http_date(unix: i64) -> String {
    let mut out = String::with_capacity(29);
    write_http_date(&mut out, unix);
    out
}

/// Appends the IMF-fixdate of `unix` to `out` (29 bytes), without allocating: a response
/// writes two (`Date`, `Last-Modified`).
pub(super) fn write_http_date(out: &mut String, unix: i64) {
    let unix = unix.clamp(FIRST_WRITABLE, LAST_WRITABLE);
    let days = unix.div_euclid(SECONDS_PER_DAY);
    let secs = unix.rem_euclid(SECONDS_PER_DAY);
    let (year, month, day) = civil_from_days(days);
    let weekday = usize::try_from(days.rem_euclid(7)).unwrap_or(0);
    let month_name = usize::try_from(month - 1)
        .ok()
        .and_then(|m| MONTHS.get(m))
        .copied()
        .unwrap_or("Jan");
    out.push_str(WEEKDAYS.get(weekday).copied().unwrap_or("Thu"));
    out.push_str(", ");
    push_two_digits(out, day);
    out.push(' ');
    out.push_str(month_name);
    out.push(' ');
    push_two_digits(out, year / 100);
    push_two_digits(out, year % 100);
    out.push(' ');
    push_two_digits(out, secs / 3600);
    out.push(':');
    push_two_digits(out, secs / 60 % 60);
    out.push(':');
    push_two_digits(out, secs % 60);
    out.push_str(" GMT");
}

/// The two decimal digits of `value % 100`.
fn push_two_digits(out: &mut String, value: i64) {
    let value = u8::try_from(value.rem_euclid(100)).unwrap_or(0);
    out.push(char::from(b'0' + value / 10));
    out.push(char::from(b'0' + value % 10));
}

/// (year, month 1–12, day 1–31) of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Days since 1970-01-01 of a valid (year, month 1–12, day 1–31).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = year - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Unix seconds of an IMF-fixdate, RFC 850 or asctime date; `None` for anything else,
/// including impossible dates (`31 Feb`, hour 24). The weekday must be a weekday's name but
/// is not checked against the date (RFC 9110 makes it redundant). RFC 850's two-digit year is
/// 19xx from 70 on and 20xx below, as most servers read it.
pub fn parse_http_date(value: &[u8]) -> Option<i64> {
    let value = value.trim_ascii();
    let text = std::str::from_utf8(value).ok()?;
    imf_fixdate(text)
        .or_else(|| rfc850(text))
        .or_else(|| asctime(text))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT`
fn imf_fixdate(text: &str) -> Option<i64> {
    let (weekday, rest) = text.split_once(", ")?;
    if !WEEKDAYS.contains(&weekday) || rest.len() != 24 {
        return None;
    }
    let day = digits(rest.get(0..2)?)?;
    expect(rest, 2, " ")?;
    let month = month(rest.get(3..6)?)?;
    expect(rest, 6, " ")?;
    let year = digits(rest.get(7..11)?)?;
    expect(rest, 11, " ")?;
    let time = rest.get(12..20)?;
    expect(rest, 20, " GMT")?;
    to_unix(year, month, day, time)
}

/// `Sunday, 06-Nov-94 08:49:37 GMT`
fn rfc850(text: &str) -> Option<i64> {
    let (weekday, rest) = text.split_once(", ")?;
    if !LONG_WEEKDAYS.contains(&weekday) || rest.len() != 22 {
        return None;
    }
    let day = digits(rest.get(0..2)?)?;
    expect(rest, 2, "-")?;
    let month = month(rest.get(3..6)?)?;
    expect(rest, 6, "-")?;
    let short_year = digits(rest.get(7..9)?)?;
    let year = if short_year >= 70 {
        1900 + short_year
    } else {
        2000 + short_year
    };
    expect(rest, 9, " ")?;
    let time = rest.get(10..18)?;
    expect(rest, 18, " GMT")?;
    to_unix(year, month, day, time)
}

/// `Sun Nov  6 08:49:37 1994` (the day is space-padded)
fn asctime(text: &str) -> Option<i64> {
    if text.len() != 24 || !WEEKDAYS.contains(&text.get(0..3)?) {
        return None;
    }
    expect(text, 3, " ")?;
    let month = month(text.get(4..7)?)?;
    expect(text, 7, " ")?;
    let day_text = text.get(8..10)?;
    let day = digits(day_text.strip_prefix(' ').unwrap_or(day_text))?;
    expect(text, 10, " ")?;
    let time = text.get(11..19)?;
    expect(text, 19, " ")?;
    let year = digits(text.get(20..24)?)?;
    to_unix(year, month, day, time)
}

fn expect(text: &str, at: usize, literal: &str) -> Option<()> {
    (text.get(at..at + literal.len())? == literal).then_some(())
}

fn digits(text: &str) -> Option<i64> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn month(name: &str) -> Option<i64> {
    let index = MONTHS.iter().position(|&m| m == name)?;
    i64::try_from(index).ok().map(|m| m + 1)
}

/// `hh:mm:ss` on the given day.
fn to_unix(year: i64, month: i64, day: i64, time: &str) -> Option<i64> {
    if time.len() != 8 {
        return None;
    }
    let hour = digits(time.get(0..2)?)?;
    expect(time, 2, ":")?;
    let minute = digits(time.get(3..5)?)?;
    expect(time, 5, ":")?;
    let second = digits(time.get(6..8)?)?;
    // A leap second (60) is accepted as RFC 5322 allows it; it reads as the next second.
    if !(1..=days_in_month(year, month)).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    Some(days_from_civil(year, month, day) * SECONDS_PER_DAY + hour * 3600 + minute * 60 + second)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_EXAMPLE: i64 = 784_111_777;

    #[test]
    fn formats_the_rfc_example() {
        assert_eq!(
            format_http_date(RFC_EXAMPLE),
            "Sun, 06 Nov 1994 08:49:37 GMT"
        );
    }

    #[test]
    fn formats_the_epoch_and_a_leap_day() {
        assert_eq!(format_http_date(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(
            format_http_date(951_782_400),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
    }

    #[test]
    fn formats_before_the_epoch() {
        assert_eq!(format_http_date(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
    }

    #[test]
    fn formatting_clamps_to_four_digit_years() {
        assert_eq!(format_http_date(i64::MAX), "Fri, 31 Dec 9999 23:59:59 GMT");
        assert_eq!(format_http_date(i64::MIN), "Sat, 01 Jan 0000 00:00:00 GMT");
    }

    #[test]
    fn parses_the_three_forms() {
        for form in [
            "Sun, 06 Nov 1994 08:49:37 GMT",
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
        ] {
            assert_eq!(
                parse_http_date(form.as_bytes()),
                Some(RFC_EXAMPLE),
                "{form}"
            );
        }
    }

    #[test]
    fn rfc850_years_below_70_are_this_century() {
        assert_eq!(
            parse_http_date(b"Thursday, 01-Jan-70 00:00:00 GMT"),
            Some(0)
        );
        assert_eq!(
            parse_http_date(b"Saturday, 01-Jan-00 00:00:00 GMT"),
            Some(946_684_800)
        );
    }

    #[test]
    fn refuses_near_misses() {
        for bad in [
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 nov 1994 08:49:37 GMT",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Xyz, 06 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 GMT x",
            "Sun Nov 6 08:49:37 1994",
            "784111777",
            "",
        ] {
            assert_eq!(parse_http_date(bad.as_bytes()), None, "{bad}");
        }
    }

    #[test]
    fn surrounding_whitespace_is_ignored() {
        assert_eq!(
            parse_http_date(b" Sun, 06 Nov 1994 08:49:37 GMT "),
            Some(RFC_EXAMPLE)
        );
    }

    #[test]
    fn format_and_parse_round_trip() {
        for unix in [0, 1, 86_399, 951_868_799, 1_700_000_000, 4_102_444_800] {
            assert_eq!(
                parse_http_date(format_http_date(unix).as_bytes()),
                Some(unix)
            );
        }
    }
}
