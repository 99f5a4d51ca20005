//! What `/proc` says about a process that matters to a run with thousands of sockets: its resident
//! memory, and how many files it may open.

/// Resident set size of `pid` (`None`: this process), KiB (`VmRSS` of `/proc/<pid>/status`).
pub fn rss_kib(pid: Option<u32>) -> Option<u64> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/status"),
        None => "/proc/self/status".to_owned(),
    };
    let status = std::fs::read_to_string(path).ok()?;
    status_field_kib(&status, "VmRSS:")
}

fn status_field_kib(status: &str, field: &str) -> Option<u64> {
    let value = status.lines().find_map(|l| l.strip_prefix(field))?;
    value.trim().trim_end_matches("kB").trim().parse().ok()
}

/// The soft limit on open files of this process (`Max open files` of `/proc/self/limits`).
pub fn open_files_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    limits_soft(&limits, "Max open files")
}

fn limits_soft(limits: &str, name: &str) -> Option<u64> {
    let line = limits.lines().find(|l| l.starts_with(name))?;
    let soft = line.get(name.len()..)?.split_whitespace().next()?;
    if soft == "unlimited" {
        return Some(u64::MAX);
    }
    soft.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_rss_is_read_in_kib() {
        let status = "Name:\thark\nVmPeak:\t  9000 kB\nVmRSS:\t    4242 kB\nThreads:\t1\n";
        assert_eq!(status_field_kib(status, "VmRSS:"), Some(4242));
        assert_eq!(status_field_kib("Name:\tx\n", "VmRSS:"), None);
    }

    #[test]
    fn the_soft_open_files_limit_is_the_first_column() {
        let limits = "Limit                     Soft Limit           Hard Limit           Units     \n\
                      Max open files            1024                 20000                files     \n";
        assert_eq!(limits_soft(limits, "Max open files"), Some(1024));
    }

    #[test]
    fn this_process_has_a_resident_size_and_a_file_limit() {
        assert!(rss_kib(None).unwrap() > 0);
        assert!(open_files_limit().unwrap() > 0);
    }
}
