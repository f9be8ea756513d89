//! A blocking registry client on `ureq`: fetches registry URLs and image manifests,
//! authenticating with the machine.
//!
//! ```text
//! cargo run --example fetch -- [--user U] [--password-stdin | --identity-token-stdin |
//!     --registry-token-stdin] [--docker-config PATH] [--insecure]
//!     [--method GET|HEAD|POST|PUT|DELETE] [--header 'Name: value']... [--scope SCOPE]...
//!     [--trace] [--body] URL-OR-REFERENCE...
//! ```
//!
//! Every argument is sent in turn through ONE `Authenticator`, so a token fetched for the first
//! one serves the next ones it covers. For each one line goes to standard output:
//! `<status> <body-bytes> <url-or-reference>` (the argument as given), followed by the body
//! itself with `--body`.
//!
//! - An argument starting with `http://` or `https://` is a URL, sent as is. Anything else is an
//!   image reference (`alpine`, `ghcr.io/o/r:1.0`, `localhost:5000/team/app@sha256:...`), and
//!   its manifest is fetched: `<scheme>://<registry>/v2/<repository>/manifests/<tag-or-digest>`,
//!   Docker Hub's API host being `registry-1.docker.io`. The scheme is `http` only with
//!   `--insecure` and a loopback registry (`localhost`, `127.0.0.0/8`, `[::1]`, any port),
//!   `https` otherwise: a reference cannot say which scheme it means, and plain http to a
//!   remote host would expose credentials and tokens on the network; pass a URL for that.
//! - `--user U --password-stdin`: Basic credentials, the password read from the first line of
//!   standard input. `--identity-token-stdin` reads an identity (refresh) token instead
//!   (`--user` optional), `--registry-token-stdin` a registry token sent as `Bearer` as is.
//!   The credentials apply to the registry (`host[:port]`) of every argument given, and to the
//!   realm its own challenge names; nowhere else.
//! - `--docker-config PATH`: without command-line credentials, every registry takes its
//!   credentials from this Docker `config.json` / Podman `auth.json`, running the credential
//!   helpers it names (`docker-credential-NAME` on `PATH`, 10 s timeout) once per registry.
//!   Without the option the files are found as Podman finds them: `$REGISTRY_AUTH_FILE` alone
//!   when set, else `$XDG_RUNTIME_DIR/containers/auth.json`,
//!   `~/.config/containers/auth.json` and `$DOCKER_CONFIG/config.json` (or
//!   `~/.docker/config.json`), each asked in turn for a registry the earlier ones know nothing
//!   about. A file given with `--docker-config` that cannot be read or parsed
//!   is a usage error; a discovered one only warns (`warning: ...` on standard error) and is
//!   ignored, since the user never asked for it. A credential helper that fails prints
//!   `warning: <registry>: <why>` (never its output, where the secret would be) and that
//!   registry is fetched anonymously: a public image still comes, and the exit status speaks
//!   for the arguments alone.
//! - `--insecure`: allow plain-`http` registries, and realms on them, to receive credentials
//!   and tokens (a local test registry); image references on loopback registries use `http`.
//! - `--scope repository:team/app:pull`: scopes to ask for beyond what each URL implies.
//! - `--header 'Name: value'`: an extra request header. A `/manifests/` URL (so every image
//!   reference) gets an `Accept` listing the OCI and Docker manifest types unless one is
//!   given. An `Authorization` header makes the machine stand aside for that request.
//! - `--trace`: one line per HTTP exchange on standard error, `> METHOD URL auth=none|basic|
//!   bearer` then `< STATUS`, for the URLs and the machine's token requests alike. Only the
//!   scheme of `Authorization` is shown, never its value.
//!
//! Exit status: 0 when every argument answered 2xx, 1 otherwise, 2 on a usage error. Whatever
//! keeps an argument from a 2xx prints one line on standard error and the next argument is
//! tried: `error: <url-or-reference>: <why>` when the machine or the network failed, and
//! `error: <url-or-reference>: <url> answered <status>: <the registry's message>` when the
//! registry's final answer is a 4xx or 5xx (its `<status> <bytes>` line still goes to
//! standard output; the message is scrubbed of every secret the machine holds). A failed
//! credential helper prints a `warning:` line and its registry is tried anonymously.
//!
//! ```text
//! $ echo "$PASSWORD" | cargo run --example fetch -- --user alice --password-stdin --trace \
//!     registry.example.com/team/app:1.0
//! > GET https://registry.example.com/v2/team/app/manifests/1.0 auth=none
//! < 401
//! > GET https://auth.example.com/token?service=registry.example.com&scope=repository%3Ateam%2Fapp%3Apull&account=alice auth=basic
//! < 200
//! > GET https://registry.example.com/v2/team/app/manifests/1.0 auth=bearer
//! < 200
//! 200 1017 registry.example.com/team/app:1.0
//! ```
//!
//! The driving loop is [`drive::run`]'s; this file is the command line, the Docker config and
//! the transport (one ureq exchange). Redirects are followed by the machine, not by `ureq`
//! (its agent follows none), so that the machine decides which `Authorization` each hop may
//! carry.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{self, BufRead, Read, Write};
use std::net::IpAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use registry_auth::cred_helper::Resolution;
use registry_auth::drive::{self, AsResponse, Exchange, Transport};
use registry_auth::host::{self, HelperRunner};
use registry_auth::reference::Reference;
use registry_auth::{
    Authenticator, Config, CredentialResolver, Credentials, DockerConfig, HeaderList, Method,
    Request, Response, Scope, Secret,
};
use ureq::http::{self, header, HeaderMap, HeaderName, HeaderValue};

