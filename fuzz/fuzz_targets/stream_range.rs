//! The `Range` parser and its satisfaction (`conformance/spec/stream.md` §7.1) on arbitrary
//! header values, bounds and file lengths. `parse_range` and `satisfy` must not panic, and:
//! - a parsed request has between 1 and `max_ranges` specs;
//! - a partial answer's ranges lie inside the file, sorted, disjoint and not touching, at most
//!   as many as the specs, and together no longer than the file;
//! - an empty file is always answered whole, and only an empty file is;
//! - `Unsatisfiable` exactly when no spec is satisfiable.
#![no_main]

use hark_core::stream::{RangeOutcome, RangeSpec, parse_range};
use libfuzzer_sys::fuzz_target;

fn satisfiable(spec: RangeSpec, len: u64) -> bool {
    match spec {
        RangeSpec::Bounded { first, .. } | RangeSpec::From { first } => first < len,
        RangeSpec::Suffix { suffix } => suffix > 0 && len > 0,
    }
}

fuzz_target!(|input: (u8, u64, &[u8])| {
    let (max_ranges, file_len, value) = input;
    let max_ranges = usize::from(max_ranges % 20);
    let Some(request) = parse_range(value, max_ranges) else {
        return;
    };
    assert!(!request.specs.is_empty());
    assert!(request.specs.len() <= max_ranges);
    for spec in &request.specs {
        if let RangeSpec::Bounded { first, last } = *spec {
            assert!(first <= last, "{spec:?}");
        }
    }
    for len in [file_len, file_len % 4096, 0, 1] {
        let any_satisfiable = request.specs.iter().any(|&spec| satisfiable(spec, len));
        match request.satisfy(len) {
            RangeOutcome::Full => assert_eq!(len, 0),
            RangeOutcome::Unsatisfiable => {
                assert_ne!(len, 0);
                assert!(!any_satisfiable, "{request:?} against {len}");
            }
            RangeOutcome::Partial(ranges) => {
                assert_ne!(len, 0);
                assert!(any_satisfiable);
                assert!(!ranges.is_empty() && ranges.len() <= request.specs.len());
                for range in &ranges {
                    assert!(
                        range.first <= range.last && range.last < len,
                        "{range:?} in {len}"
                    );
                }
                for pair in ranges.windows(2) {
                    if let [a, b] = pair {
                        assert!(a.last + 1 < b.first, "{a:?} then {b:?}");
                    }
                }
                let total: u64 = ranges.iter().map(|range| range.byte_count()).sum();
                assert!(total <= len);
            }
        }
    }
});
