//! The `Range` header (RFC 9110 §14.1–§14.2, stream.md §7.1): a nom parser for the byte-range
//! set, and its satisfiable ranges against a file's length, sorted and coalesced.

use nom::branch::alt;
use nom::bytes::complete::tag_no_case;
use nom::character::complete::{char, digit1, space0};
use nom::combinator::{map, map_opt, opt};
use nom::sequence::preceded;
use nom::{IResult, Parser};

/// One range spec as sent. Numbers too large for 64 bits read as `u64::MAX`, which behaves as
/// infinitely large (stream.md §7.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeSpec {
    /// `first-last`, with `last >= first`.
    Bounded { first: u64, last: u64 },
    /// `first-`: to the end.
    From { first: u64 },
    /// `-suffix`: the last `suffix` bytes.
    Suffix { suffix: u64 },
}

/// A syntactically valid `Range: bytes=…` with at most `max_ranges` specs, in the order sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RangeRequest {
    pub specs: Vec<RangeSpec>,
}

/// An inclusive range of byte positions inside a file: `first <= last < len`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ByteRange {
    pub first: u64,
    pub last: u64,
}

impl ByteRange {
    /// How many bytes the range covers (at least 1).
    pub fn byte_count(&self) -> u64 {
        self.last - self.first + 1
    }
}

/// What a [`RangeRequest`] asks of a file of a given length.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RangeOutcome {
    /// The Range does not apply (a zero-length file): send the whole file, `200`.
    Full,
    /// No spec is satisfiable: `416`.
    Unsatisfiable,
    /// One or more ranges, sorted by first byte, disjoint and not touching: `206`.
    Partial(Vec<ByteRange>),
}

type Parsed<'a, T> = IResult<&'a [u8], T>;

/// A number too large for 64 bits: larger than any `u64`, as if infinite (stream.md §7.1).
const BEYOND_64_BITS: u128 = 1 << 64;

/// Decimal digits, saturating at [`BEYOND_64_BITS`].
fn number(input: &[u8]) -> Parsed<'_, u128> {
    map(digit1, |digits: &[u8]| {
        digits.iter().fold(0u128, |acc, &digit| {
            (acc * 10 + u128::from(digit - b'0')).min(BEYOND_64_BITS)
        })
    })
    .parse(input)
}

/// A parsed number as a position: beyond 64 bits is `u64::MAX`, which no file reaches.
fn position(number: u128) -> u64 {
    u64::try_from(number).unwrap_or(u64::MAX)
}

/// `last < first` is compared before saturation, so `{2^64}-{2^64 - 1}` stays invalid.
fn spec(input: &[u8]) -> Parsed<'_, RangeSpec> {
    alt((
        map_opt(
            (number, char('-'), opt(number)),
            |(first, _, last)| match last {
                Some(last) if last < first => None,
                Some(last) => Some(RangeSpec::Bounded {
                    first: position(first),
                    last: position(last),
                }),
                None => Some(RangeSpec::From {
                    first: position(first),
                }),
            },
        ),
        map(preceded(char('-'), number), |suffix| RangeSpec::Suffix {
            suffix: position(suffix),
        }),
    ))
    .parse(input)
}

fn first_spec(input: &[u8]) -> Parsed<'_, RangeSpec> {
    preceded((space0, tag_no_case("bytes"), char('='), space0), spec).parse(input)
}

fn next_spec(input: &[u8]) -> Parsed<'_, RangeSpec> {
    preceded((space0, char(','), space0), spec).parse(input)
}

/// Parses a `Range` value. `None` when it is not a valid byte-range set or has more than
/// `max_ranges` specs: either way the header is ignored (stream.md §7.1). Parsing stops at the
/// first spec past the bound, so a long header costs no more than `max_ranges` specs.
pub fn parse_range(value: &[u8], max_ranges: usize) -> Option<RangeRequest> {
    if max_ranges == 0 {
        return None;
    }
    let (mut rest, first) = first_spec(value).ok()?;
    let mut specs = vec![first];
    while !rest.trim_ascii().is_empty() {
        let (after, next) = next_spec(rest).ok()?;
        if specs.len() == max_ranges {
            return None;
        }
        specs.push(next);
        rest = after;
    }
    Some(RangeRequest { specs })
}

