//! The clients' management connections in core mode: which `ConnectionId` each client's current
//! connection has, and which client every id ever used belonged to (events name connections the
//! service has already forgotten).

use std::collections::BTreeMap;

use hark_core::voice::ConnectionId;

/// A client's latest connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Current {
    id: ConnectionId,
    /// The service closed it; the client has not (yet) closed its end.
    closed_by_server: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Connections {
    next: u64,
    current: BTreeMap<String, Current>,
    owners: BTreeMap<ConnectionId, String>,
}

impl Connections {
    /// A fresh id for `client`'s new connection; `None` if its previous one is still open.
    pub fn open(&mut self, client: &str) -> Option<ConnectionId> {
        if self
            .current
            .get(client)
            .is_some_and(|c| !c.closed_by_server)
        {
            return None;
        }
        self.next += 1;
        let id = ConnectionId(self.next);
        self.current.insert(
            client.to_owned(),
            Current {
                id,
                closed_by_server: false,
            },
        );
        self.owners.insert(id, client.to_owned());
        Some(id)
    }

    /// The client's connection, open or closed by the server, that the client has not closed.
    pub fn current(&self, client: &str) -> Option<ConnectionId> {
        self.current.get(client).map(|c| c.id)
    }

    /// Whether `id` is open as far as the service is concerned.
    pub fn is_open(&self, id: ConnectionId) -> bool {
        self.current
            .values()
            .any(|c| c.id == id && !c.closed_by_server)
    }

    /// The client closes its connection.
    pub fn close_by_client(&mut self, client: &str) -> Option<ConnectionId> {
        self.current.remove(client).map(|c| c.id)
    }

    /// The service closed `id`.
    pub fn close_by_server(&mut self, id: ConnectionId) {
        if let Some(current) = self.current.values_mut().find(|c| c.id == id) {
            current.closed_by_server = true;
        }
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
    fn a_client_has_one_open_connection_at_a_time() {
        let mut conns = Connections::default();
        let first = conns.open("a").unwrap();
        assert_eq!(conns.open("a"), None);
        conns.close_by_server(first);
        assert!(!conns.is_open(first));
        let second = conns.open("a").unwrap();
        assert_ne!(first, second);
        assert_eq!(conns.name(first), "a");
        assert_eq!(conns.close_by_client("a"), Some(second));
        assert_eq!(conns.current("a"), None);
    }
}
