//! Keeps the linker's relocations in the WASM module: wasm-split (run by
//! `cargo xtask build`) reads them to cut the lazily loaded micro-apps out.

fn main() {
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-cdylib=--emit-relocs");
    }
}
