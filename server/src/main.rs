//! `tbs`: The Better Store's single binary. Everything lives in the library.

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    server::cli::run().await
}
