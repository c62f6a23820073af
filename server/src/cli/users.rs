//! `tbs users create`: accounts from the command line (the first administrator).

use super::StoreCommandArgs;
use crate::identity::Identity;
use anyhow::Context;
use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum UsersCommand {
    /// Create an account, e.g. `tbs users create --email ann@example.com --name Ann --role admin`
    /// (the password is read from TBS_NEW_USER_PASSWORD, or --password).
    Create {
        #[command(flatten)]
        store: StoreCommandArgs,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// At least 10 characters; prefer the environment variable (command lines are visible to others)
        #[arg(long, env = "TBS_NEW_USER_PASSWORD", hide_env_values = true)]
        password: String,
        /// Roles besides shopper: dispatcher, admin (repeat or separate with commas)
        #[arg(long, value_delimiter = ',', value_parser = parse_role)]
        role: Vec<app::account::Role>,
    },
}

fn parse_role(s: &str) -> Result<app::account::Role, String> {
    app::account::Role::parse(s).ok_or_else(|| format!("unknown role {s:?}: use shopper, dispatcher or admin"))
}

pub async fn run(command: UsersCommand) -> anyhow::Result<()> {
    let UsersCommand::Create { store, email, name, password, role } = command;
    let settings = store.settings()?;
    let opened = crate::startup::open_store(&settings).await.with_context(|| {
        format!("cannot open the store (is `tbs serve` running on {}?)", settings.data_dir.display())
    })?;
    let identity = Identity::open(&*opened, false, None).await?;
    let account = identity.create_user(&email, &name, &password, &role).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let roles: Vec<String> = account.roles.iter().map(|r| r.to_string()).collect();
    println!("created {} <{}> with roles {}", account.id, account.email, roles.join(", "));
    Ok(())
}
