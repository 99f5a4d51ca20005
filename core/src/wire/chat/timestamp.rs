//! A `message`'s `timestamp` (`conformance/spec/chat.md` §3): the server's UTC wall clock, written
//! as JavaScript's `Date.prototype.toISOString()` writes it, because the Node original's clients
//! parse it as such.

use std::fmt;

use serde::{Serialize, Serializer};

const MILLIS_PER_SECOND: u64 = 1000;
const SECONDS_PER_DAY: u64 = 86_400;
/// Days from 0000-03-01 (the proleptic Gregorian epoch `civil_from_days` counts from) to
/// 1970-01-01.
const DAYS_TO_UNIX_EPOCH: u64 = 719_468;
const DAYS_PER_ERA: u64 = 146_097;
/// The last year `toISOString` writes with four digits; later ones are `+` and six digits.
const LAST_FOUR_DIGIT_YEAR: u64 = 9999;

/// A point in time, in milliseconds since the Unix epoch. Displays as
/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, e.g. `2025-01-06T12:00:00.000Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(u64);

impl Timestamp {
    pub fn from_unix_millis(millis: u64) -> Self {
        Timestamp(millis)
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0 / MILLIS_PER_SECOND;
        let millis = self.0 % MILLIS_PER_SECOND;
        let (year, month, day) = civil_from_days(seconds / SECONDS_PER_DAY);
        let second_of_day = seconds % SECONDS_PER_DAY;
        if year > LAST_FOUR_DIGIT_YEAR {
            write!(f, "+{year:06}")?;
        } else {
            write!(f, "{year:04}")?;
        }
        write!(
            f,
            "-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
            second_of_day / 3600,
            second_of_day / 60 % 60,
            second_of_day % 60
        )
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// The proleptic Gregorian (year, month, day) of the day `days` after 1970-01-01, after Howard
/// Hinnant's `civil_from_days`. Years start in March so that the leap day ends them; a 400-year
/// era has a fixed number of days. All values are non-negative here, so unsigned arithmetic holds.
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let shifted = days + DAYS_TO_UNIX_EPOCH;
    let era = shifted / DAYS_PER_ERA;
    let day_of_era = shifted % DAYS_PER_ERA;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(millis: u64) -> String {
        Timestamp::from_unix_millis(millis).to_string()
    }

    #[test]
    fn the_epoch_is_1970_01_01() {
        assert_eq!(iso(0), "1970-01-01T00:00:00.000Z");
    }

    #[test]
    fn the_spec_example_has_milliseconds() {
        assert_eq!(iso(1_736_164_800_000), "2025-01-06T12:00:00.000Z");
    }

    #[test]
    fn milliseconds_are_three_digits() {
        assert_eq!(iso(1_736_164_800_007), "2025-01-06T12:00:00.007Z");
        assert_eq!(iso(86_399_999), "1970-01-01T23:59:59.999Z");
    }

    #[test]
    fn leap_days_exist_in_leap_years() {
        assert_eq!(iso(951_782_400_000), "2000-02-29T00:00:00.000Z");
        assert_eq!(iso(1_709_164_800_000), "2024-02-29T00:00:00.000Z");
        assert_eq!(iso(1_709_251_200_000), "2024-03-01T00:00:00.000Z");
    }

    #[test]
    fn century_years_not_divisible_by_400_are_not_leap_years() {
        assert_eq!(iso(4_107_542_400_000), "2100-03-01T00:00:00.000Z");
        assert_eq!(iso(4_107_456_000_000), "2100-02-28T00:00:00.000Z");
    }

    #[test]
    fn the_32_bit_rollover_and_later_dates_format() {
        assert_eq!(iso(2_147_483_647_000), "2038-01-19T03:14:07.000Z");
        assert_eq!(iso(2_147_483_648_000), "2038-01-19T03:14:08.000Z");
        assert_eq!(iso(253_402_300_799_999), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn years_after_9999_are_written_with_a_sign_and_six_digits() {
        assert_eq!(iso(253_402_300_800_000), "+010000-01-01T00:00:00.000Z");
        assert_eq!(iso(8_640_000_000_000_000), "+275760-09-13T00:00:00.000Z");
    }

    #[test]
    fn the_last_day_of_a_year_is_december_31() {
        assert_eq!(iso(1_735_689_599_000), "2024-12-31T23:59:59.000Z");
        assert_eq!(iso(1_735_689_600_000), "2025-01-01T00:00:00.000Z");
    }
}
