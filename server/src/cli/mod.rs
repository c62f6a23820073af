//! The `tbs` command line.

mod faults;
mod serve;
mod users;

pub use faults::FaultsCommand;
pub use serve::{ServeArgs, StoreArgs, StoreCommandArgs};
pub use users::UsersCommand;

use crate::config::Backend;
use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(name = "tbs", version, about = "The Better Store: shop, checkout, fulfilment and reports in one binary")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the store (web UI and JSON APIs) until SIGTERM or Ctrl-C.
    ///
    /// Settings are layered: built-in defaults, then the config file, then
    /// TBS_* environment variables, then these flags.
    Serve(Box<ServeArgs>),
    /// Events a consumer could not handle (dead-lettered after 7 attempts, about a minute).
    ///
    /// Works on the embedded store in the data directory, so stop `tbs serve`
    /// first (the embedded database allows one process at a time).
    #[command(subcommand)]
    Faults(FaultsCommand),
    /// Accounts, e.g. to create the first administrator.
    ///
    /// Works on the configured store; with the embedded backend stop `tbs serve` first.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Cloud resources for the aws backend.
    #[command(subcommand)]
    Infra(InfraCommand),
}

#[derive(Debug, Subcommand)]
pub enum InfraCommand {
    /// Create, idempotently, every table (its time to live on), the event bus, and each consumer's
    /// rule, queue and dead-letter queue on the configured AWS endpoint.
    Apply {
        #[command(flatten)]
        store: StoreCommandArgs,
    },
}

/// Parses the command line and runs the chosen command.
pub async fn run() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Serve(args) => {
            let settings = args.settings()?;
            crate::telemetry::init(settings.log_format, &settings.log_level);
            let app = crate::startup::Application::build(settings).await?;
            app.run_until(crate::startup::shutdown_signal()).await
        }
        Command::Faults(command) => faults::run(command).await,
        Command::Users(command) => users::run(command).await,
        Command::Infra(InfraCommand::Apply { store }) => {
            let mut settings = store.settings()?;
            settings.backend = Backend::Aws;
            for line in crate::startup::infra_apply(&settings).await? {
                println!("{line}");
            }
            println!("infrastructure is in place");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_is_well_formed() {
        Cli::command().debug_assert();
    }
}