const USAGE: &str = "usage: fetch [--user U] [--password-stdin | --identity-token-stdin | \
--registry-token-stdin] [--docker-config PATH] [--insecure] \
[--method GET|HEAD|POST|PUT|DELETE] [--header 'Name: value']... [--scope SCOPE]... [--trace] \
[--body] URL-OR-REFERENCE...
Prints `<status> <body-bytes> <url-or-reference>` per argument.
An argument not starting with http:// or https:// is an image reference: its manifest is \
fetched over https, or over http with --insecure when the registry is loopback \
(localhost, 127.0.0.0/8, [::1]).
Without credentials on the command line, they come from --docker-config PATH, or \
else from $REGISTRY_AUTH_FILE alone when set, or else from \
$XDG_RUNTIME_DIR/containers/auth.json, ~/.config/containers/auth.json and \
$DOCKER_CONFIG/config.json (or ~/.docker/config.json), asked in that order.";

/// A final response's body is read whole for its byte count, up to this bound.
const FINAL_BODY_LIMIT: usize = 64 * 1024 * 1024;
/// Long enough for a helper that unlocks a keychain or calls a cloud API, short enough that a
/// hung one does not hang the fetch.
const HELPER_TIMEOUT: Duration = Duration::from_secs(10);

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Parsed::Run(o)) => o,
        Ok(Parsed::Help) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(why) => return usage_error(&why),
    };
    let credentials = match read_credentials(&options, &mut io::stdin().lock()) {
        Ok(c) => c,
        Err(why) => return usage_error(&why),
    };
    // Command-line credentials cover every registry, so a discovered config would serve none;
    // an explicit one is still read, so that a wrong path is reported rather than ignored.
    let config = match load_docker_config(options.docker_config.as_ref(), credentials.is_none()) {
        Ok(c) => c,
        Err(why) => return usage_error(&why),
    };

    let mut auth = Authenticator::new(Config::default().allow_insecure(options.insecure));
    let mut all_ok = true;
    match (credentials, config) {
        (Some(creds), _) => {
            for registry in registries(&options.targets) {
                auth.set_credentials(registry, creds.clone());
            }
        }
        (None, Some(config)) => {
            let runner = HelperRunner::new(HELPER_TIMEOUT);
            set_config_credentials(&mut auth, config, &runner, &options.targets);
        }
        (None, None) => {}
    }

    let agent = new_agent();
    for target in &options.targets {
        match fetch(&agent, &mut auth, &options, &target.url) {
            Ok(reply) => {
                all_ok &= (200..300).contains(&reply.status);
                if let Err(e) = print_result(&reply, &target.given, options.print_body) {
                    eprintln!("error: writing the output: {e}");
                    return ExitCode::FAILURE;
                }
                if reply.status >= 400 {
                    // The registry's own words, scrubbed of every secret the machine holds.
                    let said = auth.read_error_body(&reply.body);
                    let said = if said.is_empty() {
                        String::new()
                    } else {
                        format!(": {said}")
                    };
                    let (given, status, url) = (&target.given, reply.status, &reply.url);
                    eprintln!("error: {given}: {url} answered {status}{said}");
                }
            }
            Err(why) => {
                all_ok = false;
                eprintln!("error: {}: {why}", target.given);
            }
        }
    }
    if all_ok {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn usage_error(why: &str) -> ExitCode {
    eprintln!("usage: {why}");
    ExitCode::from(2)
}

// ---- the command line ---------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SecretSource {
    Password,
    IdentityToken,
    RegistryToken,
}

