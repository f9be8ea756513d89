//! The header inspector (`examples/www-authenticate.rs`) as its users see it: JSON lines in,
//! one JSON answer per line out.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::{mpsc, OnceLock};
use std::time::{Duration, SystemTime};

use serde_json::{json, Value};

const NAME: &str = "www-authenticate";

/// The inspector executable, built once per test run.
fn inspector() -> &'static Path {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| prebuilt().unwrap_or_else(build_with_cargo))
}

/// The executable `cargo test --all-targets` builds next to this test's, if it is newer than
/// every source it depends on. `cargo test --test inspector` does not rebuild examples, so an
/// older binary may be left over from before the last edit and must not be trusted.
fn prebuilt() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let profile_dir = exe.parent()?.parent()?;
    let path = profile_dir
        .join("examples")
        .join(format!("{NAME}{}", std::env::consts::EXE_SUFFIX));
    let built = path.metadata().and_then(|m| m.modified()).ok()?;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let newest_source = newest_mtime(&root.join("src")).max(newest_mtime(
        &root.join("examples").join(format!("{NAME}.rs")),
    ))?;
    (built >= newest_source).then_some(path)
}

fn newest_mtime(path: &Path) -> Option<SystemTime> {
    let meta = path.metadata().ok()?;
    if !meta.is_dir() {
        return meta.modified().ok();
    }
    std::fs::read_dir(path)
        .ok()?
        .filter_map(Result::ok)
        .filter_map(|entry| newest_mtime(&entry.path()))
        .max()
}

/// Builds the example and takes its path from cargo's own report, so that target directory,
/// profile and platform suffix need no guessing.
fn build_with_cargo() -> PathBuf {
    let out = Command::new(env!("CARGO"))
        .args([
            "build",
            "--quiet",
            "--example",
            NAME,
            "--message-format=json",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(out.status.success(), "cargo build --example {NAME} failed");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|m| m["reason"] == "compiler-artifact" && m["target"]["name"] == NAME)
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
        .expect("cargo reports the example's executable")
}

fn run(args: &[&str], stdin: impl AsRef<[u8]>) -> Output {
    let mut child = Command::new(inspector())
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("inspector starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    let stdin = stdin.as_ref().to_vec();
    // Written from another thread so that a large input cannot deadlock against full pipes.
    let writer = std::thread::spawn(move || input.write_all(&stdin));
    let out = child.wait_with_output().expect("inspector runs");
    match writer.join().expect("writer thread") {
        // A tool that exits without reading (bad arguments) closes its stdin early.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
        other => other.expect("stdin accepts the input"),
    }
    out
}

/// One parsed JSON answer per input line, after checking the process ended well.
fn answers(args: &[&str], lines: &[&str]) -> Vec<Value> {
    let mut stdin = lines.join("\n");
    stdin.push('\n');
    let out = run(args, stdin);
    assert!(out.status.success(), "exit status {:?}", out.status);
    let stdout = String::from_utf8(out.stdout).expect("output is UTF-8");
    let got: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l:?} is not JSON: {e}")))
        .collect();
    assert_eq!(got.len(), lines.len(), "one answer per line:\n{stdout}");
    got
}

fn error_of(answer: &Value) -> &str {
    answer["error"]
        .as_str()
        .unwrap_or_else(|| panic!("expected an error answer, got {answer}"))
}

#[test]
fn docker_hub_challenge_prints_lowercased_names_and_values_in_order() {
    let input = r#"["Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/alpine:pull\""]"#;
    let out = run(&[], format!("{input}\n"));
    assert!(out.status.success());
    // The exact bytes are the stable interface: key order, no spaces, one line.
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        concat!(
            r#"{"challenges":[{"scheme":"bearer","token68":null,"params":["#,
            r#"["realm","https://auth.docker.io/token"],["service","registry.docker.io"],"#,
            r#"["scope","repository:library/alpine:pull"]]}]}"#,
            "\n"
        )
    );
}

#[test]
fn values_of_one_response_form_one_ordered_list() {
    let got = answers(
        &[],
        &[
            r#"["BASIC Realm=\"corp\"", "Negotiate YII=, Bearer realm=\"https://a/t\",", "service=s"]"#,
        ],
    );
    assert_eq!(
        got[0],
        json!({"challenges": [
            {"scheme": "basic", "token68": null, "params": [["realm", "corp"]]},
            {"scheme": "negotiate", "token68": "YII=", "params": []},
            {"scheme": "bearer", "token68": null,
             "params": [["realm", "https://a/t"], ["service", "s"]]},
        ]})
    );
}

