//! Each target's libFuzzer dictionary, used by a plain `cargo fuzz run TARGET`.
//!
//! libFuzzer reads a dictionary only from its `-dict=` flag, and cargo-fuzz has no setting for
//! one. So a target calls [`use_dictionary`] from its `init` hook: when the command line names
//! no dictionary and `fuzz/dict/NAME.dict` exists, the process runs itself again with
//! `-dict=` added (before libFuzzer has read a flag or an input), and libFuzzer then reads the
//! grammar's words. A command line that names a dictionary, or the environment variable
//! `REGISTRY_AUTH_FUZZ_NO_DICT`, keeps the process as it is.

use std::os::unix::process::CommandExt as _;
use std::path::PathBuf;
use std::process::Command;

/// Runs the target again with `-dict=fuzz/dict/NAME.dict`, unless a dictionary is named.
pub fn use_dictionary(name: &str) {
    let args: Vec<String> = std::env::args().collect();
    let named = args.iter().any(|a| a.starts_with("-dict="));
    if named || std::env::var_os("REGISTRY_AUTH_FUZZ_NO_DICT").is_some() {
        return;
    }
    let dict: PathBuf = [env!("CARGO_MANIFEST_DIR"), "dict", &format!("{name}.dict")]
        .iter()
        .collect();
    if !dict.is_file() {
        return;
    }
    let Some((program, rest)) = args.split_first() else {
        return;
    };
    let mut flag = std::ffi::OsString::from("-dict=");
    flag.push(&dict);
    // libFuzzer reads a `-name=value` argument in any position; the others are corpora.
    let error = Command::new(std::env::current_exe().unwrap_or_else(|_| program.into()))
        .arg0(program)
        .arg(flag)
        .args(rest)
        .exec();
    // Only reached when the process could not run itself again: fuzz without the dictionary.
    eprintln!("could not add -dict={}: {error}", dict.display());
}
