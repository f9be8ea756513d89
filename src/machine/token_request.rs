//! Building a token request: the `GET` of the token spec, or an OAuth2 `POST` form.
//!
//! A pure function of the realm, the scopes, the credentials and the configuration. The GET
//! keeps the realm's own query and adds `service`, one `scope` per scope (or one joined
//! parameter), `account` and, when a refresh token is wanted, `offline_token` and
//! `client_id`; credentials go in a Basic header. The POST form carries a refresh token or a
//! password grant, `service`, `client_id` and the scopes joined in one `scope` field.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use super::io::{Form, Method, TokenRequest};
use super::Config;
use crate::credentials::Credentials;
use crate::query::encode_into;
use crate::scope::ScopeSet;
use crate::secret::{Authorization, Secret};

/// How a token is asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Grant {
    /// The token spec's GET.
    Get,
    /// OAuth2 `grant_type=refresh_token` (an identity token, or a refresh token a realm issued).
    PostRefresh,
    /// OAuth2 `grant_type=password`.
    PostPassword,
}

/// What a token request is made of.
pub(super) struct Inputs<'a> {
    pub(super) realm: &'a str,
    pub(super) service: Option<&'a str>,
    pub(super) scopes: &'a ScopeSet,
    /// Scopes kept verbatim (not `type:name:actions`).
    pub(super) opaque: &'a [String],
    pub(super) creds: Option<&'a Credentials>,
    /// A refresh token the realm issued for these credentials.
    pub(super) refresh_token: Option<&'a Secret>,
    pub(super) config: &'a Config,
}

/// The grant to use: a refresh token when one is held, then an identity token, then a
/// password grant when configured; GET when the realm refused a POST or nothing else fits.
pub(super) fn choose_grant(inputs: &Inputs<'_>, post_refused: bool) -> Grant {
    if post_refused {
        return Grant::Get;
    }
    match inputs.creds {
        _ if inputs.refresh_token.is_some() => Grant::PostRefresh,
        Some(Credentials::IdentityToken { .. }) => Grant::PostRefresh,
        Some(Credentials::Basic { .. }) if inputs.config.password_grant => Grant::PostPassword,
        _ => Grant::Get,
    }
}

