//! `DockerConfig::parse` on arbitrary bytes and on config files built from the input, then
//! `lookup` for Docker Hub's aliases, other spellings and the file's own keys.
//!
//! Every password and token in a built file holds `FUZZSECRET`: the config's `Debug`, every
//! lookup's `Debug` and every error's `Display` and `Debug` must never show it. Lookups must
//! follow the documented precedence (a `credHelpers` entry, then `credsStore`, then `auths`),
//! name helpers that stay on `PATH`, and answer the same for every spelling of a registry
//! when only one `auths` key names it. `lookup_repository` must answer under the registry's
//! key (then as `lookup` does) or under a key for a namespace of the file that prefixes the
//! repository on `/` boundaries (then with credentials, and only when no helper serves the
//! registry).
#![no_main]

#[path = "common/dict.rs"]
mod dict;

#[path = "common/docker.rs"]
mod docker;
#[path = "common/gen.rs"]
mod gen;

use libfuzzer_sys::arbitrary::Unstructured;
use libfuzzer_sys::fuzz_target;
use registry_auth::docker_config::{DockerConfig, Lookup, DOCKER_HUB_SERVER, HELPER_PREFIX};

use docker::{config_json, host_part, namespace, normalise, REPOSITORIES, SECRET};
use gen::{assert_one_line, flag};

const ALIASES: [&[&str]; 3] = [
    &[
        "docker.io",
        "index.docker.io",
        "registry-1.docker.io",
        "https://index.docker.io/v1/",
        "Docker.IO",
        "docker.io:443",
        "https://registry-1.docker.io/v2/",
    ],
    &[
        "registry.example.com",
        "REGISTRY.example.com",
        "https://registry.example.com/v2/",
        "registry.example.com:443",
        "http://registry.example.com:80",
    ],
    &[
        "localhost:5000",
        "http://localhost:5000/v2/",
        "LOCALHOST:5000",
    ],
];

fuzz_target!(
    init: dict::use_dictionary("docker_config"),
    |data: &[u8]| run(data)
);

fn run(data: &[u8]) {
    let mut u = Unstructured::new(data);
    if flag(&mut u) {
        let (json, keys) = config_json(&mut u);
        match DockerConfig::parse(&json) {
            Ok(config) => {
                let debug = format!("{config:?}");
                assert!(
                    !debug.contains(SECRET),
                    "config debug shows a secret: {debug}"
                );
                check_lookups(&config, &keys, true);
            }
            Err(e) => {
                let shown = e.to_string();
                assert_one_line("config error", &shown);
                assert!(
                    !shown.contains(SECRET),
                    "config error shows a secret: {shown}"
                );
                assert!(!format!("{e:?}").contains(SECRET), "{e:?}");
            }
        }
    } else {
        match DockerConfig::parse(u.take_rest()) {
            Ok(config) => check_lookups(&config, &[], false),
            Err(e) => assert_one_line("config error", &e.to_string()),
        }
    }
}

fn is_helper_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '/' && c != '\\')
}

/// A look-up with the helper's server URL normalised: a `credsStore` is asked about the
/// registry as the caller spelled it, so spellings differ there and only there.
fn same_spelling(found: Lookup) -> Lookup {
    match found {
        Lookup::Helper {
            program,
            server_url,
        } => Lookup::Helper {
            program,
            server_url: normalise(&server_url),
        },
        other => other,
    }
}

