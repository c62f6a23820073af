//! Compressing the site's bundle at build time — brotli at its best quality
//! and gzip — so the server sends the smallest files (`<file>.br`,
//! `<file>.gz` beside each) without compressing them again per request.

use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

/// One file's sizes in bytes: as built, brotli, gzip.
pub struct Sizes {
    pub name: String,
    pub raw: usize,
    pub br: usize,
    pub gz: usize,
}

/// Writes `.br` and `.gz` beside every `.wasm`, `.js` and `.css` file in `dir`.
pub fn precompress(dir: &Path) -> Result<Vec<Sizes>> {
    let mut sizes = Vec::new();
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))? {
        let path = entry?.path();
        let compressible =
            path.extension().and_then(|e| e.to_str()).is_some_and(|e| ["wasm", "js", "css"].contains(&e));
        if !compressible {
            continue;
        }
        let raw = std::fs::read(&path)?;
        let (br, gz) = (brotli_best(&raw)?, gzip_best(&raw)?);
        std::fs::write(with_suffix(&path, "br"), &br)?;
        std::fs::write(with_suffix(&path, "gz"), &gz)?;
        let name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        sizes.push(Sizes { name, raw: raw.len(), br: br.len(), gz: gz.len() });
    }
    sizes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(sizes)
}

fn with_suffix(path: &Path, suffix: &str) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(format!(".{suffix}"));
    name.into()
}

fn brotli_best(raw: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 24);
        writer.write_all(raw)?;
    }
    Ok(out)
}

fn gzip_best(raw: &[u8]) -> Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw)?;
    Ok(encoder.finish()?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn each_bundle_file_gets_a_brotli_and_a_gzip_copy_that_unpack_to_it() {
        let dir = tempfile::tempdir().unwrap();
        let js = "export function hydrate() { return 'the same words again and again'; }\n".repeat(200);
        std::fs::write(dir.path().join("tbs.js"), &js).unwrap();
        std::fs::write(dir.path().join("notes.txt"), "left alone").unwrap();
        let sizes = precompress(dir.path()).unwrap();
        assert_eq!(sizes.len(), 1, "only the bundle's kinds of file");
        assert!(sizes[0].br < sizes[0].raw && sizes[0].gz < sizes[0].raw);
        let mut unpacked = String::new();
        let br = std::fs::read(dir.path().join("tbs.js.br")).unwrap();
        brotli::Decompressor::new(&br[..], 4096).read_to_string(&mut unpacked).unwrap();
        assert_eq!(unpacked, js);
        let gz = std::fs::read(dir.path().join("tbs.js.gz")).unwrap();
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gz[..]).read_to_string(&mut unzipped).unwrap();
        assert_eq!(unzipped, js);
        assert!(!dir.path().join("notes.txt.br").exists());
    }
}