#[test]
fn quoted_values_are_printed_unescaped() {
    let got = answers(
        &[],
        &[r#"["Bearer realm=\"a\\\"b\\\\c, d\", error_description=\"caf\u00e9\", e=\"\""]"#],
    );
    assert_eq!(
        got[0]["challenges"][0]["params"],
        json!([
            ["realm", "a\"b\\c, d"],
            ["error_description", "café"],
            ["e", ""]
        ])
    );
}

#[test]
fn malformed_header_answers_an_error_with_its_byte_offset() {
    let got = answers(
        &[],
        &[
            r#"["Bearer realm=\"https://a\" service=\"s\""]"#,
            r#"["Basic realm=\"a\"", "Bearer realm=\"unterminated"]"#,
        ],
    );
    assert_eq!(
        error_of(&got[0]),
        "expected `,` or the end of the value at byte 25"
    );
    assert_eq!(
        error_of(&got[1]),
        "unterminated quoted string at byte 13 of header value 2"
    );
}

#[test]
fn lines_that_are_not_arrays_of_strings_answer_errors_and_do_not_stop_the_tool() {
    let lines = [
        "not json",
        "",
        "   ",
        r#"{"a": 1}"#,
        r#"["Basic", 7]"#,
        r#""Basic""#,
        r#"["Basic realm=\"after the bad lines\""]"#,
    ];
    let got = answers(&[], &lines);
    for (line, answer) in lines.iter().zip(&got).take(lines.len() - 1) {
        assert!(!error_of(answer).is_empty(), "line {line:?}");
    }
    assert_eq!(
        got[6]["challenges"][0]["params"],
        json!([["realm", "after the bad lines"]])
    );
}

#[test]
fn invalid_utf8_line_answers_an_error() {
    let out = run(&[], b"[\"Basic \xff\"]\n[\"Basic\"]\n");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let got: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(got.len(), 2);
    assert!(!error_of(&got[0]).is_empty());
    assert_eq!(got[1]["challenges"][0]["scheme"], "basic");
}

#[test]
fn empty_array_is_a_response_without_challenges() {
    assert_eq!(answers(&[], &["[]"])[0], json!({"challenges": []}));
}

#[test]
fn lenient_mode_skips_a_broken_negotiate_line_that_strict_mode_rejects() {
    let line = r#"["Negotiate =oops", "Bearer realm=\"https://auth.example.com\",service=reg"]"#;
    let strict = answers(&[], &[line]);
    assert_eq!(error_of(&strict[0]), "expected an auth-scheme at byte 0");

    let out = run(&["--lenient"], format!("{line}\n"));
    assert!(out.status.success());
    let lenient: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        lenient,
        json!({"challenges": [{"scheme": "bearer", "token68": null,
            "params": [["realm", "https://auth.example.com"], ["service", "reg"]]}]})
    );
    // The skipped challenge is reported off the JSON channel, so the answer keeps its shape.
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("line 1: skipped a malformed challenge: expected an auth-scheme at byte 0"),
        "{stderr}"
    );
}

#[test]
fn lenient_mode_admits_unquoted_urls_and_missing_commas() {
    let line = r#"["Bearer realm=https://auth.example.com/token service=\"registry\""]"#;
    assert!(!error_of(&answers(&[], &[line])[0]).is_empty());
    assert_eq!(
        answers(&["--lenient"], &[line])[0]["challenges"][0]["params"],
        json!([
            ["realm", "https://auth.example.com/token"],
            ["service", "registry"]
        ])
    );
}

#[test]
fn each_answer_is_flushed_before_the_next_line_arrives() {
    let mut child = Command::new(inspector())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    // Generous: only a tool that waits for end of input before answering can miss it.
    let wait = Duration::from_secs(30);
    stdin.write_all(b"[\"Basic realm=\\\"one\\\"\"]\n").unwrap();
    stdin.flush().unwrap();
    let first = rx.recv_timeout(wait).expect("answer to the first line");
    assert!(first.contains("\"one\""), "{first}");
    stdin.write_all(b"oops\n").unwrap();
    stdin.flush().unwrap();
    let second = rx.recv_timeout(wait).expect("answer to the second line");
    assert!(second.starts_with("{\"error\":"), "{second}");
    drop(stdin);
    assert!(child.wait().unwrap().success());
    reader.join().unwrap();
}

#[test]
fn crlf_line_ends_are_accepted() {
    let out = run(&[], "[\"Basic\"]\r\n[\"Bearer\"]\r\n");
    let stdout = String::from_utf8(out.stdout).unwrap();
    let schemes: Vec<Value> = stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["challenges"][0]["scheme"].clone())
        .collect();
    assert_eq!(schemes, [json!("basic"), json!("bearer")]);
}

#[test]
fn unknown_argument_prints_usage_and_exits_with_status_2() {
    let out = run(&["--strict-ish"], "[\"Basic\"]\n");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.contains("usage: www-authenticate [--lenient]"),
        "{stderr}"
    );
}
