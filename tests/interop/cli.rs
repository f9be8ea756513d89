//! Runs the examples (`fetch`, `custom-stack`) as a user would, against the test's servers.
//!
//! `cargo test --all-targets` builds the example next to the test binaries; a run of this
//! test alone does not, so a missing or stale executable is rebuilt through
//! `cargo run --example fetch` rather than trusted.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::SystemTime;

pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub fn fetch(args: &[&str], stdin: &str) -> Run {
    example("fetch", args, stdin)
}

pub fn example(name: &str, args: &[&str], stdin: &str) -> Run {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = match built_example(name).filter(|exe| newer_than_sources(exe, root, name)) {
        Some(exe) => Command::new(exe),
        None => {
            let mut c = Command::new(env!("CARGO"));
            c.args(["run", "--quiet", "--example", name, "--"]);
            c
        }
    };
    let mut child = cmd
        .current_dir(root)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run the example");
    if let Some(mut input) = child.stdin.take() {
        // A usage error exits before reading: a broken pipe then is not the test's failure.
        let _ = input.write_all(stdin.as_bytes());
    }
    let out = child.wait_with_output().expect("wait for the example");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// `<target>/<profile>/deps/interop-<hash>` is this test; examples sit in
/// `<target>/<profile>/examples/`.
fn built_example(name: &str) -> Option<PathBuf> {
    let me = std::env::current_exe().ok()?;
    let exe = me
        .parent()?
        .parent()?
        .join("examples")
        .join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    exe.is_file().then_some(exe)
}

fn newer_than_sources(exe: &Path, root: &Path, name: &str) -> bool {
    let Some(built) = mtime(exe) else {
        return false;
    };
    let example = root.join("examples").join(format!("{name}.rs"));
    let mut sources = vec![root.join("Cargo.toml"), example];
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                sources.push(path);
            }
        }
    }
    sources.iter().all(|s| mtime(s).is_some_and(|m| m <= built))
}

fn mtime(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path).and_then(|m| m.modified()).ok()
}
