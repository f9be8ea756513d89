//! Header inspector: prints the challenges of `WWW-Authenticate` values as JSON.
//!
//! ```text
//! cargo run --example www-authenticate [-- --lenient]
//! ```
//!
//! Each line of standard input is one response: a JSON array of strings, its
//! `WWW-Authenticate` values in order. Each answer is one line of standard output: the
//! challenges, with scheme and parameter names lower-cased and values unescaped, or an error
//! that names the byte offset of the fault. Strict RFC 9110 parsing is the default; `--lenient`
//! admits what real servers send (see `ParserConfig::lenient`) and reports on standard error
//! the malformed challenges it skipped.
//!
//! ```text
//! $ printf '%s\n' '["Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\""]' \
//!     '["Negotiate abc==", "BASIC realm=\"a\""]' '["Bearer realm=\"a\"", "Basic realm x"]' \
//!   | cargo run --quiet --example www-authenticate
//! {"challenges":[{"scheme":"bearer","token68":null,"params":[["realm","https://auth.docker.io/token"],["service","registry.docker.io"]]}]}
//! {"challenges":[{"scheme":"negotiate","token68":"abc==","params":[]},{"scheme":"basic","token68":null,"params":[["realm","a"]]}]}
//! {"error":"expected `=` after a parameter name at byte 12 of header value 2"}
//! ```
//!
//! Every input line gets exactly one output line, flushed at once, so the tool can sit at the
//! other end of a pipe and answer line by line; a line that is not a JSON array of strings gets
//! an `{"error":...}` answer too. Unknown arguments print the usage and exit with status 2.

use std::io::{self, BufRead, Write};
use std::process::ExitCode;

use registry_auth::challenge::{Challenges, ParserConfig};

const USAGE: &str = "usage: www-authenticate [--lenient]

Reads one JSON array of WWW-Authenticate values per line on stdin and prints
one JSON object per line: {\"challenges\":[...]} or {\"error\":\"...\"}.

  --lenient   accept what real servers send beyond RFC 9110
  -h, --help  print this help";

fn main() -> ExitCode {
    let mut config = ParserConfig::strict();
    for arg in std::env::args_os().skip(1) {
        match arg.to_str() {
            Some("--lenient") => config = ParserConfig::lenient(),
            Some("-h" | "--help") => {
                println!("{USAGE}");
                return ExitCode::SUCCESS;
            }
            _ => {
                eprintln!("www-authenticate: unknown argument {arg:?}\n\n{USAGE}");
                return ExitCode::from(2);
            }
        }
    }
    match run(&config) {
        Ok(()) => ExitCode::SUCCESS,
        // A closed stdout means nobody reads the answers any more: stop quietly.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("www-authenticate: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(config: &ParserConfig) -> io::Result<()> {
    let stdin = io::stdin();
    let mut input = stdin.lock();
    let stdout = io::stdout();
    let mut out = stdout.lock();
    // Lines are read as bytes so that a line of invalid UTF-8 becomes an error answer instead
    // of ending the session.
    let mut line = Vec::new();
    let mut number = 0usize;
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line)? == 0 {
            return Ok(());
        }
        number += 1;
        let answer = answer(config, trim_line_end(&line), number);
        out.write_all(answer.as_bytes())?;
        out.write_all(b"\n")?;
        out.flush()?;
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

/// The JSON answer to one input line.
fn answer(config: &ParserConfig, line: &[u8], number: usize) -> String {
    if line.iter().all(u8::is_ascii_whitespace) {
        return error_json("blank line: expected a JSON array of strings");
    }
    let values: Vec<String> = match serde_json::from_slice(line) {
        Ok(v) => v,
        Err(e) => return error_json(&format!("expected a JSON array of strings: {e}")),
    };
    match config.parse_lines(values.iter().map(String::as_bytes)) {
        Ok(challenges) => {
            for skipped in challenges.skipped() {
                eprintln!("line {number}: skipped a malformed challenge: {skipped}");
            }
            challenges_json(&challenges)
        }
        Err(e) => error_json(&e.to_string()),
    }
}

fn error_json(message: &str) -> String {
    let mut s = String::from("{\"error\":");
    push_json_str(&mut s, message);
    s.push('}');
    s
}

// Written by hand rather than through `serde_json::Value`, whose map would sort the keys: the
// documented order (scheme, token68, params) is easier to read in a terminal.
fn challenges_json(challenges: &Challenges<'_>) -> String {
    let mut s = String::from("{\"challenges\":[");
    for (n, c) in challenges.iter().enumerate() {
        if n > 0 {
            s.push(',');
        }
        s.push_str("{\"scheme\":");
        push_json_str(&mut s, &c.scheme().to_ascii_lowercase());
        s.push_str(",\"token68\":");
        match c.token68() {
            Some(t) => push_json_str(&mut s, t),
            None => s.push_str("null"),
        }
        s.push_str(",\"params\":[");
        for (k, p) in c.params().enumerate() {
            if k > 0 {
                s.push(',');
            }
            s.push('[');
            push_json_str(&mut s, &p.name.to_ascii_lowercase());
            s.push(',');
            // Values from UTF-8 input stay UTF-8 (unescaping only drops ASCII backslashes);
            // lossy conversion keeps the tool total all the same.
            push_json_str(&mut s, &p.value.to_str_lossy());
            s.push(']');
        }
        s.push_str("]}");
    }
    s.push_str("]}");
    s
}

fn push_json_str(out: &mut String, s: &str) {
    match serde_json::to_string(s) {
        Ok(quoted) => out.push_str(&quoted),
        // Serializing a `str` cannot fail; an empty string keeps the line valid JSON anyway.
        Err(_) => out.push_str("\"\""),
    }
}
