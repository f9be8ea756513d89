//! A dry run: one `Authenticator` walks through a Docker-Hub-like session and a private
//! registry, answered by canned responses instead of a network.
//!
//! ```text
//! cargo run --example dry-run
//! ```
//!
//! Every action the machine asks for is printed with its method, URL and headers, followed by
//! the canned response it got. `Authorization` values are printed through their `Display`,
//! which redacts them: this is what a log line of a real driver should look like too. The
//! clock is a `Duration` so that every run prints the same thing.
//!
//! Reading the output top to bottom shows the machine's promises at work: one 401 per
//! registry, tokens reused while they cover the request, the token fetched before sending once
//! the registry's challenge is known, no `Authorization` on a redirect to another host, and
//! credentials sent only to the realm the registry named.

use std::collections::VecDeque;
use std::process::ExitCode;
use std::time::Duration;

use registry_auth::{
    Action, Authenticator, Config, Credentials, Method, Request, Response, SendRequest,
    TokenRequest,
};

const HUB: &str = "https://registry-1.docker.io";
const HUB_CHALLENGE: &str =
    r#"Bearer realm="https://auth.docker.io/token",service="registry.docker.io""#;
const PRIVATE: &str = "https://registry.example.com";
const PRIVATE_CHALLENGE: &str = r#"Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:team/app:pull,push""#;
const ALPINE_BLOB: &str = "sha256:4abcf20661432fb2d719aaf90656f55c287f8ca915dc1c92ec14ff61e67fbaf8";