impl SecretSource {
    fn flag(self) -> &'static str {
        match self {
            SecretSource::Password => "--password-stdin",
            SecretSource::IdentityToken => "--identity-token-stdin",
            SecretSource::RegistryToken => "--registry-token-stdin",
        }
    }
}

#[derive(Debug)]
struct Options {
    user: Option<String>,
    secret: Option<SecretSource>,
    insecure: bool,
    method: Method,
    headers: HeaderMap,
    scopes: Vec<Scope>,
    trace: bool,
    print_body: bool,
    /// `--docker-config`: `None` means the usual places are searched.
    docker_config: Option<PathBuf>,
    targets: Vec<Target>,
}

/// One URL or image reference argument.
#[derive(Debug)]
struct Target {
    /// The argument as given: the result and error lines name what the user wrote.
    given: String,
    /// The absolute `http(s)` URL to send.
    url: String,
    /// The name to look the Docker config up by: the reference's registry (`docker.io` for
    /// Docker Hub, which the config keys by that name or its aliases) or the URL's
    /// `host[:port]`.
    config_name: String,
    /// An image reference's repository (`library/alpine`), so that a Podman key for a
    /// namespace (`quay.io/org-a`) serves its images; `None` for a URL.
    repository: Option<String>,
}

impl Target {
    /// A URL stays as given; anything else must be an image reference.
    fn new(arg: String, insecure: bool) -> Result<Target, String> {
        // Schemes are case-insensitive (RFC 3986 section 3.1): `HTTPS://r/v2/` is a URL too.
        let is_url = ["https://", "http://"].iter().any(|p| {
            arg.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
        });
        if is_url {
            return Ok(Target {
                url: arg.clone(),
                config_name: origin(&arg).1.to_owned(),
                repository: None,
                given: arg,
            });
        }
        let reference = Reference::parse(&arg).map_err(|e| {
            format!("{arg:?} is not an http:// or https:// URL or an image reference: {e}")
        })?;
        let scheme = if insecure && is_loopback(reference.registry()) {
            "http"
        } else {
            "https"
        };
        Ok(Target {
            url: manifest_url(&reference, scheme),
            config_name: reference.registry().to_owned(),
            repository: Some(reference.repository().to_owned()),
            given: arg,
        })
    }
}

