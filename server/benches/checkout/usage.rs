//! What the store's calls would cost on DynamoDB, read from its counters
//! (`tbs_store_*`): calls by kind and capacity units per table, the
//! embedded writer's commits, and the calls an idle store makes.

use std::collections::BTreeMap;
use std::time::Duration;

/// The columns of the per-order table: a counter, and its heading.
const PER_ORDER: [(&str, &str); 8] = [
    ("get", "get"),
    ("query", "query"),
    ("put", "put"),
    ("delete", "delete"),
    ("transact", "transact"),
    ("batch", "batch"),
    ("write_units", "WCU"),
    ("read_units", "RCU"),
];

/// The store counters (`tbs_store_*`) by table: calls by kind, and capacity units.
#[derive(Default)]
pub(super) struct Usage(BTreeMap<String, BTreeMap<String, f64>>);

impl Usage {
    pub(super) fn now() -> Self {
        let mut usage = Usage::default();
        for line in server::platform::metrics::handle().render().lines() {
            let Some(rest) = line.strip_prefix("tbs_store_") else { continue };
            let Some((name, labels, value)) = Self::sample(rest) else { continue };
            let label = |key: &str| labels.split(',').find_map(|l| l.strip_prefix(&format!("{key}=\"")));
            let table = label("table").unwrap_or_default().trim_end_matches('"').to_string();
            let what = match label("call") {
                Some(call) => call.trim_end_matches('"').to_string(),
                None => name.trim_end_matches("_total").to_string(),
            };
            *usage.0.entry(table).or_default().entry(what).or_default() += value.parse::<f64>().unwrap_or(0.0);
        }
        usage
    }

    /// A sample line's name, labels (empty when it has none) and value;
    /// `None` for a histogram's buckets.
    fn sample(line: &str) -> Option<(&str, &str, &str)> {
        let (name, labels, value) = match line.split_once('{') {
            Some((name, rest)) => {
                let (labels, value) = rest.split_once("} ")?;
                (name, labels, value)
            }
            None => {
                let (name, value) = line.split_once(' ')?;
                (name, "", value)
            }
        };
        (!name.ends_with("_bucket")).then_some((name, labels, value))
    }

    pub(super) fn since(&self, earlier: &Usage) -> Usage {
        let mut diff = Usage::default();
        for (table, counts) in &self.0 {
            for (what, n) in counts {
                let before = earlier.0.get(table).and_then(|c| c.get(what)).copied().unwrap_or(0.0);
                if *n > before {
                    diff.0.entry(table.clone()).or_default().insert(what.clone(), n - before);
                }
            }
        }
        diff
    }

    fn calls(counts: &BTreeMap<String, f64>) -> f64 {
        ["get", "put", "delete", "query", "transact"].iter().filter_map(|c| counts.get(*c)).sum()
    }

    pub(super) fn print_idle(&self, over: Duration) {
        let total: f64 = self.0.values().map(Self::calls).sum();
        let by_table: Vec<String> = self
            .0
            .iter()
            .map(|(table, counts)| format!("{table} {:.1}", Self::calls(counts) / over.as_secs_f64()))
            .collect();
        println!(
            "idle store calls: {:.1}/s ({})",
            total / over.as_secs_f64(),
            if by_table.is_empty() { "none".to_string() } else { by_table.join(", ") }
        );
    }

    /// The embedded store's commits over `over` (one writer for every table):
    /// how many, how many writes each carried, and the share of the time the
    /// writer spent committing; then its checkpoints: how many, and how long each took.
    pub(super) fn print_commits(&self, over: Duration) {
        let busy: Vec<String> = self
            .0
            .iter()
            .filter_map(|(table, c)| {
                let commits = *c.get("commit_seconds_count")?;
                let writes = c.get("commit_requests_sum").copied().unwrap_or(0.0);
                let seconds = c.get("commit_seconds_sum").copied().unwrap_or(0.0);
                let table = if table.is_empty() { "store" } else { table.as_str() };
                let checkpoints = c.get("checkpoint_seconds_count").copied().unwrap_or(0.0);
                let checkpoint_seconds = c.get("checkpoint_seconds_sum").copied().unwrap_or(0.0);
                Some(format!(
                    "{table} {:.0}/s × {:.1} writes, busy {:.0} %; checkpoints {:.1}/s, {:.0} ms each",
                    commits / over.as_secs_f64(),
                    writes / commits,
                    100.0 * seconds / over.as_secs_f64(),
                    checkpoints / over.as_secs_f64(),
                    1000.0 * checkpoint_seconds / checkpoints.max(1.0)
                ))
            })
            .collect();
        println!("  commits: {}", busy.join("; "));
    }

    pub(super) fn print_per_order(&self, orders: usize) {
        let n = orders as f64;
        println!("per completed order, as DynamoDB would bill it (counted at the store port):");
        let row = |name: &str, cells: Vec<String>| println!("{name:<18} {}", cells.join(" "));
        row("table", PER_ORDER.iter().map(|(_, heading)| format!("{heading:>8}")).collect());
        let mut total = [0.0; PER_ORDER.len()];
        // The store's commits have no table: not a row of their own.
        for (table, counts) in self.0.iter().filter(|(table, _)| !table.is_empty()) {
            let per: Vec<f64> = PER_ORDER.iter().map(|(k, _)| counts.get(*k).copied().unwrap_or(0.0) / n).collect();
            per.iter().zip(total.iter_mut()).for_each(|(v, t)| *t += v);
            row(table, per.iter().map(|v| format!("{v:>8.1}")).collect());
        }
        row("all", total.iter().map(|v| format!("{v:>8.1}")).collect());
    }
}
