//! Datagrams the kernel dropped because a socket's receive buffer was full, per local port, from
//! `/proc/net/udp{,6}`. They tell *where* loss happened: drops at the server's port mean the server
//! could not keep up with its input; drops at the clients' ports mean the generator could not keep
//! up with its input — the one thing a load generator must not do.

use std::collections::HashMap;

/// Sums the `drops` column of every UDP socket, keyed by local port. Missing files (no IPv6, no
/// `/proc`) count as no sockets: the figure is a diagnostic, not a result.
pub fn drops_by_port() -> HashMap<u16, u64> {
    let mut drops = HashMap::new();
    for path in ["/proc/net/udp", "/proc/net/udp6"] {
        if let Ok(text) = std::fs::read_to_string(path) {
            for (port, count) in text.lines().skip(1).filter_map(parse_line) {
                *drops.entry(port).or_insert(0) += count;
            }
        }
    }
    drops
}

/// Total drops at `ports` in `after` minus those in `before` (sockets opened between the two
/// readings start at zero).
pub fn dropped_since(
    before: &HashMap<u16, u64>,
    after: &HashMap<u16, u64>,
    ports: impl IntoIterator<Item = u16>,
) -> u64 {
    ports
        .into_iter()
        .map(|port| {
            let now = after.get(&port).copied().unwrap_or(0);
            now.saturating_sub(before.get(&port).copied().unwrap_or(0))
        })
        .sum()
}

/// `sl local_address rem_address st … drops`: the port is the hex after the colon of the second
/// field, the drop count the last field.
fn parse_line(line: &str) -> Option<(u16, u64)> {
    let mut fields = line.split_whitespace();
    let local = fields.nth(1)?;
    let (_, port) = local.rsplit_once(':')?;
    let port = u16::from_str_radix(port, 16).ok()?;
    let drops = fields.last()?.parse().ok()?;
    Some((port, drops))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_proc_line_gives_its_port_and_drops() {
        let line = "  183: 0100007F:1F90 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 12345 2 0000000000000000 17";
        assert_eq!(parse_line(line), Some((8080, 17)));
        assert_eq!(parse_line("garbage"), None);
    }

    #[test]
    fn drops_are_counted_from_the_first_reading() {
        let before = HashMap::from([(1, 5), (2, 0)]);
        let after = HashMap::from([(1, 7), (2, 1), (3, 4)]);
        assert_eq!(dropped_since(&before, &after, [1, 2, 3, 9]), 7);
    }
}