/// Whether a registry's `host[:port]` is this machine: the only place where `--insecure`
/// lets a reference, which carries no scheme, go out as plain http.
fn is_loopback(registry: &str) -> bool {
    let host = match registry.strip_prefix('[') {
        Some(bracketed) => bracketed.split(']').next().unwrap_or_default(),
        None => registry.split(':').next().unwrap_or_default(),
    };
    host.eq_ignore_ascii_case("localhost")
        || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

enum Parsed {
    Run(Options),
    Help,
}

/// Parses the arguments; `Err` is the one-line reason for a usage error.
fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Parsed, String> {
    let mut o = Options {
        user: None,
        secret: None,
        insecure: false,
        method: Method::Get,
        headers: HeaderMap::new(),
        scopes: Vec::new(),
        trace: false,
        print_body: false,
        docker_config: None,
        targets: Vec::new(),
    };
    // Kept raw until every option is read: a reference's scheme depends on `--insecure`,
    // wherever it stands.
    let mut targets = Vec::new();
    let mut args = args.into_iter();
    let mut only_targets = false;
    while let Some(arg) = args.next() {
        if only_targets || !arg.starts_with('-') {
            targets.push(arg);
            continue;
        }
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--" => only_targets = true,
            "-h" | "--help" => return Ok(Parsed::Help),
            "--user" => o.user = Some(value("--user")?),
            "--password-stdin" => set_secret(&mut o.secret, SecretSource::Password)?,
            "--identity-token-stdin" => set_secret(&mut o.secret, SecretSource::IdentityToken)?,
            "--registry-token-stdin" => set_secret(&mut o.secret, SecretSource::RegistryToken)?,
            "--docker-config" => o.docker_config = Some(value("--docker-config")?.into()),
            "--insecure" => o.insecure = true,
            "--method" => {
                let m = value("--method")?;
                o.method = match m.as_str() {
                    "GET" => Method::Get,
                    "HEAD" => Method::Head,
                    "POST" => Method::Post,
                    "PUT" => Method::Put,
                    "DELETE" => Method::Delete,
                    _ => {
                        return Err(format!(
                            "--method {m:?}: use GET, HEAD, POST, PUT or DELETE"
                        ))
                    }
                };
            }
            "--header" => {
                let h = value("--header")?;
                let (name, value) = parse_header(&h)?;
                o.headers.append(name, value);
            }
            "--scope" => {
                let s = value("--scope")?;
                let scope = Scope::parse(&s).map_err(|e| format!("--scope {s:?}: {e}"))?;
                o.scopes.push(scope);
            }
            "--trace" => o.trace = true,
            "--body" => o.print_body = true,
            _ => return Err(format!("unknown option {arg}")),
        }
    }
    match (&o.user, o.secret) {
        (None, Some(SecretSource::Password)) => return Err("--password-stdin needs --user".into()),
        (Some(_), None) => {
            return Err(
                "--user needs --password-stdin or --identity-token-stdin to read a secret".into(),
            )
        }
        (Some(_), Some(SecretSource::RegistryToken)) => {
            return Err("--registry-token-stdin takes no --user".into())
        }
        _ => {}
    }
    if targets.is_empty() {
        return Err("no URL given".into());
    }
    o.targets = targets
        .into_iter()
        .map(|arg| Target::new(arg, o.insecure))
        .collect::<Result<_, _>>()?;
    Ok(Parsed::Run(o))
}

fn set_secret(slot: &mut Option<SecretSource>, source: SecretSource) -> Result<(), String> {
    match slot {
        Some(other) if *other != source => Err(format!(
            "{} and {} both read standard input: choose one",
            other.flag(),
            source.flag()
        )),
        _ => {
            *slot = Some(source);
            Ok(())
        }
    }
}

fn parse_header(h: &str) -> Result<(HeaderName, HeaderValue), String> {
    let (name, value) = h
        .split_once(':')
        .ok_or_else(|| format!("--header {h:?}: expected 'Name: value'"))?;
    let name = HeaderName::from_bytes(name.trim().as_bytes())
        .map_err(|_| format!("--header {h:?}: bad header name"))?;
    let value = HeaderValue::from_str(value.trim())
        .map_err(|_| format!("--header {h:?}: bad header value"))?;
    Ok((name, value))
}

