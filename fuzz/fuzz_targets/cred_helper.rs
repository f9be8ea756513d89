//! `CredentialResolver` over config files built from the input, resolving arbitrary registry
//! names, with helper runs that exit, fail or are killed and print anything.
//!
//! Checks the protocol (program `docker-credential-NAME`, the only argument `get`, the server
//! URL and a newline on stdin), the cache (answers are kept per normalised registry, failures
//! are not), the documented reading of a helper's output, and that an error never repeats the
//! `Secret` of a JSON-looking output it rejected: that output is where the secret is.
#![no_main]

#[path = "common/dict.rs"]
mod dict;

#[path = "common/docker.rs"]
mod docker;
#[path = "common/gen.rs"]
mod gen;

use std::collections::HashMap;

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use registry_auth::cred_helper::{
    CredentialResolver, HelperErrorKind, HelperRequest, Resolution, MAX_HELPER_OUTPUT,
};
use registry_auth::docker_config::{DockerConfig, Lookup};
use registry_auth::Credentials;
use serde_json::{json, Map, Value};

use docker::{clean, config_json, credential_key, normalise, NAMES, SECRET};
use gen::{assert_one_line, bytes, contains, index, int, pick, pick_or_text, text};

const NOT_FOUND: &str = "credentials not found in native keychain";

fuzz_target!(
    init: dict::use_dictionary("cred_helper"),
    |data: &[u8]| run(data)
);

fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    let (json, keys) = config_json(&mut u);
    let config = DockerConfig::parse(&json).unwrap_or_default();
    let mut resolver = CredentialResolver::new(config.clone());
    let mut cache: HashMap<String, Credentials> = HashMap::new();
    let mut names: Vec<String> = NAMES.iter().map(|s| s.to_string()).collect();
    names.extend(keys);
    let mut ops = 0;
    while !u.is_empty() && ops < 32 {
        ops += 1;
        let name = match index(&mut u, 4) {
            0 => clean(text(&mut u, 30)),
            _ => pick(&mut u, &names).clone(),
        };
        let key = normalise(&name);
        if index(&mut u, 5) == 0 {
            // A name with a namespace forgets that namespace's answer alone.
            resolver.forget(&name);
            cache.remove(&credential_key(&name));
            continue;
        }
        match resolver.resolve(&name) {
            Resolution::Ready(c) => match cache.get(&key) {
                Some(cached) => assert_eq!(&c, cached, "cached answer for {name:?} changed"),
                None => {
                    let expected = match config.lookup(&name) {
                        Lookup::Credentials(c) => c,
                        Lookup::Anonymous => Credentials::Anonymous,
                        other => panic!("ready for {name:?} where the config says {other:?}"),
                    };
                    assert_eq!(c, expected);
                    cache.insert(key, c);
                }
            },
            Resolution::RunHelper(request) => {
                assert!(!cache.contains_key(&key), "helper run again for {name:?}");
                check_request(&config, &name, &key, &request);
                let out = gen_output(&mut u);
                let got = resolver.handle_output(&request, out.exit, &out.stdout, &out.stderr);
                check_output(&request, &out, &got);
                if let Ok(c) = got {
                    cache.insert(key, c);
                }
            }
            other => panic!("unknown resolution {other:?}"),
        }
    }
}

fn check_request(config: &DockerConfig, name: &str, key: &str, request: &HelperRequest) {
    match config.lookup(name) {
        Lookup::Helper {
            program,
            server_url,
        } => {
            assert_eq!(request.program(), program);
            assert_eq!(request.server_url(), server_url);
        }
        other => panic!("helper for {name:?} where the config says {other:?}"),
    }
    assert!(request.program().starts_with("docker-credential-"));
    assert_eq!(request.args(), ["get"]);
    assert_eq!(request.stdin(), format!("{}\n", request.server_url()));
    assert_eq!(request.registry(), key);
}

struct Output {
    exit: Option<i32>,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// What exit 0 must give, when the output is a plain JSON answer.
    model: Option<Result<Credentials, &'static str>>,
    /// The output looks like JSON (and holds the secret): an error must not repeat it.
    json_like: bool,
}

/// The documented reading of one field of a helper's answer.
fn model_answer(
    username: &Option<Value>,
    secret: &Option<Value>,
) -> Result<Credentials, &'static str> {
    let username = match username {
        None | Some(Value::Null) => "",
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err("Username"),
    };
    let secret = match secret {
        None | Some(Value::Null) => return Err("missing"),
        Some(Value::String(s)) => s.as_str(),
        Some(_) => return Err("Secret"),
    };
    Ok(if username == "<token>" {
        Credentials::IdentityToken {
            username: None,
            token: secret.into(),
        }
    } else if username.is_empty() && secret.is_empty() {
        Credentials::Anonymous
    } else {
        Credentials::basic(username, secret)
    })
}