fn check_lookups(config: &DockerConfig, keys: &[String], planted: bool) {
    let mut names: Vec<String> = keys.to_vec();
    names.extend(config.auth_keys().map(String::from));
    names.extend(config.cred_helpers().map(|(k, _)| k.to_string()));
    names.extend(ALIASES.iter().flat_map(|g| g.iter().map(|s| s.to_string())));
    for name in &names {
        let found = config.lookup(name);
        if planted {
            let debug = format!("{found:?}");
            assert!(
                !debug.contains(SECRET),
                "lookup debug shows a secret: {debug}"
            );
        }
        let wanted = normalise(name);
        let from_helpers = config
            .cred_helpers()
            .find(|(k, _)| normalise(k) == wanted)
            .map(|(k, h)| (h, host_part(k).to_string()));
        // A store is asked about the registry as written; a `credHelpers` entry, as its key
        // is written.
        let from_store = config
            .creds_store()
            .map(|h| (h, host_part(name).to_string()));
        match (&found, from_helpers.or(from_store)) {
            (
                Lookup::Helper {
                    program,
                    server_url,
                },
                Some((helper, url)),
            ) => {
                let name = program.strip_prefix(HELPER_PREFIX).expect("helper prefix");
                assert_eq!(name, helper);
                assert!(
                    is_helper_name(name),
                    "helper {program:?} is not a PATH name"
                );
                let url = if wanted == "docker.io" {
                    DOCKER_HUB_SERVER.to_string()
                } else {
                    url
                };
                assert_eq!(*server_url, url, "server url for {name:?}");
            }
            (Lookup::Credentials(c), None) => assert!(!c.is_anonymous()),
            (Lookup::Anonymous, None) => {}
            (found, helper) => panic!("lookup({name:?}) = {found:?}, helper {helper:?}"),
        }
    }
    check_repository_lookups(config, &names, planted);
    // Every spelling of a registry finds the same, unless several keys name it (then the one
    // written as asked wins, by design).
    let input_groups: Vec<Vec<String>> = keys
        .iter()
        .map(|k| vec![k.clone(), k.to_ascii_uppercase()])
        .collect();
    let fixed_groups = ALIASES
        .iter()
        .map(|g| g.iter().map(|s| s.to_string()).collect::<Vec<_>>());
    for group in input_groups.into_iter().chain(fixed_groups) {
        let wanted = normalise(&group[0]);
        if config
            .auth_keys()
            .filter(|k| normalise(k) == wanted)
            .count()
            > 1
        {
            continue;
        }
        let first = same_spelling(config.lookup(&group[0]));
        for name in &group[1..] {
            assert_eq!(
                same_spelling(config.lookup(name)),
                first,
                "{name:?} and {:?}",
                group[0]
            );
        }
    }
}

fn covers(ns: &str, repository: &str) -> bool {
    repository == ns
        || repository
            .strip_prefix(ns)
            .is_some_and(|rest| rest.starts_with('/'))
}

fn check_repository_lookups(config: &DockerConfig, names: &[String], planted: bool) {
    let mut repositories: Vec<String> = REPOSITORIES.iter().map(|r| r.to_string()).collect();
    repositories.extend(config.auth_keys().filter_map(namespace));
    for name in names {
        let wanted = normalise(name);
        let helpers = config.creds_store().is_some()
            || config.cred_helpers().any(|(k, _)| normalise(k) == wanted);
        for repository in &repositories {
            let found = config.lookup_repository(name, repository);
            if planted {
                let debug = format!("{found:?}");
                assert!(
                    !debug.contains(SECRET),
                    "keyed lookup shows a secret: {debug}"
                );
            }
            let key = found.key();
            if key == wanted {
                assert_eq!(
                    found.value(),
                    &config.lookup(name),
                    "{name:?} {repository:?}"
                );
                continue;
            }
            let ns = key
                .strip_prefix(wanted.as_str())
                .and_then(|rest| rest.strip_prefix('/'))
                .unwrap_or_else(|| panic!("key {key:?} for registry {wanted:?}"));
            assert!(
                covers(ns, repository.trim_matches('/')),
                "{key:?} for {repository:?}"
            );
            assert!(
                config
                    .auth_keys()
                    .any(|k| normalise(k) == wanted && namespace(k).as_deref() == Some(ns)),
                "{key:?} is no key of the file"
            );
            assert!(
                !helpers,
                "{key:?} answered where a helper serves {wanted:?}"
            );
            assert!(
                matches!(found.value(), Lookup::Credentials(c) if !c.is_anonymous()),
                "{found:?}"
            );
        }
    }
}