/// Reads the secret the options ask for from the first line of `input`.
fn read_credentials(o: &Options, input: &mut impl BufRead) -> Result<Option<Credentials>, String> {
    let Some(source) = o.secret else {
        return Ok(None);
    };
    let mut line = String::new();
    input
        .read_line(&mut line)
        .map_err(|e| format!("{}: reading standard input: {e}", source.flag()))?;
    let secret = line
        .strip_suffix('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .unwrap_or(&line);
    if secret.is_empty() {
        return Err(format!("{}: standard input has no secret", source.flag()));
    }
    let secret = Secret::new(secret);
    Ok(Some(match source {
        SecretSource::Password => Credentials::Basic {
            username: o.user.clone().unwrap_or_default(),
            password: secret,
        },
        SecretSource::IdentityToken => Credentials::IdentityToken {
            username: o.user.clone(),
            token: secret,
        },
        SecretSource::RegistryToken => Credentials::RegistryToken(secret),
    }))
}

/// The distinct registries (`host[:port]`) the targets' requests go to.
fn registries(targets: &[Target]) -> BTreeSet<&str> {
    targets.iter().map(|t| origin(&t.url).1).collect()
}

// ---- the Docker config --------------------------------------------------------------------

/// The config given with `--docker-config` (`Err`: the usage error), or when `discover`,
/// every file Docker and Podman use, layered in the order Podman asks them.
fn load_docker_config(
    explicit: Option<&PathBuf>,
    discover: bool,
) -> Result<Option<DockerConfig>, String> {
    match explicit {
        Some(path) => match host::load_config_from([path.clone()]) {
            Ok(loaded) if !loaded.is_empty() => Ok(Some(loaded.into_config())),
            // The loader skips missing files, which is right for the search, not for a path
            // the user named.
            Ok(_) => Err(format!(
                "--docker-config: cannot read docker config {}: no such file",
                path.display()
            )),
            Err(e) => Err(format!("--docker-config: {e}")),
        },
        None if !discover => Ok(None),
        None => match host::load_config() {
            Ok(loaded) if loaded.is_empty() => Ok(None),
            Ok(loaded) => Ok(Some(loaded.into_config())),
            Err(e) => {
                // A stale file the user did not point at should not stop a public pull.
                eprintln!("warning: {e}; continuing without it");
                Ok(None)
            }
        },
    }
}

/// Gives every registry the targets reach the credentials `config` holds for it, running each
/// credential helper at most once per registry. A helper that fails prints a warning line and
/// leaves its registry anonymous.
fn set_config_credentials(
    auth: &mut Authenticator,
    config: DockerConfig,
    runner: &HelperRunner,
    targets: &[Target],
) {
    // URLs are keyed by the host the requests go to, since that is how the Authenticator keys
    // credentials: `registry-1.docker.io` for a Docker Hub URL, whose config entry is found by
    // `docker.io`. Image references are looked up with their repository, and their credentials
    // set under the key that answered (`quay.io/org-a` for a Podman key naming a namespace).
    let mut hosts: BTreeMap<&str, &str> = BTreeMap::new();
    let mut images: BTreeSet<(&str, &str)> = BTreeSet::new();
    for t in targets {
        match &t.repository {
            Some(repository) => {
                images.insert((&t.config_name, repository));
            }
            None => {
                hosts.entry(origin(&t.url).1).or_insert(&t.config_name);
            }
        }
    }
    let mut resolver = CredentialResolver::new(config);
    // The resolver caches answers but not failures; two hosts of one registry (Docker Hub's
    // aliases, a default port written out) must not run a failing helper twice.
    let mut failed_helpers: Vec<String> = Vec::new();
    let lookups = hosts
        .into_iter()
        .map(|(host, name)| (host, name, None))
        .chain(
            images
                .into_iter()
                .map(|(name, repo)| (name, name, Some(repo))),
        );
    for (host, name, repository) in lookups {
        let helper_registry = match resolver.resolve(name) {
            Resolution::RunHelper(request) => Some(request.registry().to_owned()),
            _ => None,
        };
        if helper_registry
            .as_ref()
            .is_some_and(|r| failed_helpers.contains(r))
        {
            continue;
        }
        let found = match repository {
            None => host::resolve_with(&mut resolver, runner, name)
                .map(|creds| (host.to_owned(), creds)),
            Some(repository) => {
                host::resolve_repository_with(&mut resolver, runner, name, repository)
                    .map(|found| found.into_parts())
            }
        };
        match found {
            Ok((_, creds)) if creds.is_anonymous() => {}
            Ok((key, creds)) => auth.set_credentials(&key, creds),
            Err(e) => {
                // HostError never quotes a helper's standard output, where the secret is. A
                // warning, not an error: the exit status speaks for the URLs only, and a public
                // image still comes back anonymously.
                eprintln!("warning: {name}: {e}; fetching anonymously");
                failed_helpers.extend(helper_registry);
            }
        }
    }
}

/// The scheme and `host[:port]` of an absolute URL.
fn origin(url: &str) -> (&str, &str) {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    (scheme, rest.get(..end).unwrap_or(rest))
}

// ---- the driver ---------------------------------------------------------------------------

/// Sends one URL through the machine until it is done: its last response, or why it failed.
fn fetch(
    agent: &ureq::Agent,
    auth: &mut Authenticator,
    o: &Options,
    url: &str,
) -> Result<Exchanged, String> {
    let mut headers = o.headers.clone();
    if url.contains("/manifests/") && !headers.contains_key(header::ACCEPT) {
        headers.insert(header::ACCEPT, HeaderValue::from_static(MANIFEST_ACCEPT));
    }
    let request = Request::new(o.method, url)
        .scopes(&o.scopes)
        .caller_authorized(headers.contains_key(header::AUTHORIZATION));
    let mut transport = Ureq {
        agent,
        trace: o.trace,
        headers,
    };
    let last = drive::run(auth, request, &mut transport).map_err(|e| e.to_string())?;
    if !last.complete {
        let limit = FINAL_BODY_LIMIT;
        return Err(format!(
            "{} response body is larger than {limit} bytes",
            last.status
        ));
    }
    Ok(last)
}

/// The transport: one ureq exchange per request, the caller's headers (`--header`, the
/// manifest `Accept`) on its own request and nothing of them on token requests.
struct Ureq<'a> {
    agent: &'a ureq::Agent,
    trace: bool,
    headers: HeaderMap,
}

