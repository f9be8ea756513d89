//! Where credentials and tokens may go (design invariants 3 and 4, protocol.md).
//!
//! - A realm must be `http` or `https`; plain `http` only when the registry itself is plain
//!   `http` and insecure registries are allowed (an `https` registry never downgrades).
//! - A realm that is an IP literal in a loopback, private, link-local or unspecified range is
//!   refused unless it is on the registry's own host (oras-go GHSA-28r5-37g7-p6mp,
//!   go-containerregistry's realm validation).
//! - Credentials and tokens go to a plain `http` registry only when insecure registries are
//!   allowed.
//! - Credentials configured for a registry are looked up by the origin of the caller's request,
//!   never by a realm or redirect host, so a challenge from another origin never receives them
//!   (containerd CVE-2020-15157); a redirect to another origin carries no `Authorization`
//!   (oras-go GHSA-vh4v-2xq2-g5cg). Those two rules are structural, in the flow code.

use alloc::string::ToString;

use crate::error::{Error, PolicyError, UrlRole};
use crate::server_text::clip;
use crate::url::{Origin, Scheme, UrlError, UrlParts};

/// Checks a realm named by `registry`'s challenge and returns its origin.
pub(crate) fn check_realm(
    realm: &str,
    registry: &Origin,
    allow_insecure: bool,
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
    if origin.scheme == Scheme::Http && !(registry.scheme == Scheme::Http && allow_insecure) {
        return Err(PolicyError::InsecureRealm { realm: clip(realm) }.into());
    }
    if origin.host.is_internal_ip() && origin.host != registry.host {
        return Err(PolicyError::InternalRealm { realm: clip(realm) }.into());
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

    fn origin(u: &str) -> Origin {
        UrlParts::parse(u).unwrap().origin()
    }

    #[test]
    fn realm_rules_name_the_rule_that_refused() {
        let https_reg = origin("https://registry.example.com");
        let http_reg = origin("http://127.0.0.1:5000");
        let ok =
            |realm: &str, reg: &Origin, insecure: bool| check_realm(realm, reg, insecure).is_ok();
        assert!(ok("https://auth.example.com/token", &https_reg, false));
        assert!(matches!(
            check_realm("ftp://auth.example.com/token", &https_reg, true),
            Err(Error::Policy(PolicyError::RealmScheme { .. }))
        ));
        assert!(matches!(
            check_realm("http://auth.example.com/token", &https_reg, true),
            Err(Error::Policy(PolicyError::InsecureRealm { .. }))
        ));
        assert!(matches!(
            check_realm("http://127.0.0.1:5001/token", &http_reg, false),
            Err(Error::Policy(PolicyError::InsecureRealm { .. }))
        ));
        assert!(ok("http://127.0.0.1:5001/token", &http_reg, true));
        assert!(matches!(
            check_realm("https://169.254.169.254/latest", &https_reg, false),
            Err(Error::Policy(PolicyError::InternalRealm { .. }))
        ));
        assert!(matches!(
            check_realm("http://10.0.0.1/token", &http_reg, true),
            Err(Error::Policy(PolicyError::InternalRealm { .. }))
        ));
        assert!(matches!(
            check_realm("https://0x7f.1/token", &https_reg, false),
            Err(Error::Policy(PolicyError::InternalRealm { .. }))
        ));
        assert!(matches!(
            check_realm("not a url", &https_reg, false),
            Err(Error::InvalidUrl {
                role: UrlRole::Realm,
                ..
            })
        ));
    }

    #[test]
    fn plain_http_registry_needs_insecure_for_credentials() {
        assert!(check_registry(&origin("http://r:5000"), false).is_err());
        assert!(check_registry(&origin("http://r:5000"), true).is_ok());
        assert!(check_registry(&origin("https://r"), false).is_ok());
    }
}
