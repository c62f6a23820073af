//! How many connections one client, and all clients together, may hold
//! open. A live order page holds its connection for as long as it is open,
//! so without a cap one client could open streams until the process ran out
//! of file descriptors (and no one else got in) or of memory (each open
//! stream costs about 25 KB). Past its share, a client's new connection is
//! refused; past the total, anyone's is (see [`super::refuse`]).
//!
//! Only clients with a connection open are counted, so what this keeps is
//! bounded by the total.

use super::client;
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Why a connection was not admitted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Its client already holds its share of connections.
    ClientFull,
    /// The server holds as many connections as it may.
    ServerFull,
}

/// The connections open now, per client and in all.
pub struct Admission {
    /// Per client; 0: no cap.
    per_client: usize,
    total: usize,
    open: Mutex<Open>,
}

#[derive(Default)]
struct Open {
    all: usize,
    by_client: HashMap<u128, usize>,
}

/// An admitted connection; dropping it (when the connection ends) frees its place.
pub struct Admitted {
    admission: Arc<Admission>,
    client: u128,
}

impl Admission {
    pub fn new(per_client: usize, total: usize) -> Arc<Self> {
        Arc::new(Self { per_client, total, open: Mutex::default() })
    }

    /// Admits a connection from `ip` if its client and the server have room.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Admitted, Refusal> {
        let client = client(ip);
        let mut open = self.open.lock().expect("admission lock");
        if open.all >= self.total {
            return Err(Refusal::ServerFull);
        }
        let held = open.by_client.get(&client).copied().unwrap_or(0);
        if self.per_client > 0 && held >= self.per_client {
            return Err(Refusal::ClientFull);
        }
        open.by_client.insert(client, held + 1);
        open.all += 1;
        Ok(Admitted { admission: self.clone(), client })
    }

    /// Connections open now: in all, and the number of clients holding them.
    #[cfg(test)]
    fn counts(&self) -> (usize, usize) {
        let open = self.open.lock().expect("admission lock");
        (open.all, open.by_client.len())
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut open = self.admission.open.lock().expect("admission lock");
        open.all -= 1;
        if let Some(held) = open.by_client.get_mut(&self.client) {
            *held -= 1;
            if *held == 0 {
                open.by_client.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_client_gets_its_share_and_its_place_back_when_a_connection_ends() {
        let admission = Admission::new(2, 100);
        let first = admission.admit(ip("192.0.2.1")).unwrap();
        let _second = admission.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(admission.admit(ip("192.0.2.1")).err(), Some(Refusal::ClientFull));
        assert!(admission.admit(ip("192.0.2.2")).is_ok(), "another client has its own share");
        drop(first);
        assert!(admission.admit(ip("192.0.2.1")).is_ok());
    }

    #[test]
    fn an_ipv6_client_is_its_slash_64() {
        let admission = Admission::new(1, 100);
        let _held = admission.admit(ip("2001:db8:1:2::1")).unwrap();
        assert_eq!(admission.admit(ip("2001:db8:1:2::ffff")).err(), Some(Refusal::ClientFull));
        assert!(admission.admit(ip("2001:db8:1:3::1")).is_ok());
    }

    #[test]
    fn past_the_total_no_one_is_admitted() {
        let admission = Admission::new(0, 2);
        let _a = admission.admit(ip("192.0.2.1")).unwrap();
        let b = admission.admit(ip("192.0.2.1")).unwrap();
        assert_eq!(admission.admit(ip("192.0.2.9")).err(), Some(Refusal::ServerFull));
        drop(b);
        assert!(admission.admit(ip("192.0.2.9")).is_ok());
    }

    #[test]
    fn clients_with_nothing_open_are_forgotten() {
        let admission = Admission::new(4, 100);
        let held: Vec<_> = (1..=50).map(|n| admission.admit(ip(&format!("192.0.2.{n}"))).unwrap()).collect();
        assert_eq!(admission.counts(), (50, 50));
        drop(held);
        assert_eq!(admission.counts(), (0, 0));
    }
}