impl Transport for Ureq<'_> {
    type Response = Exchanged;
    type Error = String;

    fn exchange(&mut self, x: Exchange<'_>) -> Result<Exchanged, String> {
        let (mut headers, body) = match x.is_token_request() {
            true => (HeaderMap::new(), x.body()),
            false => (self.headers.clone(), request_body(x.method())),
        };
        x.apply_to(&mut headers);
        let limit = |status| x.read_limit(status).unwrap_or(FINAL_BODY_LIMIT);
        exchange(
            self.agent,
            self.trace,
            x.method(),
            x.url(),
            headers,
            body,
            limit,
        )
    }
}

/// The caller's request body. `POST` and `PUT` send an empty one until a body option (a file,
/// standard input) supplies it here; it is sent again on every send of the flow.
fn request_body(method: Method) -> Option<&'static [u8]> {
    match method {
        Method::Post | Method::Put | Method::Patch => Some(&[]),
        _ => None,
    }
}

fn print_result(reply: &Exchanged, given: &str, print_body: bool) -> io::Result<()> {
    let mut out = io::stdout().lock();
    writeln!(out, "{} {} {given}", reply.status, reply.body.len())?;
    // An empty body (a HEAD, a 204) prints nothing, not an empty line.
    if print_body && !reply.body.is_empty() {
        out.write_all(&reply.body)?;
        if !reply.body.ends_with(b"\n") {
            out.write_all(b"\n")?;
        }
    }
    out.flush()
}

// ---- one HTTP exchange --------------------------------------------------------------------

/// An agent that leaves every decision to the machine: no redirects followed, and 4xx/5xx
/// handed back as responses (the machine needs to see each 401).
fn new_agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .max_redirects(0)
        .http_status_as_error(false)
        .timeout_connect(Some(Duration::from_secs(30)))
        .timeout_recv_response(Some(Duration::from_secs(120)))
        .build()
        .new_agent()
}

