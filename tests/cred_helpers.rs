//! The credential-helper protocol: Sans-IO resolution and output handling, and (feature `host`)
//! real helper processes, config file discovery and loading.

use registry_auth::cred_helper::{
    CredentialResolver, HelperErrorKind, Resolution, MAX_HELPER_OUTPUT,
};
use registry_auth::docker_config::{DockerConfig, Lookup, DOCKER_HUB_SERVER};
use registry_auth::Credentials;

const SECRET: &str = "Walrus-Plum-4412-secret";

fn resolver(json: &str) -> CredentialResolver {
    CredentialResolver::new(DockerConfig::parse(json.as_bytes()).unwrap())
}

fn helper_request(
    resolver: &mut CredentialResolver,
    registry: &str,
) -> registry_auth::cred_helper::HelperRequest {
    match resolver.resolve(registry) {
        Resolution::RunHelper(r) => r,
        other => panic!("expected a helper run for {registry}, got {other:?}"),
    }
}

#[test]
fn credentials_in_the_file_are_ready_without_a_helper() {
    let mut r = resolver(r#"{"auths":{"r.example.com":{"username":"u","password":"p"}}}"#);
    assert_eq!(
        r.resolve("r.example.com"),
        Resolution::Ready(Credentials::basic("u", "p"))
    );
    assert_eq!(
        r.resolve("other.example.com"),
        Resolution::Ready(Credentials::Anonymous)
    );
}

#[test]
fn helper_request_runs_get_with_the_server_url_on_stdin_only() {
    let mut r = resolver(r#"{"credsStore":"desktop","credHelpers":{"gcr.io":"gcloud"}}"#);
    let req = helper_request(&mut r, "gcr.io");
    assert_eq!(req.program(), "docker-credential-gcloud");
    assert_eq!(req.args(), ["get"]);
    assert_eq!(req.stdin(), "gcr.io\n");
    assert_eq!(req.server_url(), "gcr.io");
    assert_eq!(req.registry(), "gcr.io");

    let req = helper_request(&mut r, "registry-1.docker.io");
    assert_eq!(req.program(), "docker-credential-desktop");
    assert_eq!(req.stdin(), format!("{DOCKER_HUB_SERVER}\n"));
    assert_eq!(req.registry(), "docker.io");
}

#[test]
fn helper_answer_gives_basic_credentials_and_token_username_gives_an_identity_token() {
    let mut r = resolver(r#"{"credsStore":"desktop"}"#);
    let req = helper_request(&mut r, "a.example.com");
    let out = format!(r#"{{"ServerURL":"a.example.com","Username":"alice","Secret":"{SECRET}"}}"#);
    assert_eq!(
        r.handle_output(&req, Some(0), out.as_bytes(), b""),
        Ok(Credentials::basic("alice", SECRET))
    );

    let req = helper_request(&mut r, "b.example.com");
    let out =
        format!(r#"{{"ServerURL":"b.example.com","Username":"<token>","Secret":"{SECRET}"}}"#);
    assert_eq!(
        r.handle_output(&req, Some(0), out.as_bytes(), b""),
        Ok(Credentials::identity_token(SECRET))
    );

    let req = helper_request(&mut r, "c.example.com");
    assert_eq!(
        r.handle_output(&req, Some(0), br#"{"Username":"","Secret":""}"#, b""),
        Ok(Credentials::Anonymous)
    );

    // Only both empty is anonymous: a token without a user name (some helpers answer so for
    // registries that take any user) or a user with an empty password is still Basic.
    let req = helper_request(&mut r, "d.example.com");
    assert_eq!(
        r.handle_output(&req, Some(0), br#"{"Username":"","Secret":"tok"}"#, b""),
        Ok(Credentials::basic("", "tok"))
    );
    let req = helper_request(&mut r, "e.example.com");
    assert_eq!(
        r.handle_output(&req, Some(0), br#"{"Username":"bob","Secret":""}"#, b""),
        Ok(Credentials::basic("bob", ""))
    );
}

#[test]
fn credentials_not_found_answer_means_anonymous_and_is_cached() {
    let mut r = resolver(r#"{"credsStore":"pass"}"#);
    let req = helper_request(&mut r, "ghcr.io");
    assert_eq!(
        r.handle_output(
            &req,
            Some(1),
            b"credentials not found in native keychain\n",
            b""
        ),
        Ok(Credentials::Anonymous)
    );
    assert_eq!(
        r.resolve("ghcr.io"),
        Resolution::Ready(Credentials::Anonymous)
    );
}

#[test]
fn answers_are_cached_until_forgotten_and_failures_are_not_cached() {
    let mut r = resolver(r#"{"credsStore":"desktop"}"#);
    let req = helper_request(&mut r, "R.example.com:443");
    assert!(r.handle_output(&req, Some(2), b"", b"boom").is_err());
    let req = helper_request(&mut r, "r.example.com");
    r.handle_output(&req, Some(0), br#"{"Username":"u","Secret":"s"}"#, b"")
        .unwrap();
    // Cached under the normalised name, whatever spelling asks.
    for name in ["r.example.com", "https://R.EXAMPLE.com:443/v2/"] {
        assert_eq!(
            r.resolve(name),
            Resolution::Ready(Credentials::basic("u", "s"))
        );
    }
    r.forget("r.example.com");
    helper_request(&mut r, "r.example.com");
}

#[test]
fn a_later_answer_for_a_registry_replaces_its_own_cached_answer_only() {
    let mut r = resolver(r#"{"credsStore":"desktop"}"#);
    let a = helper_request(&mut r, "a.example.com");
    let b = helper_request(&mut r, "b.example.com");
    let a_again = helper_request(&mut r, "a.example.com");
    let answer = |user: &str| format!(r#"{{"Username":"{user}","Secret":"s"}}"#);
    r.handle_output(&a, Some(0), answer("first").as_bytes(), b"")
        .unwrap();
    r.handle_output(&b, Some(0), answer("bee").as_bytes(), b"")
        .unwrap();
    r.handle_output(&a_again, Some(0), answer("second").as_bytes(), b"")
        .unwrap();
    assert_eq!(
        r.resolve("a.example.com"),
        Resolution::Ready(Credentials::basic("second", "s"))
    );
    assert_eq!(
        r.resolve("b.example.com"),
        Resolution::Ready(Credentials::basic("bee", "s"))
    );
}

/// (exit code, stdout, stderr, error kind, part of the message)
type FailureCase<'a> = (Option<i32>, &'a [u8], &'a [u8], HelperErrorKind, &'a str);

#[test]
fn unusable_helper_output_is_an_error_naming_the_helper_and_the_reason() {
    let big = vec![b' '; MAX_HELPER_OUTPUT + 1];
    let secret_json = format!(r#"{{"Username":"u","Secret":"{SECRET}"}}"#);
    let cases: Vec<FailureCase> = vec![
        (
            None,
            b"",
            b"",
            HelperErrorKind::Killed,
            "timed out or was killed",
        ),
        (
            Some(1),
            b"",
            b"error: keychain locked\nsecond line",
            HelperErrorKind::Failed {
                exit_code: 1,
                message: "error: keychain locked".into(),
            },
            "exited with status 1: error: keychain locked",
        ),
        (
            // Standard output is never quoted, even when it looks like an error message: a
            // broken helper may print its secret there bare.
            Some(1),
            SECRET.as_bytes(),
            b"",
            HelperErrorKind::Failed {
                exit_code: 1,
                message: String::new(),
            },
            "exited with status 1",
        ),
        (
            // JSON on standard output of a failed run is not repeated: it is where a secret is.
            Some(3),
            secret_json.as_bytes(),
            b"",
            HelperErrorKind::Failed {
                exit_code: 3,
                message: String::new(),
            },
            "exited with status 3",
        ),
        (
            Some(0),
            b"not json at all",
            b"",
            HelperErrorKind::NotJson {
                reason: "expected ident at line 1 column 2".into(),
            },
            "not a json object",
        ),
        (
            Some(0),
            b"[]",
            b"",
            HelperErrorKind::NotJson {
                reason: "the top level is not an object".into(),
            },
            "not a json object",
        ),
        (
            Some(0),
            br#"{"ServerURL":"x","Username":"u"}"#,
            b"",
            HelperErrorKind::MissingSecret,
            "printed no `Secret`",
        ),
        (
            Some(0),
            br#"{"Username":"u","Secret":42}"#,
            b"",
            HelperErrorKind::WrongType { field: "Secret" },
            "`Secret` that is not a string",
        ),
        (
            Some(0),
            &big,
            b"",
            HelperErrorKind::OutputTooLarge {
                limit: MAX_HELPER_OUTPUT,
            },
            "more than 65536 bytes",
        ),
    ];
    for (exit, stdout, stderr, kind, message) in cases {
        let mut r = resolver(r#"{"credsStore":"desktop"}"#);
        let req = helper_request(&mut r, "r.example.com");
        let e = r.handle_output(&req, exit, stdout, stderr).unwrap_err();
        assert_eq!(e.kind(), &kind);
        assert_eq!(e.program(), "docker-credential-desktop");
        let shown = e.to_string();
        assert!(
            shown.starts_with("credential helper `docker-credential-desktop` "),
            "{shown}"
        );
        assert!(shown.contains(message), "{shown}");
        if let HelperErrorKind::Failed { .. } = &kind {
            // A failure ends with its message, or without one at its status.
            assert!(shown.ends_with(message), "{shown}");
        }
        assert!(
            !shown.contains(SECRET) && !format!("{e:?}").contains(SECRET),
            "{shown}"
        );
        // Not cached: the next resolve asks the helper again.
        helper_request(&mut r, "r.example.com");
    }
}

#[test]
fn helper_output_of_exactly_the_limit_is_read() {
    let answer = br#"{"Username":"u","Secret":"s"}"#;
    let mut stdout = answer.to_vec();
    stdout.resize(MAX_HELPER_OUTPUT, b' ');
    let mut r = resolver(r#"{"credsStore":"desktop"}"#);
    let req = helper_request(&mut r, "r.example.com");
    let creds = r.handle_output(&req, Some(0), &stdout, b"").unwrap();
    assert_eq!(creds, Credentials::basic("u", "s"));
}

#[test]
fn helper_error_messages_drop_control_characters_and_clip_at_200() {
    let mut r = resolver(r#"{"credsStore":"desktop"}"#);
    let req = helper_request(&mut r, "r.example.com");
    let mut stderr = b"\x1b[31mred\x07 alert\r".to_vec();
    stderr.extend_from_slice(&[b'x'; 500]);
    let e = r.handle_output(&req, Some(1), b"", &stderr).unwrap_err();
    let HelperErrorKind::Failed { message, .. } = e.kind() else {
        panic!("{e:?}")
    };
    assert!(message.starts_with("[31mred alert"), "{message}");
    assert_eq!(message.chars().count(), 203);
    assert!(message.ends_with("..."));
    assert!(!e.to_string().chars().any(char::is_control));
}

#[cfg(all(feature = "host", unix))]
mod host {
    use super::*;
    use registry_auth::host::{
        config_candidates_from, load_config_from, resolve_with, HelperRunner, HostError,
    };
    use std::ffi::OsString;
    use std::os::unix::fs::PermissionsExt;
    use std::path::{Path, PathBuf};
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Mutex, MutexGuard};
    use std::time::{Duration, Instant};

    /// Writing an executable while another thread forks makes `exec` fail with "text file
    /// busy"; tests that write scripts and run them take turns.
    static PROCESS_TESTS: Mutex<()> = Mutex::new(());

    /// A fresh directory under the system temp dir, removed when dropped (also on panic).
    struct TempDir {
        path: PathBuf,
        _turn: MutexGuard<'static, ()>,
    }

    impl TempDir {
        fn new(name: &str) -> TempDir {
            static N: AtomicUsize = AtomicUsize::new(0);
            let turn = PROCESS_TESTS.lock().unwrap_or_else(|e| e.into_inner());
            let path = std::env::temp_dir().join(format!(
                "registry-auth-{name}-{}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::Relaxed)
            ));
            std::fs::create_dir_all(&path).unwrap();
            TempDir { path, _turn: turn }
        }

        fn script(&self, helper: &str, body: &str) {
            let file = self.path.join(format!("docker-credential-{helper}"));
            std::fs::write(&file, format!("#!/bin/sh\n{body}\n")).unwrap();
            std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o755)).unwrap();
        }

        fn file(&self, name: &str, contents: &str) -> PathBuf {
            let file = self.path.join(name);
            std::fs::write(&file, contents).unwrap();
            file
        }

        fn runner(&self, timeout: Duration) -> HelperRunner {
            let mut path = OsString::from(&self.path);
            path.push(":/usr/bin:/bin");
            HelperRunner::new(timeout).with_path(path)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }

    /// Fails unless `get` is its only argument, then answers with the server URL read on stdin
    /// in the user name, so that tests see what it received.
    const CHECKING_HELPER: &str = r#"
if [ "$#" -ne 1 ] || [ "$1" != get ]; then echo "unexpected arguments: $*" >&2; exit 2; fi
read -r url
printf '{"ServerURL":"%s","Username":"alice@%s","Secret":"s3cret"}\n' "$url" "$url""#;

    const SECONDS: Duration = Duration::from_secs(10);

    #[test]
    fn helper_process_gets_only_the_get_argument_and_the_server_url_on_stdin() {
        let dir = TempDir::new("valid");
        dir.script("valid", CHECKING_HELPER);
        let mut r = resolver(r#"{"credsStore":"valid"}"#);
        let runner = dir.runner(SECONDS);
        assert_eq!(
            resolve_with(&mut r, &runner, "r.example.com:5000").unwrap(),
            Credentials::basic("alice@r.example.com:5000", "s3cret")
        );
        assert_eq!(
            resolve_with(&mut r, &runner, "registry-1.docker.io").unwrap(),
            Credentials::basic(format!("alice@{DOCKER_HUB_SERVER}"), "s3cret")
        );
    }

    #[test]
    fn helper_process_with_token_username_gives_an_identity_token() {
        let dir = TempDir::new("token");
        dir.script(
            "token",
            r#"read -r url; printf '{"ServerURL":"%s","Username":"<token>","Secret":"refresh-9"}' "$url""#,
        );
        let mut r = resolver(r#"{"credHelpers":{"acr.example.io":"token"}}"#);
        assert_eq!(
            resolve_with(&mut r, &dir.runner(SECONDS), "acr.example.io").unwrap(),
            Credentials::identity_token("refresh-9")
        );
    }

    #[test]
    fn helper_process_saying_credentials_not_found_gives_anonymous() {
        let dir = TempDir::new("notfound");
        dir.script(
            "notfound",
            "cat >/dev/null; echo 'credentials not found in native keychain'; exit 1",
        );
        let mut r = resolver(r#"{"credsStore":"notfound"}"#);
        assert_eq!(
            resolve_with(&mut r, &dir.runner(SECONDS), "ghcr.io").unwrap(),
            Credentials::Anonymous
        );
    }

    #[test]
    fn hanging_helper_is_killed_at_the_timeout_and_gives_a_timeout_error() {
        let dir = TempDir::new("hang");
        // `sleep` is a child of the shell and keeps the output pipes open after the shell dies.
        dir.script("hang", "echo started >&2; sleep 30");
        let mut r = resolver(r#"{"credsStore":"hang"}"#);
        let runner = dir.runner(Duration::from_millis(300));

        let start = Instant::now();
        let req = helper_request(&mut r, "r.example.com");
        let out = runner.run(&req).unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert!(start.elapsed() >= Duration::from_millis(300));
        assert_eq!(out.exit_code, None);
        assert!(out.timed_out);

        let start = Instant::now();
        let e = resolve_with(&mut r, &runner, "r.example.com").unwrap_err();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        let HostError::Helper(e) = e else {
            panic!("{e}")
        };
        assert_eq!(e.kind(), &HelperErrorKind::Killed);
        assert!(e.to_string().contains("timed out"), "{e}");
    }

    #[test]
    fn a_helper_that_never_reads_a_long_server_url_still_times_out() {
        let dir = TempDir::new("deaf");
        dir.script("deaf", "exec sleep 30");
        let mut r = resolver(r#"{"credsStore":"deaf"}"#);
        // Far more than a pipe buffer (64 KiB on Linux): writing it blocks until the helper
        // reads, and this one never does.
        let registry = format!("{}.example.com", "a".repeat(300_000));
        let req = helper_request(&mut r, &registry);
        assert!(req.stdin().len() > 300_000);
        let start = Instant::now();
        let out = dir.runner(Duration::from_millis(300)).run(&req).unwrap();
        assert!(
            start.elapsed() < Duration::from_secs(5),
            "{:?}",
            start.elapsed()
        );
        assert!(out.timed_out);
        assert_eq!(out.exit_code, None);
    }

    #[test]
    fn helper_printing_garbage_is_a_not_json_error() {
        let dir = TempDir::new("garbage");
        dir.script("garbage", "echo 'Password: hunter2 <-- oops'");
        let mut r = resolver(r#"{"credsStore":"garbage"}"#);
        let e = resolve_with(&mut r, &dir.runner(SECONDS), "r.example.com").unwrap_err();
        let HostError::Helper(e) = e else {
            panic!("{e}")
        };
        assert!(matches!(e.kind(), HelperErrorKind::NotJson { .. }), "{e}");
        assert!(!e.to_string().contains("hunter2"), "{e}");
    }

    #[test]
    fn failing_helper_error_names_the_helper_status_and_stderr_line() {
        let dir = TempDir::new("fails");
        dir.script(
            "fails",
            "echo 'keychain is locked' >&2; echo 'details' >&2; exit 4",
        );
        let mut r = resolver(r#"{"credsStore":"fails"}"#);
        let e = resolve_with(&mut r, &dir.runner(SECONDS), "r.example.com").unwrap_err();
        assert_eq!(
            e.to_string(),
            "credential helper `docker-credential-fails` exited with status 4: keychain is locked"
        );
    }

    #[test]
    fn helper_printing_more_than_the_limit_is_an_error_not_a_hang() {
        let dir = TempDir::new("big");
        dir.script("big", "head -c 1000000 /dev/zero");
        let mut r = resolver(r#"{"credsStore":"big"}"#);
        let e = resolve_with(&mut r, &dir.runner(SECONDS), "r.example.com").unwrap_err();
        let HostError::Helper(e) = e else {
            panic!("{e}")
        };
        assert!(
            matches!(e.kind(), HelperErrorKind::OutputTooLarge { .. }),
            "{e}"
        );
    }

    #[test]
    fn missing_helper_is_a_spawn_error_naming_it() {
        let dir = TempDir::new("missing");
        let mut r = resolver(r#"{"credsStore":"not-installed"}"#);
        let e = resolve_with(&mut r, &dir.runner(SECONDS), "r.example.com").unwrap_err();
        assert!(matches!(e, HostError::Spawn { .. }), "{e}");
        assert!(
            e.to_string()
                .starts_with("cannot run credential helper `docker-credential-not-installed`: "),
            "{e}"
        );
    }

    #[test]
    fn helper_runs_once_per_registry_for_the_resolver_s_life() {
        let dir = TempDir::new("counter");
        dir.script(
            "counter",
            r#"read -r url; echo run >> "$(dirname "$0")/count"; printf '{"Username":"u","Secret":"s"}'"#,
        );
        let mut r = resolver(r#"{"credsStore":"counter"}"#);
        let runner = dir.runner(SECONDS);
        for _ in 0..2 {
            assert_eq!(
                resolve_with(&mut r, &runner, "r.example.com").unwrap(),
                Credentials::basic("u", "s")
            );
        }
        let count = std::fs::read_to_string(dir.path.join("count")).unwrap();
        assert_eq!(count.lines().count(), 1);

        resolve_with(&mut r, &runner, "other.example.com").unwrap();
        let count = std::fs::read_to_string(dir.path.join("count")).unwrap();
        assert_eq!(count.lines().count(), 2);
    }

    #[test]
    fn anonymous_answers_are_cached_too() {
        let dir = TempDir::new("anon");
        dir.script(
            "anon",
            r#"echo run >> "$(dirname "$0")/count"; echo 'credentials not found in native keychain'; exit 1"#,
        );
        let mut r = resolver(r#"{"credsStore":"anon"}"#);
        let runner = dir.runner(SECONDS);
        for _ in 0..2 {
            assert_eq!(
                resolve_with(&mut r, &runner, "r.example.com").unwrap(),
                Credentials::Anonymous
            );
        }
        let count = std::fs::read_to_string(dir.path.join("count")).unwrap();
        assert_eq!(count.lines().count(), 1);
    }

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<OsString> + 'a {
        move |name| {
            vars.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| OsString::from(v))
        }
    }

    #[test]
    fn config_candidates_follow_podman_and_docker() {
        // REGISTRY_AUTH_FILE is the only file when set.
        let all = [
            ("HOME", "/home/a"),
            ("XDG_RUNTIME_DIR", "/run/user/1000"),
            ("XDG_CONFIG_HOME", "/home/a/cfg"),
            ("DOCKER_CONFIG", "/etc/dc"),
            ("REGISTRY_AUTH_FILE", "/tmp/auth.json"),
        ];
        assert_eq!(
            config_candidates_from(env(&all)),
            [PathBuf::from("/tmp/auth.json")]
        );
        // Otherwise Podman's files first, then Docker's: DOCKER_CONFIG replaces ~/.docker.
        assert_eq!(
            config_candidates_from(env(&all[..4])),
            [
                PathBuf::from("/run/user/1000/containers/auth.json"),
                PathBuf::from("/home/a/cfg/containers/auth.json"),
                PathBuf::from("/etc/dc/config.json"),
            ]
        );
        // Empty variables count as unset.
        assert_eq!(
            config_candidates_from(env(&[
                ("HOME", "/home/a"),
                ("DOCKER_CONFIG", ""),
                ("REGISTRY_AUTH_FILE", ""),
                ("XDG_CONFIG_HOME", ""),
            ])),
            [
                PathBuf::from("/home/a/.config/containers/auth.json"),
                PathBuf::from("/home/a/.docker/config.json"),
            ]
        );
        assert!(config_candidates_from(env(&[])).is_empty());
    }

    #[test]
    fn load_config_layers_every_existing_file_in_order() {
        let dir = TempDir::new("load");
        let podman = dir.file(
            "podman.json",
            r#"{"auths":{"quay.io":{"auth":"cG9kbWFuOnF1YXk="}}}"#, // podman:quay
        );
        let docker = dir.file(
            "docker.json",
            // docker:quay and docker:ghcr
            r#"{"auths":{"quay.io":{"auth":"ZG9ja2VyOnF1YXk="},"ghcr.io":{"auth":"ZG9ja2VyOmdoY3I="}}}"#,
        );
        let loaded = load_config_from([
            dir.path.join("missing.json"),
            podman.clone(),
            docker.clone(),
        ])
        .unwrap();
        assert_eq!(loaded.paths(), [podman, docker]);
        assert!(!loaded.is_empty());
        let config = loaded.into_config();
        // The first file with an answer for a registry gives it; the others fill the gaps.
        assert_eq!(
            config.lookup("quay.io"),
            Lookup::Credentials(Credentials::basic("podman", "quay"))
        );
        assert_eq!(
            config.lookup("ghcr.io"),
            Lookup::Credentials(Credentials::basic("docker", "ghcr"))
        );
        assert_eq!(config.lookup("docker.io"), Lookup::Anonymous);
        let none = load_config_from([dir.path.join("none.json")]).unwrap();
        assert!(none.is_empty() && none.paths().is_empty());
        assert_eq!(none.config(), &DockerConfig::default());
    }

    #[test]
    fn invalid_or_unreadable_config_is_an_error_naming_the_path() {
        let dir = TempDir::new("bad");
        let bad = dir.file(
            "bad.json",
            &format!(r#"{{"auths":{{"r":{{"auth":"{SECRET}!"}}}}}}"#),
        );
        let e = load_config_from([bad.clone()]).unwrap_err();
        assert!(matches!(e, HostError::ParseConfig { .. }), "{e}");
        let shown = e.to_string();
        assert!(shown.contains(&bad.display().to_string()), "{shown}");
        assert!(
            shown.contains("`auth`") && !shown.contains(SECRET),
            "{shown}"
        );

        let e = load_config_from([dir.path.clone()]).unwrap_err();
        assert!(matches!(e, HostError::ReadConfig { .. }), "{e}");
        assert!(
            e.to_string().contains(&dir.path.display().to_string()),
            "{e}"
        );
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn temp_dirs_are_removed_at_the_end() {
        let path = {
            let dir = TempDir::new("cleanup");
            dir.file("x", "y");
            dir.path.clone()
        };
        assert!(!Path::new(&path).exists());
    }
}