fn gen_output(u: &mut Unstructured<'_>) -> Output {
    let exit = match index(u, 5) {
        0 | 1 => Some(0),
        2 => Some(1),
        3 => None,
        _ => Some(int(u, 0, u32::MAX as u64) as u32 as i32),
    };
    let stderr = match index(u, 5) {
        0 | 1 => Vec::new(),
        2 => NOT_FOUND.as_bytes().to_vec(),
        3 => b"error getting credentials\nsecond line".to_vec(),
        _ => clean(text(u, 60)).into_bytes(),
    };
    let mut out = Output {
        exit,
        stdout: Vec::new(),
        stderr,
        model: None,
        json_like: false,
    };
    match index(u, 6) {
        0..=2 => json_answer(u, &mut out),
        3 => out.stdout = format!("{NOT_FOUND}\n").into_bytes(),
        4 => out.stdout = clean(String::from_utf8_lossy(&bytes(u, 200)).into_owned()).into_bytes(),
        _ => {
            let pad = "x".repeat(MAX_HELPER_OUTPUT);
            out.stdout = format!(r#"{{"Secret":"{SECRET}-big","Pad":"{pad}"}}"#).into_bytes();
            out.json_like = true;
        }
    }
    out
}

fn json_answer(u: &mut Unstructured<'_>, out: &mut Output) {
    let username = match index(u, 6) {
        0 => None,
        1 => Some(json!(null)),
        2 => Some(json!(5)),
        _ => Some(Value::String(clean(pick_or_text(
            u,
            &["alice", "<token>", ""],
            16,
        )))),
    };
    let secret = match index(u, 6) {
        0 => None,
        1 => Some(json!(null)),
        2 => Some(json!(7)),
        3 => Some(json!("")),
        _ => Some(Value::String(format!("{SECRET}-helper-{}", int(u, 0, 99)))),
    };
    let mut m = Map::new();
    m.insert("ServerURL".into(), Value::String(clean(text(u, 20))));
    if let Some(v) = &username {
        m.insert("Username".into(), v.clone());
    }
    if let Some(v) = &secret {
        m.insert("Secret".into(), v.clone());
    }
    let obj = Value::Object(m);
    let compact = serde_json::to_string(&obj).unwrap_or_default();
    let (text, plain, json_like) = match index(u, 7) {
        0 | 1 => (compact, true, true),
        2 => (format!(" \n\t{compact}\n"), true, true),
        3 => (
            serde_json::to_string_pretty(&obj).unwrap_or_default(),
            true,
            true,
        ),
        // A byte order mark, as PowerShell writes one.
        4 => (format!("\u{feff}{compact}"), false, true),
        5 => (format!("[{compact}]"), false, true),
        _ => (format!("{compact} trailing"), false, false),
    };
    out.stdout = text.into_bytes();
    out.json_like = json_like;
    if plain {
        out.model = Some(model_answer(&username, &secret));
    }
}

fn check_output(
    request: &HelperRequest,
    out: &Output,
    got: &Result<Credentials, registry_auth::cred_helper::HelperError>,
) {
    let found = |b: &[u8]| contains(b, NOT_FOUND.as_bytes());
    match got {
        Ok(c) => {
            assert!(out.stdout.len() <= MAX_HELPER_OUTPUT);
            match out.exit {
                Some(0) => {
                    if let Some(model) = &out.model {
                        assert_eq!(
                            Ok(c),
                            model.as_ref(),
                            "{}",
                            String::from_utf8_lossy(&out.stdout)
                        );
                    }
                }
                Some(_) => {
                    assert!(found(&out.stdout) || found(&out.stderr));
                    assert_eq!(*c, Credentials::Anonymous);
                }
                None => panic!("a killed helper gave {c:?}"),
            }
        }
        Err(e) => {
            assert_eq!(e.program(), request.program());
            let shown = e.to_string();
            assert_one_line("helper error", &shown);
            let kind = e.kind();
            if out.stdout.len() > MAX_HELPER_OUTPUT {
                assert!(
                    matches!(kind, HelperErrorKind::OutputTooLarge { .. }),
                    "{kind:?}"
                );
            } else {
                match out.exit {
                    None => assert!(matches!(kind, HelperErrorKind::Killed), "{kind:?}"),
                    Some(0) => {
                        if let Some(Err(field)) = &out.model {
                            let ok = match *field {
                                "missing" => matches!(kind, HelperErrorKind::MissingSecret),
                                f => {
                                    matches!(kind, HelperErrorKind::WrongType { field } if *field == f)
                                }
                            };
                            assert!(ok, "{kind:?} for a {field} answer");
                        }
                        assert!(out.model.as_ref().is_none_or(|m| m.is_err()), "{kind:?}");
                    }
                    Some(code) => {
                        assert!(!found(&out.stdout) && !found(&out.stderr));
                        assert!(
                            matches!(kind, HelperErrorKind::Failed { exit_code, .. } if *exit_code == code),
                            "{kind:?}"
                        );
                    }
                }
            }
            if out.json_like && !contains(&out.stderr, SECRET.as_bytes()) {
                let debug = format!("{e:?}");
                assert!(
                    !shown.contains(SECRET) && !debug.contains(SECRET),
                    "helper error repeats the secret of a rejected answer: {shown}"
                );
            }
        }
    }
}
