//! What the repository holds: no secret and no data directory is committed.

#[test]
fn no_secret_or_data_file_is_tracked_by_git() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let out = std::process::Command::new("git").args(["ls-files"]).current_dir(root).output().expect("git runs");
    assert!(out.status.success(), "run the tests in a git checkout: {}", String::from_utf8_lossy(&out.stderr));
    let tracked = String::from_utf8_lossy(&out.stdout);
    let leaked: Vec<&str> = tracked
        .lines()
        .filter(|path| {
            let name = path.rsplit('/').next().unwrap_or(path);
            name == "secret.key" || name.ends_with(".redb") || path.split('/').any(|part| part == "data")
        })
        .collect();
    assert!(leaked.is_empty(), "secrets or data committed: {leaked:?}");
}
