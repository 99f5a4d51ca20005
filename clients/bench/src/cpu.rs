//! CPU time of a process, from `/proc/<pid>/stat`, so a run can say how busy the generator (and the
//! server) were: a generator near 100% of its core could be the bottleneck, and its figures would
//! measure itself rather than the relay.

use std::io;
use std::time::{Duration, Instant};

/// `/proc` reports CPU time in USER_HZ ticks, which Linux fixes at 100 per second for user space
/// on every architecture hark runs on.
const USER_HZ: u64 = 100;

/// User + system CPU time of `pid` (`None`: this process) so far.
pub fn process_cpu(pid: Option<u32>) -> io::Result<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => "/proc/self/stat".to_owned(),
    };
    let text = std::fs::read_to_string(path)?;
    parse_stat(&text)
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidData, "unexpected /proc stat format"))
}

/// `utime` and `stime` are fields 14 and 15; the command name (field 2) is in parentheses and may
/// itself hold spaces or parentheses, so counting starts after the last `)`.
fn parse_stat(text: &str) -> Option<Duration> {
    let (_, after_name) = text.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    let ticks = utime.checked_add(stime)?;
    Some(Duration::from_millis(ticks.checked_mul(1000 / USER_HZ)?))
}

/// CPU used between [`CpuMeter::start`] and [`CpuMeter::stop`], relative to the wall time between
/// them: 1.0 is one core fully busy.
#[derive(Debug, Clone, Copy)]
pub struct CpuMeter {
    pid: Option<u32>,
    cpu: Duration,
    wall: Instant,
}

/// What a [`CpuMeter`] measured.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct CpuUse {
    pub cpu_secs: f64,
    pub wall_secs: f64,
}

impl CpuUse {
    /// Fraction of one core.
    pub fn utilisation(&self) -> f64 {
        if self.wall_secs > 0.0 {
            self.cpu_secs / self.wall_secs
        } else {
            0.0
        }
    }
}

impl CpuMeter {
    pub fn start(pid: Option<u32>) -> io::Result<Self> {
        Ok(Self {
            pid,
            cpu: process_cpu(pid)?,
            wall: Instant::now(),
        })
    }

    pub fn stop(&self) -> io::Result<CpuUse> {
        let cpu = process_cpu(self.pid)?;
        Ok(CpuUse {
            cpu_secs: cpu.saturating_sub(self.cpu).as_secs_f64(),
            wall_secs: self.wall.elapsed().as_secs_f64(),
        })
    }
}

/// The one core `pid` (`None`: this process) may run on, if it is pinned to exactly one
/// (`Cpus_allowed_list` of `/proc/<pid>/status`, as `taskset -c N` leaves it).
pub fn pinned_core(pid: Option<u32>) -> Option<usize> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    let list = status
        .lines()
        .find_map(|l| l.strip_prefix("Cpus_allowed_list:"))?;
    list.trim().parse().ok()
}

/// Busy time of each core that the measured processes do not explain: `busy` minus the CPU
/// each `(core, utilisation)` used there. Other processes on a pinned core take its time and
/// delay its wake-ups, so a run with much of it measured the machine's neighbours too.
pub fn other_load(busy: &[f64], own: &[(usize, f64)]) -> Vec<f64> {
    busy.iter()
        .enumerate()
        .map(|(core, busy)| {
            let mine: f64 = own.iter().filter(|(c, _)| *c == core).map(|(_, u)| u).sum();
            (busy - mine).max(0.0)
        })
        .collect()
}

/// Busy and total time of each core so far, in ticks, from the `cpuN` lines of `/proc/stat`.
/// Busy is everything but idle and iowait, whoever ran: compared with the server's own CPU it
/// shows whether other processes shared its core during a run.
pub fn core_ticks() -> Vec<(u64, u64)> {
    std::fs::read_to_string("/proc/stat")
        .map(|text| parse_core_ticks(&text))
        .unwrap_or_default()
}

