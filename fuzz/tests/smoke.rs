//! Each fuzz target run once on each of its seeds, then for three seconds of libFuzzer's
//! random mutation. Built without coverage instrumentation (as the rest of the suite), so
//! this keeps the targets building and running rather than searching; `cargo fuzz run`
//! does the search. A panic in a parser fails the run, and so this test.

use std::path::{Path, PathBuf};
use std::process::Command;

fn seeds(target: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("seeds")
        .join(target);
    let mut seeds: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    seeds.sort();
    assert!(!seeds.is_empty(), "no seeds in {}", dir.display());
    seeds
}

fn smoke(target: &str, bin: &str) {
    let seeds = seeds(target);
    let once = Command::new(bin).args(&seeds).output().unwrap();
    assert!(once.status.success(), "{target} on its seeds: {once:?}");
    // libFuzzer adds what it finds to the corpus directory: a copy, not the seeds.
    let corpus = tempfile::tempdir().unwrap();
    for seed in &seeds {
        std::fs::copy(seed, corpus.path().join(seed.file_name().unwrap())).unwrap();
    }
    let run = Command::new(bin)
        // Uninstrumented, libFuzzer would drop the seeds as adding no coverage.
        .args(["-max_total_time=3", "-seed=1", "-keep_seed=1"])
        .arg(corpus.path())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{target}: {stderr}");
    let done = stderr
        .lines()
        .find(|l| l.starts_with("Done "))
        .unwrap_or_default();
    assert!(done.contains(" runs in "), "{target}: {stderr}");
    println!("{target}: {done}");
}

#[test]
fn layer() {
    smoke("layer", env!("CARGO_BIN_EXE_layer"));
}

#[test]
fn state() {
    smoke("state", env!("CARGO_BIN_EXE_state"));
}

#[test]
fn manifest() {
    smoke("manifest", env!("CARGO_BIN_EXE_manifest"));
}
