//! The clients' WebSocket connections in core mode: which `ConnectionId` each client's open
//! connection has, and which client every id ever used belonged to (events name connections the
//! service has already forgotten).

use std::collections::BTreeMap;

use hark_core::ConnectionId;

#[derive(Debug, Clone, Default)]
pub struct Connections {
    next: u64,
    open: BTreeMap<String, ConnectionId>,
    owners: BTreeMap<ConnectionId, String>,
}

impl Connections {
    /// A fresh id for `client`'s new connection; `None` if one is open.
    pub fn open(&mut self, client: &str) -> Option<ConnectionId> {
        if self.open.contains_key(client) {
            return None;
        }
        self.next += 1;
        let id = ConnectionId(self.next);
        self.open.insert(client.to_owned(), id);
        self.owners.insert(id, client.to_owned());
        Some(id)
    }

    /// The client's open connection.
    pub fn current(&self, client: &str) -> Option<ConnectionId> {
        self.open.get(client).copied()
    }

    pub fn is_open(&self, id: ConnectionId) -> bool {
        self.open.values().any(|open| *open == id)
    }

    /// The connection ends (either side closed it, or the service refused it).
    pub fn end(&mut self, id: ConnectionId) {
        self.open.retain(|_, open| *open != id);
    }

    /// The client `id` belongs to, or the id itself for one the runner never opened.
    pub fn name(&self, id: ConnectionId) -> String {
        self.owners
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("connection {}", id.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_has_one_open_connection_at_a_time_and_ids_are_never_reused() {
        let mut conns = Connections::default();
        let first = conns.open("a").unwrap();
        assert_eq!(conns.open("a"), None);
        conns.end(first);
        assert!(!conns.is_open(first));
        let second = conns.open("a").unwrap();
        assert_ne!(first, second);
        assert_eq!(conns.name(first), "a");
        assert_eq!(conns.current("a"), Some(second));
    }
}
