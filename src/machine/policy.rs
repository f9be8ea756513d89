//! Where credentials and tokens may go (design invariants 3 and 4, protocol.md).
//!
//! - A realm must be `http` or `https`; plain `http` only when the registry itself is plain
//!   `http` and insecure registries are allowed (an `https` registry never downgrades).
//! - A realm on an internal host is refused unless it is on the registry's own host or the
//!   caller allowed internal realms for that registry
//!   ([`Config::allow_internal_realms_for`]; oras-go GHSA-28r5-37g7-p6mp,
//!   go-containerregistry's realm validation). Internal means loopback, private, link-local
//!   and the other IANA special-purpose addresses, however the URL spells them (`0x7f.1`,
//!   `[::ffff:127.0.0.1]`), and the names reserved for loopback (`localhost`,
//!   `*.localhost`): the list and its sources are in the `internal_host` module.
//! - Credentials and tokens go to a plain `http` registry only when insecure registries are
//!   allowed.
//! - Credentials configured for a registry are looked up by the origin of the caller's request,
//!   never by a realm or redirect host, so a challenge from another origin never receives them
//!   (containerd CVE-2020-15157); a redirect to another origin carries no `Authorization`
//!   (oras-go GHSA-vh4v-2xq2-g5cg). Those two rules are structural, in the flow code.

use alloc::string::ToString;

use super::Config;
use crate::error::{Error, PolicyError, UrlRole};
use crate::origin::{Origin, Scheme, UrlError, UrlParts};
use crate::registry_name::normalise;
use crate::server_text::clip;

/// Checks a realm named by `registry`'s challenge and returns its origin.
pub(crate) fn check_realm(
    realm: &str,
    registry: &Origin,
    config: &Config,
) -> Result<Origin, Error> {
    let parts = UrlParts::parse(realm).map_err(|error| match error {
        UrlError::UnsupportedScheme => {
            Error::Policy(PolicyError::RealmScheme { realm: clip(realm) })
        }
        error => Error::InvalidUrl {
            role: UrlRole::Realm,
            error,
        },
    })?;
    let origin = parts.origin();
    if origin.scheme == Scheme::Http && !(registry.scheme == Scheme::Http && config.allow_insecure)
    {
        return Err(PolicyError::InsecureRealm { realm: clip(realm) }.into());
    }
    if origin.host != registry.host && origin.host.is_internal() {
        // Only a refusal pays for the name.
        let name = normalise(&registry.registry_name());
        if !config.internal_realms_for.contains(&name) {
            return Err(PolicyError::InternalRealm {
                realm: clip(realm),
                registry: name,
            }
            .into());
        }
    }
    Ok(origin)
}