fn parse_core_ticks(text: &str) -> Vec<(u64, u64)> {
    text.lines()
        .filter(|l| l.starts_with("cpu") && !l.starts_with("cpu "))
        .filter_map(|line| {
            // user nice system idle iowait irq softirq steal (guest time is already in user).
            let ticks: Vec<u64> = line
                .split_whitespace()
                .skip(1)
                .take(8)
                .filter_map(|v| v.parse().ok())
                .collect();
            let total: u64 = ticks.iter().sum();
            let idle = ticks.get(3)? + ticks.get(4)?;
            Some((total - idle, total))
        })
        .collect()
}

/// Fraction of each core that was busy between two [`core_ticks`] readings.
pub fn core_busy(before: &[(u64, u64)], after: &[(u64, u64)]) -> Vec<f64> {
    before
        .iter()
        .zip(after)
        .map(|(&(busy0, total0), &(busy1, total1))| {
            let total = total1.saturating_sub(total0);
            if total == 0 {
                0.0
            } else {
                busy1.saturating_sub(busy0) as f64 / total as f64
            }
        })
        .collect()
}

/// Waits until no core is busier than `threshold` over a `sample`, for at most `max`. Returns the
/// last reading if it gave up; `announce` is told the first busy reading. Other processes on the
/// pinned cores would take their time and distort a run's figures.
pub async fn wait_for_quiet(
    max: Duration,
    threshold: f64,
    sample: Duration,
    announce: impl FnOnce(&[f64]),
) -> Option<Vec<f64>> {
    if max.is_zero() {
        return None;
    }
    let deadline = Instant::now() + max;
    let mut announce = Some(announce);
    loop {
        let before = core_ticks();
        tokio::time::sleep(sample).await;
        let busy = core_busy(&before, &core_ticks());
        if busy.iter().all(|b| *b < threshold) {
            return None;
        }
        if Instant::now() >= deadline {
            return Some(busy);
        }
        if let Some(announce) = announce.take() {
            announce(&busy);
        }
    }
}

/// `"12%/3%"`: one percentage per core.
pub fn percents(fractions: &[f64]) -> String {
    let each: Vec<String> = fractions
        .iter()
        .map(|f| format!("{:.0}%", f * 100.0))
        .collect();
    each.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_load_is_what_the_measured_processes_do_not_explain() {
        let other = other_load(&[0.9, 0.5], &[(0, 0.85), (1, 0.2), (1, 0.1)]);
        assert!((other[0] - 0.05).abs() < 1e-9 && (other[1] - 0.2).abs() < 1e-9);
        assert_eq!(other_load(&[0.1], &[(0, 0.3)]), [0.0]);
    }

    #[test]
    fn core_busy_counts_everything_but_idle() {
        let before = parse_core_ticks(
            "cpu  9 9 9 9 9 9 9 9 0 0\ncpu0 10 0 10 100 0 0 0 0 0 0\ncpu1 0 0 0 0 0 0 0 0 0 0\n",
        );
        let after = parse_core_ticks(
            "cpu  9 9 9 9 9 9 9 9 0 0\ncpu0 40 0 30 130 10 0 10 0 0 0\ncpu1 0 0 0 50 0 0 0 0 0 0\n",
        );
        assert_eq!(core_busy(&before, &after), [0.6, 0.0]);
    }

    #[test]
    fn utime_and_stime_are_read_after_the_command_name() {
        let line = "42 (we ird) name)) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 5 0 0";
        assert_eq!(parse_stat(line), Some(Duration::from_millis(3000)));
    }

    #[test]
    fn a_garbled_stat_is_refused() {
        assert_eq!(parse_stat("42 (x) S 1"), None);
        assert_eq!(parse_stat("no parenthesis"), None);
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        let meter = CpuMeter::start(None).unwrap();
        let used = meter.stop().unwrap();
        assert!(used.cpu_secs >= 0.0 && used.wall_secs >= 0.0);
    }
}
