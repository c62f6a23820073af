//! Metric handles kept by their label values. A `metrics` macro given
//! labels builds the metric's key on every call (each label an allocated
//! string), hashes it and looks it up in the recorder's registry: for the
//! two metrics of a request, about 19,000 instructions (callgrind), a
//! seventh of a request's whole cost through the edge. Kept here, a request
//! or a delivery finds its handles with one lookup by a string it already
//! has, and registers them only the first time its labels occur.

use std::collections::HashMap;
use std::sync::{PoisonError, RwLock};

/// Handles of type `T`, by a first label's value, then any others (the few
/// combinations one value occurs with are told apart by `matches`).
pub(super) struct Handles<T> {
    by: RwLock<HashMap<String, Vec<T>>>,
}

impl<T: Clone> Handles<T> {
    pub(super) fn new() -> Self {
        Self { by: RwLock::new(HashMap::new()) }
    }

    /// The handles under `first` that `matches`, registered by `register`
    /// if these labels are new.
    pub(super) fn get(&self, first: &str, matches: impl Fn(&T) -> bool, register: impl FnOnce() -> T) -> T {
        let by = self.by.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = by.get(first).and_then(|kept| kept.iter().find(|t| matches(t))) {
            return found.clone();
        }
        drop(by);
        let mut by = self.by.write().unwrap_or_else(PoisonError::into_inner);
        let kept = by.entry(first.to_owned()).or_default();
        if let Some(found) = kept.iter().find(|t| matches(t)) {
            return found.clone();
        }
        let registered = register();
        kept.push(registered.clone());
        registered
    }
}

#[cfg(test)]
mod tests {
    use super::Handles;
    use std::cell::Cell;

    #[test]
    fn labels_are_registered_once_and_found_after() {
        let handles = Handles::new();
        let registered = Cell::new(0);
        let get = |route: &str, status: u16| {
            let register = || {
                registered.set(registered.get() + 1);
                (status, format!("{route} {status}"))
            };
            handles.get(route, |(s, _)| *s == status, register).1
        };
        assert_eq!(get("/a", 200), "/a 200");
        assert_eq!(get("/a", 200), "/a 200");
        assert_eq!(registered.get(), 1, "the same labels again are found, not registered");
        assert_eq!(get("/a", 404), "/a 404");
        assert_eq!(get("/b", 200), "/b 200");
        assert_eq!(get("/a", 404), "/a 404");
        assert_eq!(registered.get(), 3, "each new combination is registered once");
    }
}