/// A response the fake network gives, in the order the machine is expected to ask.
struct Canned {
    status: u16,
    headers: Vec<(&'static str, String)>,
    body: Vec<u8>,
}

fn canned(status: u16) -> Canned {
    Canned {
        status,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

impl Canned {
    fn header(mut self, name: &'static str, value: &str) -> Self {
        self.headers.push((name, value.to_owned()));
        self
    }

    fn body(mut self, body: &str) -> Self {
        self.body = body.as_bytes().to_vec();
        self
    }

    /// A token endpoint's answer. The token is a secret: the transcript never shows it.
    fn token(token: &str) -> Self {
        canned(200)
            .header("Content-Type", "application/json")
            .body(&format!(r#"{{"token":"{token}","expires_in":300}}"#))
    }
}

/// The responses one step expects to give, in order.
type Script = VecDeque<Canned>;

fn main() -> ExitCode {
    let mut auth = Authenticator::new(Config::default());
    // Credentials for the private registry only: Docker Hub is used anonymously.
    auth.set_credentials(
        "registry.example.com",
        Credentials::basic("alice", "s3cret-passw0rd"),
    );
    // Elapsed time since the program started, advanced by hand.
    let mut now = Duration::from_secs(0);

    let steps: [(&str, Method, String, Vec<Canned>); 4] = [
        (
            "1. Pull library/alpine's manifest anonymously. The registry is new to the machine, \
             so the request goes out bare, the 401's challenge names the realm, the machine \
             fetches an anonymous token for repository:library/alpine:pull and retries.",
            Method::Get,
            format!("{HUB}/v2/library/alpine/manifests/latest"),
            vec![
                canned(401)
                    .header("WWW-Authenticate", HUB_CHALLENGE)
                    .body(r#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#),
                Canned::token("hub-token-alpine-0001"),
                canned(200).header(
                    "Content-Type",
                    "application/vnd.oci.image.index.v1+json",
                ),
            ],
        ),
        (
            "2. Pull a blob of the same repository. The cached token covers it: no 401, no \
             token request. The registry redirects to a storage host, and the machine sends \
             the redirected request without Authorization (the token is for Docker Hub only).",
            Method::Get,
            format!("{HUB}/v2/library/alpine/blobs/{ALPINE_BLOB}"),
            vec![
                canned(307).header(
                    "Location",
                    "https://production.cloudflare.docker.com/registry-v2/docker/registry/v2/blobs/sha256/4a/data?sig=x",
                ),
                canned(200).header("Content-Type", "application/octet-stream"),
            ],
        ),
        (
            "3. Pull a manifest of another repository. The machine knows Docker Hub's realm \
             now, so it fetches a token for repository:library/busybox:pull before sending: \
             no 401 round trip.",
            Method::Get,
            format!("{HUB}/v2/library/busybox/manifests/latest"),
            vec![
                Canned::token("hub-token-busybox-0002"),
                canned(200).header(
                    "Content-Type",
                    "application/vnd.oci.image.index.v1+json",
                ),
            ],
        ),
        (
            "4. Push a manifest to a private registry with credentials. Its challenge names \
             its own realm, so the username and password go there as Basic (redacted below), \
             for a pull,push token; the registry itself only ever sees the token.",
            Method::Put,
            format!("{PRIVATE}/v2/team/app/manifests/1.0"),
            vec![
                canned(401).header("WWW-Authenticate", PRIVATE_CHALLENGE),
                Canned::token("private-token-0003"),
                canned(201).header(
                    "Location",
                    "/v2/team/app/manifests/sha256:0f2a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8",
                ),
            ],
        ),
    ];
    println!("# A dry run of registry-auth: every action, and the canned response it got.");
    println!(
        "# Credentials are set for registry.example.com (user alice); Docker Hub is anonymous."
    );
    for (intro, method, url, responses) in steps {
        println!();
        for line in wrap(intro, 92) {
            println!("# {line}");
        }
        let mut script: Script = responses.into();
        let ok = run_flow(&mut auth, method, &url, now, &mut script);
        if !ok || !script.is_empty() {
            eprintln!(
                "error: the machine did not follow the script ({} canned responses unused)",
                script.len()
            );
            return ExitCode::FAILURE;
        }
        // Seconds pass between requests; the tokens (300 s) stay good throughout.
        now += Duration::from_secs(5);
    }
    println!();
    println!(
        "# {} tokens cached, {} flows in progress.",
        auth.cached_tokens(),
        auth.flows_in_progress()
    );
    ExitCode::SUCCESS
}

/// Drives one flow to its end. Returns whether it ended as the tutorial expects (`Done`).
fn run_flow(
    auth: &mut Authenticator,
    method: Method,
    url: &str,
    now: Duration,
    script: &mut Script,
) -> bool {
    let id = match auth.start(Request::new(method, url), now) {
        Ok(id) => id,
        Err(e) => {
            println!("= failed to start: {e}");
            return false;
        }
    };
    // The machine bounds every flow; this bound only keeps a broken script from spinning.
    for _ in 0..32 {
        match auth.poll(id) {
            Action::Send(send) => {
                print_send(&send);
                let Some(reply) = script.pop_front() else {
                    println!("= the script has no response left");
                    auth.cancel(id);
                    return false;
                };
                print_reply(&reply, true);
                let headers = header_pairs(&reply);
                let response = Response::new(reply.status)
                    .headers(&headers)
                    .body(&reply.body);
                if let Err(e) = auth.handle_response(id, response, now) {
                    println!("= driver error: {e}");
                    return false;
                }
            }
            Action::FetchToken(fetch) => {
                print_fetch(&fetch);
                let Some(reply) = script.pop_front() else {
                    println!("= the script has no response left");
                    auth.cancel(id);
                    return false;
                };
                print_reply(&reply, false);
                let headers = header_pairs(&reply);
                let response = Response::new(reply.status)
                    .headers(&headers)
                    .body(&reply.body);
                if let Err(e) = auth.handle_token_response(id, response, now) {
                    println!("= driver error: {e}");
                    return false;
                }
            }
            // Only one flow runs at a time here, so nobody else could be fetching.
            Action::Wait => println!("= wait (another flow is fetching the token)"),
            Action::Done => {
                println!("= done: the last response is the answer");
                return true;
            }
            Action::Failed(e) => {
                println!("= failed: {e}");
                return false;
            }
            other => {
                println!("= unexpected action {other:?}");
                return false;
            }
        }
    }
    auth.cancel(id);
    false
}

fn header_pairs(reply: &Canned) -> Vec<(&str, &[u8])> {
    reply
        .headers
        .iter()
        .map(|(n, v)| (*n, v.as_bytes()))
        .collect()
}

fn print_send(send: &SendRequest) {
    let target = send.url();
    let note = if send.is_redirected() {
        "   (redirected)"
    } else {
        ""
    };
    println!("> {} {target}{note}", send.method());
    match send.authorization() {
        // `Display` of an Authorization prints the scheme and `<redacted>`, never the value.
        Some(a) => println!("    Authorization: {a}"),
        None => println!("    (no Authorization)"),
    }
}

fn print_fetch(fetch: &TokenRequest) {
    println!("> token {} {}", fetch.method(), fetch.url());
    match fetch.authorization() {
        Some(a) => println!("    Authorization: {a}"),
        None => println!("    (no Authorization)"),
    }
    if let Some(ct) = fetch.content_type() {
        // A POST form carries a password or refresh token: its length is all we show.
        let len = fetch.body().map_or(0, <[u8]>::len);
        println!("    Content-Type: {ct}");
        println!("    (form body of {len} bytes, not shown)");
    }
}

fn print_reply(reply: &Canned, to_caller: bool) {
    println!("< {}", reply.status);
    for (name, value) in &reply.headers {
        println!("    {name}: {value}");
    }
    if !reply.body.is_empty() {
        if to_caller {
            println!("    ({} bytes of body)", reply.body.len());
        } else {
            println!(
                "    ({} bytes of token response, not shown: it holds the token)",
                reply.body.len()
            );
        }
    }
}

/// Splits a paragraph into lines of at most `width` characters, at spaces.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        if !line.is_empty() && line.len() + 1 + word.len() > width {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}