/// Checks that credentials or a token may be sent to the registry itself.
pub(crate) fn check_registry(registry: &Origin, allow_insecure: bool) -> Result<(), Error> {
    if registry.scheme == Scheme::Http && !allow_insecure {
        return Err(PolicyError::InsecureRegistry {
            registry: registry.to_string(),
        }
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec::Vec;

    fn origin(u: &str) -> Origin {
        UrlParts::parse(u).unwrap().origin()
    }

    fn insecure(on: bool) -> Config {
        Config::default().allow_insecure(on)
    }

    fn refused_as_internal(result: Result<Origin, Error>) -> bool {
        matches!(
            result,
            Err(Error::Policy(PolicyError::InternalRealm { .. }))
        )
    }

    #[test]
    fn realm_rules_name_the_rule_that_refused() {
        let https_reg = origin("https://registry.example.com");
        let http_reg = origin("http://127.0.0.1:5000");
        let ok =
            |realm: &str, reg: &Origin, on: bool| check_realm(realm, reg, &insecure(on)).is_ok();
        assert!(ok("https://auth.example.com/token", &https_reg, false));
        assert!(matches!(
            check_realm("ftp://auth.example.com/token", &https_reg, &insecure(true)),
            Err(Error::Policy(PolicyError::RealmScheme { .. }))
        ));
        assert!(matches!(
            check_realm("http://auth.example.com/token", &https_reg, &insecure(true)),
            Err(Error::Policy(PolicyError::InsecureRealm { .. }))
        ));
        assert!(matches!(
            check_realm("http://127.0.0.1:5001/token", &http_reg, &insecure(false)),
            Err(Error::Policy(PolicyError::InsecureRealm { .. }))
        ));
        assert!(ok("http://127.0.0.1:5001/token", &http_reg, true));
        assert!(refused_as_internal(check_realm(
            "https://169.254.169.254/latest",
            &https_reg,
            &insecure(false)
        )));
        assert!(refused_as_internal(check_realm(
            "http://10.0.0.1/token",
            &http_reg,
            &insecure(true)
        )));
        assert!(refused_as_internal(check_realm(
            "https://0x7f.1/token",
            &https_reg,
            &insecure(false)
        )));
        assert!(matches!(
            check_realm("not a url", &https_reg, &insecure(false)),
            Err(Error::InvalidUrl {
                role: UrlRole::Realm,
                ..
            })
        ));
    }

    /// Issue 9: loopback names and the IANA special-purpose ranges are internal, as
    /// 127.0.0.1 always was.
    #[test]
    fn loopback_names_and_special_purpose_ranges_are_refused_as_realms() {
        let reg = origin("https://registry.example.com");
        let internal = [
            "https://localhost/token",
            "https://LOCALHOST/token",
            "https://localhost./token",
            "https://LocalHost.:8443/token",
            "https://auth.localhost/token",
            "https://a.b.LOCALHOST./token",
            "https://localhost.localdomain/token",
            "https://ip6-localhost/token",
            "https://192.0.0.8/token",
            "https://192.0.0.170/token",
            "https://192.0.2.1/token",
            "https://198.18.0.1/token",
            "https://198.19.255.254/token",
            "https://198.51.100.7/token",
            "https://203.0.113.9/token",
            "https://224.0.0.1/token",
            "https://239.255.255.250/token",
            "https://240.0.0.1/token",
            "https://255.255.255.255/token",
            "https://4294967295/token",
            "https://[100::1]/token",
            "https://[ff02::1]/token",
            "https://[ff05::1:3]/token",
            "https://[2001:db8::1]/token",
            "https://[2001::1]/token",
            "https://[2001:2::5]/token",
            "https://[3fff::1]/token",
            "https://[5f00::1]/token",
            "https://[::ffff:192.0.0.8]/token",
            "https://[64:ff9b::c612:1]/token",
            "https://[2002:c000:0201::1]/token",
        ];
        for realm in internal {
            assert!(
                refused_as_internal(check_realm(realm, &reg, &insecure(false))),
                "{realm}"
            );
        }
        let public = [
            "https://auth.example.com/token",
            "https://localhost.example.com/token",
            "https://mylocalhost/token",
            "https://localhostx/token",
            "https://8.8.8.8/token",
            "https://192.0.3.1/token",
            "https://198.20.0.1/token",
            "https://223.255.255.255/token",
            "https://[2606:4700::1111]/token",
            "https://[2001:200::1]/token",
            "https://[64:ff9b::808:808]/token",
        ];
        for realm in public {
            assert!(
                check_realm(realm, &reg, &insecure(false)).is_ok(),
                "{realm}"
            );
        }
    }

    #[test]
    fn an_internal_realm_on_the_registrys_own_host_is_allowed() {
        let cfg = insecure(true);
        let reg = origin("http://localhost:5000");
        assert!(check_realm("http://localhost:5001/token", &reg, &cfg).is_ok());
        assert!(check_realm("http://LOCALHOST:5000/token", &reg, &cfg).is_ok());
        // Another spelling of loopback is another host: the developer's case needs the opt-in.
        assert!(refused_as_internal(check_realm(
            "http://127.0.0.1:5000/token",
            &reg,
            &cfg
        )));
        assert!(refused_as_internal(check_realm(
            "http://localhost.:5000/token",
            &reg,
            &cfg
        )));
        let reg = origin("https://[::1]:5000");
        assert!(check_realm("https://[0::1]/token", &reg, &cfg).is_ok());
        let reg = origin("https://10.0.0.5");
        assert!(check_realm("https://10.0.0.5:8443/token", &reg, &cfg).is_ok());
        assert!(refused_as_internal(check_realm(
            "https://10.0.0.6/token",
            &reg,
            &cfg
        )));
    }

    #[test]
    fn the_opt_in_allows_internal_realms_for_the_named_registry_only() {
        let local = origin("http://localhost:5000");
        let realm = "http://127.0.0.1:5000/token";
        for spelling in [
            "localhost:5000",
            "LOCALHOST:5000",
            "http://localhost:5000/v2/",
        ] {
            let cfg = insecure(true).allow_internal_realms_for(spelling);
            assert!(check_realm(realm, &local, &cfg).is_ok(), "{spelling}");
            assert!(check_realm("http://169.254.169.254/x", &local, &cfg).is_ok());
        }
        let cfg = insecure(true).allow_internal_realms_for("localhost:5000");
        // Every other registry stays refused, also one on the same host at another port, and
        // a public one naming the very same realm.
        for other in ["http://localhost:5001", "http://evil.example.org"] {
            assert!(
                refused_as_internal(check_realm(realm, &origin(other), &cfg)),
                "{other}"
            );
        }
        // The opt-in lifts the internal rule only: plain http still needs allow_insecure.
        let cfg = insecure(false).allow_internal_realms_for("localhost:5000");
        assert!(matches!(
            check_realm(realm, &local, &cfg),
            Err(Error::Policy(PolicyError::InsecureRealm { .. }))
        ));
        // Default ports are left out of the name, as credentials are keyed.
        let cfg = insecure(false).allow_internal_realms_for("https://registry.example.com:443/");
        let reg = origin("https://registry.example.com");
        assert!(check_realm("https://10.0.0.1/token", &reg, &cfg).is_ok());
    }

    #[test]
    fn the_refusal_names_the_registry_and_the_setting_that_allows_it() {
        let reg = origin("http://localhost:5000");
        let e = check_realm("http://127.0.0.1:5000/token", &reg, &insecure(true)).unwrap_err();
        assert_eq!(
            e,
            Error::Policy(PolicyError::InternalRealm {
                realm: "http://127.0.0.1:5000/token".into(),
                registry: "localhost:5000".into(),
            })
        );
        let shown = alloc::string::ToString::to_string(&e);
        assert_eq!(
            shown,
            "refused realm http://127.0.0.1:5000/token: internal host, not the host of registry \
             localhost:5000; config allow_internal_realms_for(\"localhost:5000\") allows it"
        );
        assert_eq!(shown.lines().count(), 1);
        assert_eq!(shown, shown.to_lowercase());
        assert!(!shown.ends_with('.'));
        let reg = origin("https://[::1]:8443");
        let e = check_realm("https://127.0.0.1/token", &reg, &insecure(false)).unwrap_err();
        assert!(
            alloc::string::ToString::to_string(&e).contains("registry [::1]:8443;"),
            "{e}"
        );
    }

    #[test]
    fn realms_in_errors_are_clipped_to_one_short_line() {
        let long: Vec<u8> = b"https://169.254.169.254/"
            .iter()
            .copied()
            .chain([b'a'; 300])
            .collect();
        let long = core::str::from_utf8(&long).unwrap();
        let reg = origin("https://registry.example.com");
        match check_realm(long, &reg, &insecure(false)) {
            Err(Error::Policy(PolicyError::InternalRealm { realm, .. })) => {
                assert_eq!(realm.chars().count(), 203);
                assert!(realm.ends_with("..."));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn plain_http_registry_needs_insecure_for_credentials() {
        assert!(check_registry(&origin("http://r:5000"), false).is_err());
        assert!(check_registry(&origin("http://r:5000"), true).is_ok());
        assert!(check_registry(&origin("https://r"), false).is_ok());
    }
}
