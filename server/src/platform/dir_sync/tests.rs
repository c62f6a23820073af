use super::DirSync;
use std::io;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

const DEADLINE: Duration = Duration::from_secs(10);

/// A directory sync that counts its calls and holds the `n`th until `n`
/// syncs have been let through.
#[derive(Default)]
struct Gated {
    syncs: AtomicUsize,
    let_through: Mutex<usize>,
    opened: Condvar,
}

impl Gated {
    fn sync(&self) -> io::Result<()> {
        let n = self.syncs.fetch_add(1, Ordering::SeqCst) + 1;
        let through = self.let_through.lock().unwrap();
        let (through, waited) = self.opened.wait_timeout_while(through, DEADLINE, |through| *through < n).unwrap();
        drop(through);
        assert!(!waited.timed_out(), "sync {n} was never let through");
        Ok(())
    }

    fn let_one_through(&self) {
        *self.let_through.lock().unwrap() += 1;
        self.opened.notify_all();
    }
}

fn gated() -> (Arc<Gated>, Arc<DirSync>) {
    let gated = Arc::new(Gated::default());
    let hook = gated.clone();
    (gated, Arc::new(DirSync::with(PathBuf::from("mail"), Box::new(move |_| hook.sync()))))
}

fn wait_until(what: &str, done: impl Fn() -> bool) {
    let deadline = Instant::now() + DEADLINE;
    while !done() {
        assert!(Instant::now() < deadline, "never: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

#[test]
fn callers_who_ask_during_a_sync_share_the_next_one_and_are_not_released_by_it() {
    const CALLERS: usize = 16;
    let (gated, dir) = gated();
    let returned = Arc::new(AtomicUsize::new(0));
    let callers: Vec<_> = (0..CALLERS)
        .map(|_| {
            let (dir, returned) = (dir.clone(), returned.clone());
            std::thread::spawn(move || {
                dir.sync().unwrap();
                returned.fetch_add(1, Ordering::SeqCst);
            })
        })
        .collect();
    wait_until("every caller asked", || dir.state().asked == CALLERS as u64);
    assert_eq!(gated.syncs.load(Ordering::SeqCst), 1, "one sync at a time");
    gated.let_one_through();
    wait_until("the first caller returned and the second sync began", || {
        returned.load(Ordering::SeqCst) >= 1 && gated.syncs.load(Ordering::SeqCst) == 2
    });
    assert_eq!(returned.load(Ordering::SeqCst), 1, "only the caller the first sync covered returned");
    gated.let_one_through();
    callers.into_iter().for_each(|caller| caller.join().unwrap());
    assert_eq!(returned.load(Ordering::SeqCst), CALLERS);
    assert_eq!(gated.syncs.load(Ordering::SeqCst), 2, "{CALLERS} callers, two syncs");
}

#[test]
fn a_failed_sync_fails_its_caller_and_the_next_call_syncs_again() {
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let dir = DirSync::with(
        PathBuf::from("mail"),
        Box::new(move |_| match counted.fetch_add(1, Ordering::SeqCst) {
            0 => Err(io::Error::other("disk gone")),
            _ => Ok(()),
        }),
    );
    assert_eq!(dir.sync().unwrap_err().to_string(), "disk gone");
    dir.sync().unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);
}

#[test]
fn a_real_directory_is_synced() {
    let dir = tempfile::tempdir().unwrap();
    DirSync::new(dir.path().to_path_buf()).sync().unwrap();
    let missing = DirSync::new(dir.path().join("missing"));
    assert_eq!(missing.sync().unwrap_err().kind(), io::ErrorKind::NotFound);
}