impl RangeRequest {
    /// stream.md §7.1: the satisfiable specs against a file of `len` bytes, `last` clamped,
    /// sorted and coalesced where they overlap or touch.
    pub fn satisfy(&self, len: u64) -> RangeOutcome {
        let Some(end) = len.checked_sub(1) else {
            return RangeOutcome::Full;
        };
        let mut ranges: Vec<ByteRange> = self
            .specs
            .iter()
            .filter_map(|spec| match *spec {
                RangeSpec::Bounded { first, last } if first < len => Some(ByteRange {
                    first,
                    last: last.min(end),
                }),
                RangeSpec::From { first } if first < len => Some(ByteRange { first, last: end }),
                RangeSpec::Suffix { suffix } if suffix > 0 => Some(ByteRange {
                    first: len - suffix.min(len),
                    last: end,
                }),
                _ => None,
            })
            .collect();
        if ranges.is_empty() {
            return RangeOutcome::Unsatisfiable;
        }
        ranges.sort_unstable_by_key(|range| (range.first, range.last));
        let mut coalesced: Vec<ByteRange> = Vec::with_capacity(ranges.len());
        for range in ranges {
            match coalesced.last_mut() {
                Some(previous) if range.first <= previous.last.saturating_add(1) => {
                    previous.last = previous.last.max(range.last);
                }
                _ => coalesced.push(range),
            }
        }
        RangeOutcome::Partial(coalesced)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn specs(value: &str) -> Option<Vec<RangeSpec>> {
        parse_range(value.as_bytes(), 16).map(|request| request.specs)
    }

    fn outcome(value: &str, len: u64) -> RangeOutcome {
        parse_range(value.as_bytes(), 16).unwrap().satisfy(len)
    }

    fn partial(ranges: &[(u64, u64)]) -> RangeOutcome {
        RangeOutcome::Partial(
            ranges
                .iter()
                .map(|&(first, last)| ByteRange { first, last })
                .collect(),
        )
    }

    #[test]
    fn the_three_spec_forms() {
        assert_eq!(
            specs("bytes=0-9,10-,-5"),
            Some(vec![
                RangeSpec::Bounded { first: 0, last: 9 },
                RangeSpec::From { first: 10 },
                RangeSpec::Suffix { suffix: 5 },
            ])
        );
    }

    #[test]
    fn the_unit_is_case_insensitive_and_spaces_surround_specs() {
        assert_eq!(
            specs("BYTES= 0-1 ,\t2-3 "),
            Some(vec![
                RangeSpec::Bounded { first: 0, last: 1 },
                RangeSpec::Bounded { first: 2, last: 3 },
            ])
        );
    }

    #[test]
    fn invalid_syntax_is_none() {
        for bad in [
            "",
            "bytes",
            "bytes=",
            "bytes 0-1",
            "bytes =0-1",
            "items=0-1",
            "bytes=5-4",
            "bytes=-",
            "bytes=+1-2",
            "bytes=0-1,",
            "bytes=,0-1",
            "bytes=0-1,,2-3",
            "bytes=a-b",
            "bytes=0x1-2",
            "bytes=0-1;",
            "bytes=1 2-3",
            "bytes=--1",
        ] {
            assert_eq!(specs(bad), None, "{bad}");
        }
    }

    #[test]
    fn more_specs_than_the_bound_is_none() {
        let sixteen = vec!["0-0"; 16].join(",");
        let seventeen = vec!["0-0"; 17].join(",");
        assert!(parse_range(format!("bytes={sixteen}").as_bytes(), 16).is_some());
        assert!(parse_range(format!("bytes={seventeen}").as_bytes(), 16).is_none());
    }

    #[test]
    fn numbers_past_64_bits_saturate() {
        assert_eq!(
            specs("bytes=99999999999999999999-"),
            Some(vec![RangeSpec::From { first: u64::MAX }])
        );
        assert_eq!(
            specs("bytes=0-99999999999999999999"),
            Some(vec![RangeSpec::Bounded {
                first: 0,
                last: u64::MAX
            }])
        );
    }

    #[test]
    fn a_first_beyond_64_bits_is_larger_than_any_last() {
        assert_eq!(
            specs("bytes=18446744073709551616-18446744073709551615"),
            None
        );
        assert_eq!(
            specs("bytes=18446744073709551616-99999999999999999999"),
            Some(vec![RangeSpec::Bounded {
                first: u64::MAX,
                last: u64::MAX
            }])
        );
    }

    #[test]
    fn last_is_clamped_to_the_file() {
        assert_eq!(outcome("bytes=0-999", 100), partial(&[(0, 99)]));
        assert_eq!(
            outcome("bytes=0-99999999999999999999", 100),
            partial(&[(0, 99)])
        );
    }

    #[test]
    fn a_suffix_is_the_last_bytes_and_a_long_one_the_whole_file() {
        assert_eq!(outcome("bytes=-10", 100), partial(&[(90, 99)]));
        assert_eq!(outcome("bytes=-1000", 100), partial(&[(0, 99)]));
        assert_eq!(
            outcome("bytes=-99999999999999999999", 100),
            partial(&[(0, 99)])
        );
    }

    #[test]
    fn unsatisfiable_specs_are_dropped() {
        assert_eq!(outcome("bytes=100-,-0,5-6", 100), partial(&[(5, 6)]));
    }

    #[test]
    fn nothing_satisfiable_is_unsatisfiable() {
        assert_eq!(outcome("bytes=100-200", 100), RangeOutcome::Unsatisfiable);
        assert_eq!(outcome("bytes=-0", 100), RangeOutcome::Unsatisfiable);
    }

    #[test]
    fn a_zero_length_file_ignores_the_range() {
        assert_eq!(outcome("bytes=0-0", 0), RangeOutcome::Full);
        assert_eq!(outcome("bytes=-5", 0), RangeOutcome::Full);
    }

    #[test]
    fn ranges_are_sorted_and_coalesced_when_they_overlap_or_touch() {
        assert_eq!(outcome("bytes=10-19,0-9", 100), partial(&[(0, 19)]));
        assert_eq!(
            outcome("bytes=50-60,0-5,55-70", 100),
            partial(&[(0, 5), (50, 70)])
        );
        assert_eq!(outcome("bytes=0-5,7-9", 100), partial(&[(0, 5), (7, 9)]));
        assert_eq!(outcome("bytes=0-50,10-20", 100), partial(&[(0, 50)]));
    }
}
