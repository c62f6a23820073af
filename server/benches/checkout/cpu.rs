//! The CPU time the bench's process spent, read from `/proc`: all its threads
//! (the bench's own HTTP clients included, as they share the machine's cores
//! with the store), and the store's writer thread alone. Every write of the
//! store passes through that one thread, so its time per order bounds the
//! orders a second the store can complete, whatever the other cores do.

use std::time::Duration;

/// The name the embedded store gives its writer thread.
const WRITER_THREAD: &str = "store-writer";

/// CPU time used so far.
#[derive(Clone, Copy)]
pub(super) struct Cpu {
    process: Duration,
    writer: Duration,
}

impl Cpu {
    pub(super) fn now() -> Self {
        let writer = std::fs::read_dir("/proc/self/task")
            .into_iter()
            .flatten()
            .flatten()
            .filter(|task| std::fs::read_to_string(task.path().join("comm")).is_ok_and(|c| c.trim() == WRITER_THREAD))
            .filter_map(|task| used(&std::fs::read_to_string(task.path().join("stat")).ok()?))
            .sum();
        let process = std::fs::read_to_string("/proc/self/stat").ok().and_then(|stat| used(&stat)).unwrap_or_default();
        Self { process, writer }
    }

    /// Prints the time spent since `earlier` per one of `count` things done.
    pub(super) fn print_per(&self, earlier: &Cpu, count: usize, what: &str) {
        let per = |spent: Duration| spent.as_secs_f64() * 1e6 / count.max(1) as f64;
        println!(
            "  CPU per {what}: {:.0} µs (bench and store together), of which the store's writer thread {:.0} µs",
            per(self.process.saturating_sub(earlier.process)),
            per(self.writer.saturating_sub(earlier.writer))
        );
    }
}

/// User and system time from a `stat` line of `/proc` (`utime` and `stime`,
/// the 14th and 15th fields, counted after the parenthesised name).
fn used(stat: &str) -> Option<Duration> {
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_secs_f64(ticks as f64 / rustix::param::clock_ticks_per_second() as f64))
}
