//! `tbs faults list|resubmit`: operating on dead-lettered events.

use super::StoreCommandArgs;
use crate::config::Backend;
use crate::platform::hub::Fault;
use anyhow::Context;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum FaultsCommand {
    /// List faults, oldest first: id, consumer, event, attempts, time, error.
    List {
        #[command(flatten)]
        store: StoreCommandArgs,
        /// Print JSON (one fault per line) instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Put a fault's event back on its consumer's queue (after fixing the cause).
    Resubmit {
        #[command(flatten)]
        store: StoreCommandArgs,
        /// The fault's id, as `tbs faults list` shows it.
        id: String,
    },
}

pub async fn run(command: FaultsCommand) -> anyhow::Result<()> {
    let (store_args, action) = match command {
        FaultsCommand::List { store, json } => (store, Action::List { json }),
        FaultsCommand::Resubmit { store, id } => (store, Action::Resubmit(id)),
    };
    let settings = store_args.settings()?;
    let opened = async {
        let store = crate::startup::open_store(&settings).await?;
        crate::startup::open_hub(&settings, &*store, Vec::new()).await
    };
    let hub = opened.await.with_context(|| match settings.backend {
        Backend::Embedded => {
            format!("cannot open the event hub in {} (is `tbs serve` running on it?)", settings.data_dir.display())
        }
        Backend::Aws => "cannot reach the AWS event hub".to_string(),
    })?;
    match action {
        Action::List { json } => {
            let faults = hub.faults().await?;
            if json {
                for fault in &faults {
                    println!("{}", serde_json::to_string(fault)?);
                }
            } else {
                print_table(&faults);
            }
        }
        Action::Resubmit(id) => {
            let fault = hub.resubmit(&id).await?;
            println!(
                "resubmitted event {} ({}) to consumer {}",
                fault.event.id, fault.event.event_type, fault.consumer
            );
        }
    }
    Ok(())
}

enum Action {
    List { json: bool },
    Resubmit(String),
}

fn print_table(faults: &[Fault]) {
    if faults.is_empty() {
        println!("no faults");
        return;
    }
    println!("{:<32}  {:<14}  {:<24}  {:>8}  {:<20}  ERROR", "ID", "CONSUMER", "EVENT", "ATTEMPTS", "FAILED AT (UTC)");
    for f in faults {
        let at = f.failed_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        println!(
            "{:<32}  {:<14}  {:<24}  {:>8}  {:<20}  {}",
            f.id, f.consumer, f.event.event_type, f.attempts, at, f.error
        );
    }
}