/// A response head and the first bytes of its body.
struct Exchanged {
    /// The URL the request went to (a redirect's target, for the answer after one).
    url: String,
    head: http::response::Parts,
    status: u16,
    body: Vec<u8>,
    /// Whether the body ended within the limit.
    complete: bool,
}

impl AsResponse for Exchanged {
    fn as_response(&self) -> Response<'_, impl HeaderList<'_>> {
        Response::from(&self.head).body(&self.body)
    }
}

/// Performs one HTTP exchange: sends `method url` with `headers` (and `body`, if any), reads
/// at most `limit(status)` bytes of the response body. `Err` is the transport error.
fn exchange(
    agent: &ureq::Agent,
    trace: bool,
    method: Method,
    url: &str,
    headers: HeaderMap,
    body: Option<&[u8]>,
    limit: impl Fn(u16) -> usize,
) -> Result<Exchanged, String> {
    if trace {
        eprintln!("> {method} {url} auth={}", auth_label(&headers));
    }
    let result = send(agent, method, url, headers, body).and_then(|response| {
        let (head, body) = response.into_parts();
        let status = head.status.as_u16();
        let cap = limit(status);
        let mut bytes = Vec::new();
        // One byte past the cap tells a body that ends exactly there from a longer one.
        let read = body
            .into_reader()
            .take(u64::try_from(cap).unwrap_or(u64::MAX).saturating_add(1))
            .read_to_end(&mut bytes);
        read.map_err(ureq::Error::from)?;
        let complete = bytes.len() <= cap;
        bytes.truncate(cap);
        Ok(Exchanged {
            url: url.to_owned(),
            head,
            status,
            body: bytes,
            complete,
        })
    });
    match result {
        Ok(r) => {
            if trace {
                eprintln!("< {}", r.status);
            }
            Ok(r)
        }
        Err(e) => {
            if trace {
                eprintln!("< transport error: {e}");
            }
            Err(e.to_string())
        }
    }
}

fn send(
    agent: &ureq::Agent,
    method: Method,
    url: &str,
    headers: HeaderMap,
    body: Option<&[u8]>,
) -> Result<http::Response<ureq::Body>, ureq::Error> {
    let mut builder = http::Request::builder().method(method.as_str()).uri(url);
    if let Some(h) = builder.headers_mut() {
        *h = headers;
    }
    // `()` sends no body at all; an empty slice sends `Content-Length: 0`.
    match body {
        Some(b) => agent.run(builder.body(b)?),
        None => agent.run(builder.body(())?),
    }
}

/// `none`, `basic`, `bearer` or `other`: the scheme of the `Authorization` header, never more.
fn auth_label(headers: &HeaderMap) -> &'static str {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return "none";
    };
    let scheme = value.as_bytes().split(|&b| b == b' ').next().unwrap_or(&[]);
    if scheme.eq_ignore_ascii_case(b"basic") {
        "basic"
    } else if scheme.eq_ignore_ascii_case(b"bearer") {
        "bearer"
    } else {
        "other"
    }
}

/// `<scheme>://<api host>/v2/<repository>/manifests/<digest or tag>`: where a client fetches
/// the manifest of a reference.
fn manifest_url(r: &Reference, scheme: &str) -> String {
    format!(
        "{scheme}://{}/v2/{}/manifests/{}",
        r.api_host(),
        r.repository(),
        r.manifest_reference()
    )
}

/// The `Accept` of a manifest request that takes every manifest and index format in use (OCI
/// image manifests and indexes, Docker schema 2 manifests and lists): a registry answers with
/// the first format it holds that the client accepts.
const MANIFEST_ACCEPT: &str = "application/vnd.oci.image.manifest.v1+json, \
application/vnd.oci.image.index.v1+json, \
application/vnd.docker.distribution.manifest.v2+json, \
application/vnd.docker.distribution.manifest.list.v2+json";
