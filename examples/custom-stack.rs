//! A registry client over a hand-written HTTP/1.1 stack: `std::net::TcpStream` and httparse,
//! plain http only. What a new user writes: the transport, and about ten lines of crate glue.
//!
//! ```text
//! cargo run --example custom-stack -- [--user NAME] URL...
//! ```
//!
//! With `--user`, the password is the first line of standard input, and the credentials go to
//! the registry of each URL (and the realm its challenge names). Each URL prints
//! `<status> <body-bytes> <url>`; a failure prints `error: <url>: <why>` on standard error.
//! Exit status 0 when every URL answered 2xx, else 1.

use std::io::{self, BufRead, Read, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use registry_auth::drive::{self, Exchange, OwnedResponse};
use registry_auth::{Authenticator, Config, Credentials, Request};

/// Manifests come in these types; the registry answers 404 to a request that lists none.
const ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json";

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let user = match args.first().map(String::as_str) {
        Some("--user") if args.len() > 1 => Some(args.drain(..2).nth(1).unwrap_or_default()),
        _ => None,
    };
    let mut password = String::new();
    if user.is_some() && io::stdin().lock().read_line(&mut password).is_err() {
        eprintln!("error: cannot read the password from standard input");
        return ExitCode::from(2);
    }

    // ---- the crate glue -------------------------------------------------------------------
    let mut auth = Authenticator::new(Config::default().allow_insecure(true));
    if let Some(user) = &user {
        for url in &args {
            auth.set_credentials(url, Credentials::basic(user, password.trim_end()));
        }
    }
    let mut all_ok = true;
    for url in &args {
        let mut transport = |x: Exchange<'_>| http1(&x);
        match drive::run(&mut auth, Request::get(url), &mut transport) {
            Ok(r) => {
                all_ok &= (200..300).contains(&r.status);
                println!("{} {} {url}", r.status, r.body.len());
            }
            Err(e) => {
                all_ok = false;
                eprintln!("error: {url}: {e}");
            }
        }
    }
    // ----------------------------------------------------------------------------------------
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

// ---- the transport: one HTTP/1.1 exchange -------------------------------------------------

/// Sends the exchange's request on a new connection and reads the whole answer.
fn http1(x: &Exchange<'_>) -> io::Result<OwnedResponse> {
    let rest = x
        .url()
        .strip_prefix("http://")
        .ok_or_else(|| io::Error::other("this client speaks plain http only"))?;
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let address = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let mut stream = TcpStream::connect(address)?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;

    let mut head = format!(
        "{} {path} HTTP/1.1\r\nHost: {authority}\r\nConnection: close\r\nAccept: {ACCEPT}\r\n",
        x.method()
    );
    for (name, value) in x.headers() {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    // The machine's token POST has a form body; this client's own requests are GETs.
    let body = x.body().unwrap_or_default();
    if x.body().is_some() {
        head.push_str(&format!("Content-Length: {}\r\n", body.len()));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;

    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let mut headers = [httparse::EMPTY_HEADER; 64];
    let mut parsed = httparse::Response::new(&mut headers);
    let start = match parsed.parse(&raw).map_err(io::Error::other)? {
        httparse::Status::Complete(n) => n,
        httparse::Status::Partial => return Err(io::Error::other("truncated response head")),
    };
    let status = parsed.code.unwrap_or(0);
    let headers: Vec<(String, Vec<u8>)> = parsed
        .headers
        .iter()
        .map(|h| (h.name.to_owned(), h.value.to_vec()))
        .collect();
    let chunked = headers.iter().any(|(n, v)| {
        n.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case(b"chunked")
    });
    let mut body = raw.get(start..).unwrap_or_default().to_vec();
    if chunked {
        body = dechunk(&body)?;
    }
    // As much of the body as the machine reads (a token body one byte past its limit).
    if let Some(limit) = x.read_limit(status) {
        body.truncate(limit);
    }
    Ok(OwnedResponse::new(status, headers, body))
}

/// The body of a `Transfer-Encoding: chunked` message (trailers ignored).
fn dechunk(mut input: &[u8]) -> io::Result<Vec<u8>> {
    let mut out = Vec::new();
    loop {
        let line_end = input
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or_else(|| io::Error::other("bad chunk"))?;
        let size = std::str::from_utf8(&input[..line_end])
            .ok()
            .and_then(|l| usize::from_str_radix(l.split(';').next()?.trim(), 16).ok())
            .ok_or_else(|| io::Error::other("bad chunk size"))?;
        input = &input[line_end + 2..];
        if size == 0 {
            return Ok(out);
        }
        let chunk = input
            .get(..size)
            .ok_or_else(|| io::Error::other("truncated chunk"))?;
        out.extend_from_slice(chunk);
        input = input.get(size + 2..).unwrap_or_default();
    }
}
