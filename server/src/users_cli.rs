//! `tbs users create`: accounts from the command line (the first administrator).

use crate::cli::UsersCommand;
use crate::identity::Identity;
use anyhow::Context;

pub async fn run(command: UsersCommand) -> anyhow::Result<()> {
    let UsersCommand::Create { store, email, name, password, role } = command;
    let settings = store.settings()?;
    let opened = crate::startup::open_store(&settings).await.with_context(|| {
        format!("cannot open the store (is `tbs serve` running on {}?)", settings.data_dir.display())
    })?;
    let identity = Identity::open(&*opened, false, None).await?;
    let account = identity.create_user(&email, &name, &password, &role).await.map_err(|e| anyhow::anyhow!("{e}"))?;
    let roles: Vec<String> = account.roles.iter().map(|r| format!("{r:?}").to_lowercase()).collect();
    println!("created {} <{}> with roles {}", account.id, account.email, roles.join(", "));
    Ok(())
}