/// The request for `grant`, and the secrets it puts on the wire. A POST grant that the inputs
/// cannot make (no refresh token, no password) is made as a GET.
pub(super) fn build(grant: Grant, inputs: &Inputs<'_>) -> (TokenRequest, Vec<Secret>) {
    // A realm's fragment is not sent.
    let realm = inputs
        .realm
        .split_once('#')
        .map_or(inputs.realm, |(r, _)| r);
    let scope_items = || {
        inputs
            .scopes
            .iter()
            .map(|s| s.to_string())
            .chain(inputs.opaque.iter().cloned())
    };
    let post_secret: Option<(&str, &str, &Secret)> = match (grant, inputs.creds) {
        (Grant::PostPassword, Some(Credentials::Basic { username, password })) => {
            Some(("password", username, password))
        }
        (Grant::PostRefresh, creds) => inputs
            .refresh_token
            .or(match creds {
                Some(Credentials::IdentityToken { token, .. }) => Some(token),
                _ => None,
            })
            .map(|t| ("refresh_token", "", t)),
        _ => None,
    };
    let config = inputs.config;
    if let Some((grant_type, username, secret)) = post_secret {
        let scope: Vec<String> = scope_items().collect();
        let scope = scope.join(" ");
        let mut form: Vec<(&str, &str)> = Vec::with_capacity(8);
        form.push(("grant_type", grant_type));
        if grant_type == "password" {
            form.push(("username", username));
            form.push(("password", secret.expose()));
            if config.request_refresh_token {
                form.push(("access_type", "offline"));
            }
        } else {
            form.push(("refresh_token", secret.expose()));
        }
        if let Some(s) = inputs.service {
            form.push(("service", s));
        }
        form.push(("client_id", &config.client_id));
        if !scope.is_empty() {
            form.push(("scope", &scope));
        }
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&form)
            .finish();
        let request = TokenRequest {
            method: Method::Post,
            url: realm.into(),
            authorization: None,
            form: Some(Form(Secret::new(body))),
        };
        return (request, alloc::vec![secret.clone()]);
    }
    let mut fields: Vec<(&str, String)> = Vec::new();
    if let Some(s) = inputs.service {
        fields.push(("service", s.into()));
    }
    if config.scopes_in_one_parameter {
        let joined: Vec<String> = scope_items().collect();
        if !joined.is_empty() {
            fields.push(("scope", joined.join(" ")));
        }
    } else {
        fields.extend(scope_items().map(|s| ("scope", s)));
    }
    let authorization: Option<Authorization> =
        inputs.creds.and_then(Credentials::token_get_basic_header);
    let mut sent = Vec::new();
    if let (Some(c), Some(_)) = (inputs.creds, &authorization) {
        sent.extend(c.secrets().cloned());
        if let Some(user) = c.username() {
            fields.push(("account", user.into()));
        }
        if config.request_refresh_token {
            fields.push(("offline_token", "true".into()));
            fields.push(("client_id", config.client_id.clone()));
        }
    }
    // The GET query is not a form: values are percent-encoded, a space as `%20`.
    let mut url = String::with_capacity(realm.len() + 64);
    url.push_str(realm);
    let mut sep = if url.contains('?') { '&' } else { '?' };
    for (k, v) in &fields {
        url.push(sep);
        sep = '&';
        url.push_str(k);
        url.push('=');
        encode_into(&mut url, v);
    }
    let request = TokenRequest {
        method: Method::Get,
        url,
        authorization,
        form: None,
    };
    (request, sent)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs<'a>(
        creds: Option<&'a Credentials>,
        scopes: &'a ScopeSet,
        config: &'a Config,
    ) -> Inputs<'a> {
        Inputs {
            realm: "https://auth.example.com/token?x=1#frag",
            service: Some("registry example"),
            scopes,
            opaque: &[],
            creds,
            refresh_token: None,
            config,
        }
    }

    #[test]
    fn get_keeps_the_realm_query_and_percent_encodes_every_value() {
        let scopes = ScopeSet::parse("repository:a/b:pull,push repository:c:pull").unwrap();
        let creds = Credentials::basic("al ice", "pw");
        let config = Config::default().request_refresh_token(true);
        let (req, sent) = build(Grant::Get, &inputs(Some(&creds), &scopes, &config));
        assert_eq!(
            req.url(),
            "https://auth.example.com/token?x=1&service=registry%20example\
             &scope=repository%3Aa%2Fb%3Apull%2Cpush&scope=repository%3Ac%3Apull\
             &account=al%20ice&offline_token=true&client_id=registry-auth"
        );
        assert_eq!(
            req.authorization().map(|a| a.scheme()),
            Some(crate::AuthScheme::Basic)
        );
        assert_eq!(sent.iter().map(Secret::expose).collect::<Vec<_>>(), ["pw"]);
        let config = Config::default().scopes_in_one_parameter(true);
        let (req, _) = build(Grant::Get, &inputs(None, &scopes, &config));
        assert_eq!(
            req.url(),
            "https://auth.example.com/token?x=1&service=registry%20example\
             &scope=repository%3Aa%2Fb%3Apull%2Cpush%20repository%3Ac%3Apull"
        );
        assert!(req.authorization().is_none());
    }

    #[test]
    fn post_forms_carry_one_joined_scope_and_the_grant_secret() {
        let scopes = ScopeSet::parse("repository:a:pull repository:b:pull").unwrap();
        let config = Config::default();
        let creds = Credentials::identity_token("id tok");
        let i = inputs(Some(&creds), &scopes, &config);
        assert_eq!(choose_grant(&i, false), Grant::PostRefresh);
        assert_eq!(choose_grant(&i, true), Grant::Get);
        let (req, sent) = build(Grant::PostRefresh, &i);
        assert_eq!(req.url(), "https://auth.example.com/token?x=1");
        assert_eq!(
            req.body(),
            Some(
                &b"grant_type=refresh_token&refresh_token=id+tok&service=registry+example\
                   &client_id=registry-auth&scope=repository%3Aa%3Apull+repository%3Ab%3Apull"[..]
            )
        );
        assert_eq!(
            sent.iter().map(Secret::expose).collect::<Vec<_>>(),
            ["id tok"]
        );
        // A password grant without a password is made as a GET.
        let (req, _) = build(Grant::PostPassword, &i);
        assert_eq!(req.method(), Method::Get);
    }
}
