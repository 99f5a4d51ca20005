//! The outcome of a run: counts for the summary line and, per failing vector, the lines that
//! explain it.

use std::fmt;

/// One vector that did not pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// `file: name`, e.g. `scenarios/audio.json: replay_window`.
    pub vector: String,
    pub lines: Vec<String>,
}

/// Results for one kind of vector.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub passed: usize,
    pub failures: Vec<Failure>,
}

impl Tally {
    pub fn record(&mut self, vector: String, outcome: Result<(), Vec<String>>) {
        match outcome {
            Ok(()) => self.passed += 1,
            Err(lines) => self.failures.push(Failure { vector, lines }),
        }
    }

    fn summary(&self, label: &str) -> String {
        if self.failures.is_empty() {
            format!("{label}: {} passed", self.passed)
        } else {
            format!(
                "{label}: {} passed, {} failed",
                self.passed,
                self.failures.len()
            )
        }
    }
}

/// A whole run over one service's vectors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub service: String,
    pub codec: Tally,
    pub scenarios: Tally,
}

impl Report {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
            codec: Tally::default(),
            scenarios: Tally::default(),
        }
    }

    pub fn is_success(&self) -> bool {
        self.codec.failures.is_empty() && self.scenarios.failures.is_empty()
    }

    /// Two lines: `audio codec vectors: 52 passed` and `audio scenario vectors: 24 passed`.
    pub fn summary(&self) -> String {
        format!(
            "{}\n{}",
            self.codec
                .summary(&format!("{} codec vectors", self.service)),
            self.scenarios
                .summary(&format!("{} scenario vectors", self.service))
        )
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for failure in self.codec.failures.iter().chain(&self.scenarios.failures) {
            writeln!(f, "FAIL {}", failure.vector)?;
            for line in &failure.lines {
                writeln!(f, "    {line}")?;
            }
        }
        write!(f, "{}", self.summary())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_counts_passes_and_failures() {
        let mut report = Report::new("audio");
        report.codec.record("a".into(), Ok(()));
        report.scenarios.record("b".into(), Err(vec!["why".into()]));
        assert!(!report.is_success());
        assert_eq!(
            report.summary(),
            "audio codec vectors: 1 passed\naudio scenario vectors: 0 passed, 1 failed"
        );
        assert!(report.to_string().starts_with("FAIL b\n    why\n"));
    }
}
