//! Invariant 1 of the design: the core does no I/O, reads no clock, draws no randomness and
//! spawns no threads. The no_std build in CI proves the core compiles without `std`, but with
//! the default `std` feature on, a `cfg(feature = "std")` block could still reach for a socket
//! or `Instant::now()`. This test reads the library's own source and fails when any module
//! outside the `host` feature names such an API, and when a runtime or randomness crate
//! becomes a library dependency.

use std::fs;
use std::path::{Path, PathBuf};

/// APIs that would make the core do I/O, read the clock, or depend on the environment.
/// `std::time::Instant` as a type is fine (the caller passes it in); calling `now` is not.
const FORBIDDEN: &[&str] = &[
    "std::net",
    "std::fs",
    "std::io",
    "std::thread",
    "std::process",
    "std::env",
    "std::sync",
    "Instant::now",
    "SystemTime",
    "UNIX_EPOCH",
    "rand::",
    "getrandom",
    "tokio",
    "async fn",
];

/// Crates the library must not depend on: runtimes, HTTP clients, randomness.
const FORBIDDEN_DEPS: &[&str] = &[
    "tokio",
    "async-std",
    "smol",
    "hyper",
    "reqwest",
    "ureq",
    "rand",
    "getrandom",
    "futures",
];

/// Files outside the Sans-IO core: the `host` feature exists to do I/O for the caller,
/// `tests.rs` files are `#[cfg(test)]` modules, and `drive/` is a driver shipped with the
/// crate (checked by [`drive_helpers_do_no_io_of_their_own`] instead).
fn outside_core(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name == "host.rs" || name == "tests.rs" || in_drive(path)
}

fn in_drive(path: &Path) -> bool {
    path.parent()
        .and_then(|p| p.file_name())
        .is_some_and(|n| n == "drive")
}

/// What the drive helpers may not name either: they run the caller's loop (so they may be
/// `async`, and with `std` default to the caller's clock and park the calling thread while a
/// flow waits), but every byte goes through the caller's transport.
const FORBIDDEN_IN_DRIVE: &[&str] = &[
    "std::net",
    "std::fs",
    "std::io",
    "std::process",
    "std::env",
    "SystemTime",
    "UNIX_EPOCH",
    "rand::",
    "getrandom",
    "tokio",
    "spawn",
];

/// Every library line of `files` that names one of `apis`, as `path:line: api: code`.
fn naming(files: &[&PathBuf], apis: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    for path in files {
        let text = fs::read_to_string(path).expect("source file");
        for (line_no, line) in library_lines(&text) {
            for api in apis.iter().filter(|api| line.contains(*api)) {
                found.push(format!(
                    "{}:{line_no}: {api}: {}",
                    path.display(),
                    line.trim()
                ));
            }
        }
    }
    found
}

#[test]
fn drive_helpers_do_no_io_of_their_own() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let drive: Vec<_> = files.iter().filter(|p| in_drive(p)).collect();
    assert!(
        drive.len() >= 3,
        "the drive module is not where it was: {drive:?}"
    );
    let found = naming(&drive, FORBIDDEN_IN_DRIVE);
    assert!(
        found.is_empty(),
        "the drive helpers name I/O APIs:\n{}",
        found.join("\n")
    );
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("reading {}: {e}", dir.display()))
        .map(|e| e.expect("directory entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The code lines of a source file that are compiled into the library: comments are dropped,
/// and so is everything from an inline `#[cfg(test)] mod tests` block on (such blocks sit at
/// the end of a file in this crate).
fn library_lines(text: &str) -> Vec<(usize, &str)> {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let code = line.trim_start();
        if code == "#[cfg(test)]"
            && lines
                .get(i + 1)
                .is_some_and(|next| next.trim_start().starts_with("mod tests"))
        {
            break;
        }
        if code.starts_with("//") {
            continue;
        }
        out.push((i + 1, *line));
    }
    out
}

#[test]
fn core_names_no_io_clock_thread_or_randomness_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src"), &mut files);
    let core: Vec<_> = files.iter().filter(|p| !outside_core(p)).collect();
    // A guard against a vacuous pass: the core modules must be here to be checked.
    for expected in ["lib.rs", "machine", "challenge", "token", "cred_helper.rs"] {
        assert!(
            core.iter().any(|p| p
                .strip_prefix(root.join("src"))
                .unwrap()
                .starts_with(expected)),
            "{expected} not found under src/"
        );
    }

    let found = naming(&core, FORBIDDEN);
    assert!(
        found.is_empty(),
        "the Sans-IO core names I/O APIs:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_check_sees_forbidden_code_and_ignores_comments_and_tests() {
    let sample = "use core::fmt;\n\
                  // std::fs in a comment is fine\n\
                  fn f() { let _ = std::time::Instant::now(); }\n\
                  #[cfg(test)]\n\
                  mod tests { fn g() { std::fs::read(\"x\"); } }\n";
    let lines = library_lines(sample);
    assert_eq!(lines.len(), 2);
    assert_eq!(lines[1].0, 3);
    assert!(lines[1].1.contains("Instant::now"));
    assert!(!lines.iter().any(|(_, l)| l.contains("std::fs")));
}

#[test]
fn library_depends_on_no_runtime_client_or_randomness() {
    let manifest = fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("Cargo.toml"))
        .expect("Cargo.toml");
    // Only the library's own `[dependencies]` table: examples and tests may use anything.
    let deps: Vec<&str> = manifest
        .split("\n[")
        .find(|section| section.starts_with("dependencies]"))
        .expect("a [dependencies] table")
        .lines()
        .skip(1)
        .filter_map(|line| line.split('=').next())
        .map(str::trim)
        .filter(|name| !name.is_empty() && !name.starts_with('#'))
        .collect();
    assert!(deps.contains(&"nom"), "dependencies not read: {deps:?}");
    for dep in &deps {
        assert!(
            !FORBIDDEN_DEPS.contains(dep),
            "the library depends on {dep}, a runtime, client or randomness crate"
        );
    }
}
