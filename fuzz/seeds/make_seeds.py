#!/usr/bin/env python3
"""Writes the hand-made seeds of every fuzz target into fuzz/corpus-seed/TARGET/.

The seeds are what real registries send (protocol.md: Docker Hub, GHCR, ECR, Harbor, ACR,
Quay, Gitea, zot, Nexus, GCR, GitLab, distribution itself), real config files and helper
answers, real image references, and, for the machine targets, byte strings that drive whole
flows of each registry style through the harness's choices (see machine_tape.py).

Files written here are named `hand-*`; the campaign script (run.sh) merges what a campaign
found next to them, under libFuzzer's hash names. Run again after changing a harness's order
of choices: `python3 fuzz/seeds/make_seeds.py`.
"""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(__file__))

from tape import Tape  # noqa: E402
import machine_tape as mt  # noqa: E402
from machine_tape import Machine, Misuse  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "corpus-seed")

# ---- what registries say -------------------------------------------------------------------

CHALLENGES = {
    "docker-hub": 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",'
                  'scope="repository:library/alpine:pull"',
    "docker-hub-ping": 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io"',
    "ghcr": 'Bearer realm="https://ghcr.io/token",service="ghcr.io",'
            'scope="repository:octo-org/app:pull"',
    "ecr-private": 'Basic realm="https://123456789012.dkr.ecr.us-east-1.amazonaws.com/",'
                   'service="ecr.amazonaws.com"',
    "ecr-public": 'Bearer realm="https://public.ecr.aws/token/",service="public.ecr.aws",'
                  'scope="aws"',
    "harbor": 'Bearer realm="https://harbor.example.com/service/token",'
              'service="harbor-registry",scope="repository:library/nginx:pull"',
    "harbor-basic": 'Basic realm="harbor"',
    "acr-malformed": 'Bearer realm="https://myregistry.azurecr.io/oauth2/token",'
                     'service="myregistry.azurecr.io",scope="repository:samples/hello:pull",'
                     'error="malformed_token"',
    "quay": 'Bearer realm="https://quay.io/v2/auth",service="quay.io"',
    "gitea": 'Bearer realm="https://gitea.example.com/v2/token",service="container_registry",'
             'scope="*"',
    "zot": 'Bearer realm="https://zot.example.com/auth/token",service="zot",'
           'scope="repository::pull"',
    "nexus": 'BASIC realm="Sonatype Nexus Repository Manager"',
    "gcr": 'Bearer realm="https://us-docker.pkg.dev/v2/token"',
    "gitlab": 'Bearer realm="https://gitlab.example.com/jwt/auth",service="container_registry",'
              'scope="repository:group/project:pull"',
    "artifactory": 'Bearer realm="https://example.jfrog.io/artifactory/api/docker/docker/v2/'
                   'token",service="example.jfrog.io"',
    "distribution-insufficient": 'Bearer realm="https://auth.example.com/token",'
                                 'service="registry.example.com",'
                                 'scope="repository:library/hello:pull,push",'
                                 'error="insufficient_scope"',
    "distribution-mount": 'Bearer realm="https://auth.example.com/token",'
                          'service="registry.example.com",'
                          'scope="repository:dst:pull,push repository:src:pull"',
    "distribution-invalid": 'Bearer realm="https://auth.example.com/token",'
                            'service="registry.example.com",error="invalid_token"',
    "distribution-basic": 'Basic realm="Registry Realm"',
    "catalog": 'Bearer realm="https://auth.example.com/token",service="registry.example.com",'
               'scope="registry:catalog:*"',
    "basic-and-bearer": 'Basic realm="registry", Bearer realm="https://auth.example.com/token",'
                        'service="registry.example.com"',
    "unquoted": 'Bearer realm=localhost,service=registry.example.com',
    "empty-value": 'Bearer realm="https://auth.example.com/token",empty="",service="s"',
    "bws": 'Bearer realm = "https://auth.example.com/token" , service= "s" ,scope ="x"',
    "escapes": 'Bearer realm="https://auth.example.com/t\\"o\\\\ken",'
               'error_description="a \\"quoted\\" \\\\ word"',
    "digest": 'Digest realm="registry", qop="auth", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093",'
              ' opaque="5ccc069c403ebaf9f0171e9517f40e41", algorithm=SHA-256',
    "token68": 'Negotiate YIIC2gYJKoZIhvcSAQICAQBuggLJMIICxaADAgEFoQMCAQ6i==',
    "schemes-only": 'Negotiate, NTLM, Basic realm="corp"',
    "lists": ', , Bearer realm="https://a.example/token",, , Basic realm="b" ,',
    "non-ascii": 'Bearer realm="https://auth.example.com/t\u00f6ken",error_description="\u00e9"',
    "description": 'Bearer realm="https://auth.example.com/token",error="invalid_token",'
                   'error_description="The access token expired"',
}

# Several header lines of one response (the challenge target cuts its input at `\n`).
LINES = {
    "negotiate-then-basic": 'Negotiate\nBasic realm="corp"',
    "basic-then-bearer": 'Basic realm="registry"\n'
                         'Bearer realm="https://auth.example.com/token",service="r"',
    "folded": 'Bearer realm="https://a.example/token",\n service="folded"',
}

SCOPES = [
    "repository:library/alpine:pull",
    "repository:samples/hello:pull,push",
    "registry:catalog:*",
    "repository(plugin):vieux/sshfs:pull",
    "repository:localhost:5000/foo/bar:pull,push",
    "repository:registry.example.com:8443/team/app:push,pull,delete",
    "repository::pull",
    "*",
    "aws",
    "repository:dst:pull,push repository:src:pull",
    "repository:a:pull repository:a:push",
    "repository:a:delete,*",
    "repository:group/sub/project:pull  registry:catalog:*",
]

TOKENS = {
    "docker-hub": '{"token":"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2ln","access_token":'
                  '"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.e30.c2ln","expires_in":300,'
                  '"issued_at":"2026-11-29T10:00:00.123456789Z"}',
    "ghcr": '{"token":"djE6b2N0by1vcmcvYXBwOjE3MDAwMDAwMDA="}',
    "harbor": '{"token":"eyJ0eXAiOiJKV1QifQ.e30.c2ln","access_token":"","expires_in":1800,'
              '"issued_at":"2026-11-29T10:00:00Z"}',
    "acr-access": '{"access_token":"eyJhbGciOiJSUzI1NiJ9.e30.c2ln"}',
    "acr-refresh": '{"refresh_token":"eyJhbGciOiJSUzI1NiJ9.e30.cmVm"}',
    "oauth-post": '{"access_token":"at-1","scope":"repository:samples/hello:pull",'
                  '"expires_in":3600,"issued_at":"2026-11-29T10:00:00Z","refresh_token":"rt-1",'
                  '"token_type":"Bearer"}',
    "quay": '{"token":"quay-token-1"}',
    "gitlab": '{"token":"glrt-1","expires_in":900}',
    "ecr-public": '{"token":"ecr-public-1"}',
    "string-expiry": '{"token":"t","expires_in":"300"}',
    "float-expiry": '{"access_token":"t","expires_in":59.9,"issued_at":"yesterday"}',
    "huge-expiry": '{"token":"t","expires_in":1e400}',
    "both-differ": '{"token":"old","access_token":"new","expires_in":60}',
    "registry-error": '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required",'
                      '"detail":[{"Type":"repository","Class":"","Name":"library/hello",'
                      '"Action":"pull"}]}]}',
    "oauth-error": '{"error":"invalid_grant","error_description":"refresh token expired"}',
    "docker-hub-error": '{"details":"incorrect username or password"}',
    "acr-error": '{"errors":[{"code":"UNAUTHORIZED","message":"authentication required, visit '
                 'https://aka.ms/acr/authorization for more information."}]}',
    "gcr-error": '{"errors":[{"code":"DENIED","message":"Permission denied for \\"latest\\""}]}',
    "echoed-secret": '{"error":"invalid_client","error_description":"bad password s3\\u0000cret'
                     '\\u200b for alice"}',
    "duplicate": '{"token":"a","token":"b"}',
    "html": "<html><body>502 Bad Gateway</body></html>",
}

CONFIGS = {
    "docker-desktop": '{"auths":{"https://index.docker.io/v1/":{}},"credsStore":"desktop"}',
    "docker-auth": '{"auths":{"https://index.docker.io/v1/":{"auth":"YWxpY2U6czNjcmV0"},'
                   '"ghcr.io":{"auth":"b2N0bzpnaHBfMTIz"}}}',
    "username-password": '{"auths":{"registry.example.com:5000":{"username":"alice",'
                         '"password":"s3cret","email":"alice@example.com"}}}',
    "cred-helpers": '{"credHelpers":{"123456789012.dkr.ecr.us-east-1.amazonaws.com":'
                    '"ecr-login","gcr.io":"gcloud","us-docker.pkg.dev":"gcloud"},'
                    '"credsStore":"osxkeychain"}',
    "acr-identity": '{"auths":{"myregistry.azurecr.io":{"auth":'
                    '"MDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwOg==",'
                    '"identitytoken":"eyJhbGciOiJSUzI1NiJ9.e30.cmVm"}}}',
    "registry-token": '{"auths":{"registry.example.com":{"registrytoken":"rt-abc"}}}',
    "podman-namespaces": '{"auths":{"quay.io":{"auth":"dTpw"},"quay.io/org-a":{"auth":"YTpi"},'
                         '"quay.io/org-a/app":{"auth":"Yzpk"},"docker.io/library":'
                         '{"auth":"ZTpm"}}}',
    "unpadded": '{"auths":{"localhost:5000":{"auth":"YWxpY2U6czNjcmV0MQ"}}}',
    "http-headers": '{"auths":{},"HttpHeaders":{"User-Agent":"Docker-Client/24.0.7 (linux)"},'
                    '"psFormat":"table {{.ID}}","detachKeys":"ctrl-e,e"}',
    "mixed-case": '{"AUTHS":{"Registry.Example.com":{"Auth":"YWxpY2U6czNjcmV0"}},'
                  '"CredsStore":"pass"}',
    "schemes-and-paths": '{"auths":{"http://localhost:5000/v2/":{"auth":"YTpi"},'
                         '"https://registry.example.com:443/v1/":{"auth":"YzpK"},'
                         '"[::1]:5000":{"auth":"ZTpm"}}}',
    "empty": '{}',
    "pretty": '{\n\t"auths": {\n\t\t"ghcr.io": {\n\t\t\t"auth": "b2N0bzpnaHBfMTIz"\n\t\t}\n'
              '\t},\n\t"credsStore": "secretservice"\n}',
}

HELPER_ANSWERS = {
    "desktop": '{"ServerURL":"https://index.docker.io/v1/","Username":"alice",'
               '"Secret":"dckr_pat_123"}',
    "ecr-login": '{"ServerURL":"https://123456789012.dkr.ecr.us-east-1.amazonaws.com",'
                 '"Username":"AWS","Secret":"eyJwYXlsb2FkIjoiIn0="}',
    "acr-token": '{"ServerURL":"myregistry.azurecr.io","Username":"<token>",'
                 '"Secret":"eyJhbGciOiJSUzI1NiJ9.e30.cmVm"}',
    "gcloud": '{\n  "Secret": "ya29.a0AfH6SM",\n  "Username": "_dcgcloud_token"\n}\n',
    "not-found": "credentials not found in native keychain\n",
}

REFERENCES = [
    "alpine",
    "library/alpine:3.20",
    "docker.io/library/alpine:latest",
    "index.docker.io/library/ubuntu",
    "registry-1.docker.io/library/busybox:1.36",
    "ghcr.io/octo-org/app@sha256:" + "0123456789abcdef" * 4,
    "localhost:5000/foo/bar:tag",
    "[::1]:5000/x:1",
    "registry.example.com:8443/team/app:1.0@sha256:" + "fedcba9876543210" * 4,
    "quay.io/org-a/app:v1",
    "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:latest",
    "myregistry.azurecr.io/samples/hello-world:v1",
    "us-docker.pkg.dev/project/repo/image:tag",
    "public.ecr.aws/nginx/nginx:stable-alpine",
    "gitea.example.com/owner/pkg:1.0.0-rc.1",
    "a__b/c---d/e.f_g:T.1-x",
]


def write(target, name, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(ROOT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "hand-" + name), "wb") as f:
        f.write(data)


# ---- the targets that read raw bytes -------------------------------------------------------

def challenge():
    for name, value in CHALLENGES.items():
        write("challenge", name, value)
        write("challenge_http_auth", name, value)
    for name, value in LINES.items():
        write("challenge", name, value)


def scope():
    for i, s in enumerate(SCOPES):
        write("scope", str(i), s)


def token():
    # Body limit, token limit (both the defaults), then the raw body.
    for name, body in TOKENS.items():
        write("token", name, Tape().index(7, 0).index(7, 0).flag(False).raw(body).done())


def docker_config():
    for name, body in CONFIGS.items():
        write("docker_config", name, Tape().flag(False).raw(body).done())


def reference():
    for i, r in enumerate(REFERENCES):
        write("reference", str(i), Tape().flag(False).raw(r).done())


# ---- credential helpers: a config naming helpers, then helper runs -------------------------

DOCKER_NAMES = 23  # common/docker.rs NAMES
HELPERS = 8  # common/docker.rs HELPERS: 0 desktop, 1 osxkeychain, 2 ecr-login


def helper_config(t, store, helpers):
    """`config_json`: no `auths`, `credsStore` naming helper `store` (an index of HELPERS),
    `credHelpers` keyed by names of common/docker.rs NAMES."""
    t.chance(1, 8, True)
    t.chance(1, 3, True).index(3, 0).index(6, 2).pick_or_text([None] * HELPERS, store, 16)
    t.chance(1, 2, bool(helpers))
    if helpers:
        t.index(10, 1).int(0, 3, len(helpers))
        for name, helper in helpers:
            t.pick_or_text([None] * DOCKER_NAMES, name, 30).index(6, 2)
            t.pick_or_text([None] * HELPERS, helper, 16)
    t.chance(1, 8, False).chance(1, 4, False)
    return t


def helper_run(t, name, names, stdout, exit_code=0, stderr=None):
    """One resolve of name `name` (an index of the harness's name list) that runs a helper,
    which exits with `exit_code` and prints `stdout` (raw)."""
    t.index(4, 1).index(names, name).index(5, 1)
    t.index(5, {0: 0, 1: 2}[exit_code])
    if stderr is None:
        t.index(5, 0)
    else:
        t.index(5, 4).text(60, stderr)
    if stdout == "not-found":
        return t.index(6, 3)
    return t.index(6, 4).bytes(200, stdout)


def cred_helper():
    # Names: 0 https://index.docker.io/v1/, 1 docker.io, 5 registry.example.com, 15 ghcr.io,
    # 18 quay.io, 19 quay.io/org-a; the credHelpers keys follow the 23 fixed names.
    helpers = [(15, 2)]
    names = DOCKER_NAMES + len(helpers)
    for answer, body in HELPER_ANSWERS.items():
        t = helper_config(Tape(), 0, helpers)
        if answer == "not-found":
            helper_run(t, 1, names, "not-found", exit_code=1, stderr=body)
        else:
            helper_run(t, 1, names, body)
        helper_run(t, 5, names, HELPER_ANSWERS["desktop"])
        helper_run(t, 15, names, HELPER_ANSWERS["ecr-login"])
        # Docker Hub under another alias: the cached answer, no helper run.
        t.index(4, 1).index(names, 0).index(5, 1)
        write("cred_helper", answer, t.done())


# ---- the machine: whole flows of each registry style ---------------------------------------

def bearer(realm, service=None, scope=None, error=None):
    out = f'Bearer realm="{realm}"'
    if service:
        out += f',service="{service}"'
    if scope:
        out += f',scope="{scope}"'
    if error:
        out += f',error="{error}"'
    return out


APP = "repository:team/app:pull"


def turn(m, answer, k=0, live=1):
    """Poll flow `k` of `live`, which asks for a Send or a Fetch, and answer it with what
    `answer(tape)` writes."""
    m.poll(k, live).pending()
    answer(m.answer(k, live)).answered()


def pull(m, k, live, challenge, body):
    """Flow `k` of `live` (started): 401 with `challenge`, a token request answered with
    `body`, the request again with the token, 200, and the poll that ends it."""
    turn(m, lambda t: t.arbitrary(401, [challenge]), k, live)
    turn(m, lambda t: t.arbitrary(200, body=body, fetch=True), k, live)
    turn(m, lambda t: t.after_bearer("ok"), k, live)
    return m.poll(k, live)


def machine():
    anonymous = [mt.ANONYMOUS] * 5
    creds = [mt.BASIC] + [mt.ANONYMOUS] * 4
    seeds = {}

    # Docker Hub, anonymous: challenge, token, pull; the same pull again from the cache; then
    # the catalog, whose token is fetched before the request (the realm is known by now).
    m = Machine().config().credentials(anonymous)
    m.start(mt.DOCKER_HUB, mt.GET_MANIFEST)
    pull(m, 0, 1, bearer("https://auth.docker.io/token", "registry.docker.io", APP),
         TOKENS["docker-hub"])
    m.start(mt.DOCKER_HUB, mt.GET_MANIFEST)
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    m.start(mt.DOCKER_HUB, mt.CATALOG)
    turn(m, lambda t: t.token(7))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    seeds["docker-hub"] = m

    # Real challenges and token bodies, each a whole pull by a registry with Basic
    # credentials (the realm gets them).
    for name, challenge, body in [
        ("ghcr", bearer("https://ghcr.io/token", "ghcr.io", APP), TOKENS["ghcr"]),
        ("harbor", bearer("https://harbor.example.com/service/token", "harbor-registry", APP),
         TOKENS["harbor"]),
        ("quay", bearer("https://quay.io/v2/auth", "quay.io"), TOKENS["quay"]),
        ("gitea", bearer("https://gitea.example.com/v2/token", "container_registry", "*"),
         TOKENS["gitlab"]),
        ("zot", bearer("https://zot.example.com/auth/token", "zot", "repository::pull"),
         TOKENS["ecr-public"]),
        ("gcr", bearer("https://us-docker.pkg.dev/v2/token"), TOKENS["both-differ"]),
        ("gitlab", bearer("https://gitlab.example.com/jwt/auth", "container_registry", APP),
         TOKENS["string-expiry"]),
        ("multi", CHALLENGES["basic-and-bearer"], TOKENS["float-expiry"]),
    ]:
        m = Machine().config().credentials(creds)
        m.start(mt.REGISTRY, mt.GET_MANIFEST)
        pull(m, 0, 1, challenge, body)
        seeds[name] = m

    # ECR private and Nexus: Basic challenges, answered by sending the credentials.
    for name in ["ecr-private", "nexus"]:
        m = Machine().config().credentials(creds)
        m.start(mt.REGISTRY, mt.PUT_MANIFEST)
        turn(m, lambda t: t.arbitrary(401, [CHALLENGES[name]]))
        turn(m, lambda t: t.after_basic("ok"))
        m.poll(0, 1)
        m.start(mt.REGISTRY, mt.GET_MANIFEST)
        turn(m, lambda t: t.after_basic("ok"))
        m.poll(0, 1)
        seeds[name] = m

    # distribution: a push whose token is too narrow (insufficient_scope, widened once), then
    # a cached token the registry calls invalid (dropped, fetched again), then a realm that
    # refuses the credentials, echoing the password.
    m = Machine().config().credentials(creds)
    m.start(mt.REGISTRY, mt.PUT_MANIFEST, scopes=[0])
    turn(m, lambda t: t.bearer_challenge())
    turn(m, lambda t: t.token(1))
    turn(m, lambda t: t.after_bearer("insufficient_scope", scope=1))
    turn(m, lambda t: t.token(2))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    m.start(mt.REGISTRY, mt.PUT_MANIFEST)
    turn(m, lambda t: t.after_bearer("invalid_token"))
    turn(m, lambda t: t.token(3))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    m.start(mt.REGISTRY, mt.DELETE_MANIFEST)
    turn(m, lambda t: t.refusal(401, echo=0))
    m.poll(0, 1)
    seeds["distribution"] = m

    # ACR: an identity token (refresh grant by POST); the realm answers 404, so GET; its
    # answer carries a refresh token, which the next token request uses. Then the same with a
    # byte that is not UTF-8 in a member the parser does not read (a finding of TESTING.md:
    # the token is still issued).
    post = TOKENS["oauth-post"].encode()
    for name, body in [("acr", post), ("acr-not-utf8", post.replace(b'Bearer"', b'Beare\xff"'))]:
        m = Machine().config(refresh=True).credentials([mt.IDENTITY] + [mt.ANONYMOUS] * 4)
        m.start(mt.REGISTRY, mt.GET_MANIFEST)
        turn(m, lambda t: t.arbitrary(401, [CHALLENGES["acr-malformed"]]))
        turn(m, lambda t: t.refusal(404))
        turn(m, lambda t: t.access_token(4))
        turn(m, lambda t: t.after_bearer("ok"))
        m.poll(0, 1)
        m.start(mt.REGISTRY, mt.CATALOG)
        turn(m, lambda t: t.arbitrary(200, body=body, fetch=True))
        turn(m, lambda t: t.after_bearer("ok"))
        m.poll(0, 1)
        seeds[name] = m

    # A password grant by POST (configured), answered with a body that is not JSON: the
    # fallback to GET.
    m = Machine().config(password_grant=True).credentials(creds)
    m.start(mt.REGISTRY, mt.HEAD_BLOB)
    turn(m, lambda t: t.bearer_challenge())
    turn(m, lambda t: t.not_json())
    turn(m, lambda t: t.token(5))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    seeds["password-grant"] = m

    # A blob download redirected to storage: the second send carries no Authorization.
    m = Machine().config(max_redirects=2).credentials(creds)
    m.start(mt.REGISTRY, mt.HEAD_BLOB)
    turn(m, lambda t: t.bearer_challenge())
    turn(m, lambda t: t.token(6))
    turn(m, lambda t: t.after_bearer("redirect", location=3))
    turn(m, lambda t: t.ok())
    m.poll(0, 1)
    seeds["redirect"] = m

    # Single flight: two requests for one repository; the second waits for the first's token
    # request, then sends with its token.
    m = Machine().config().credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    turn(m, lambda t: t.bearer_challenge())
    m.poll(0, 1).pending()                      # flow 0: Fetch
    m.start(mt.REGISTRY, mt.TAGS)
    m.poll(1, 2)                                # flow 1: Wait
    m.answer(0, 2).token(8).answered()
    m.poll(1, 2).pending()                      # flow 1: Send with the token
    m.poll(0, 2).pending()                      # flow 0: Send with the token
    m.answer(1, 2).after_bearer("ok").answered()
    m.answer(0, 2).after_bearer("ok").answered()
    m.poll(1, 2)
    m.poll(0, 1)
    seeds["single-flight"] = m

    # Expiry: a cached token, time passing beyond its life and margin: fetched again.
    m = Machine().config().credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    turn(m, lambda t: t.bearer_challenge())
    turn(m, lambda t: t.token(9, expires=1))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    m.time(55)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    turn(m, lambda t: t.token(10))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    seeds["expiry"] = m

    # A realm refusing the credentials, its error echoing the password split by a NUL and by
    # invisible characters (the text the crate must normalise, then scrub); U+1D173 is the
    # fuzz finding of TESTING.md.
    m = Machine().config().credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    turn(m, lambda t: t.bearer_challenge())
    echo = ('{"error":"invalid_client","error_description":"pw0-SECRE\\u0000T-x and '
            'pw0-SEC\\u200bRET-x and pw0-SECRE\\ud834\\udd73T-x"}')
    turn(m, lambda t: t.arbitrary(401, body=echo, fetch=True))
    m.poll(0, 1)
    seeds["echo"] = m

    # A one-character token, which the registry refuses at once: the error holds the
    # crate's own words ("registry.example.com rejected a freshly issued token"), and the
    # token, sent, is a secret of the flow.
    m = Machine().config().credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    turn(m, lambda t: t.bearer_challenge())
    turn(m, lambda t: t.short_token(1))
    turn(m, lambda t: t.after_bearer("invalid_token"))
    m.poll(0, 1)
    seeds["short-token"] = m

    # A caller that dies with a token request out: the flow waiting for it is woken when
    # fetch_timeout (1 s) has passed, by handle_timeout at the time poll_timeout names.
    m = Machine().config(fetch_timeout=1).credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    turn(m, lambda t: t.bearer_challenge())
    m.poll(0, 1).pending()                      # flow 0: Fetch, never answered
    m.start(mt.REGISTRY, mt.TAGS)
    m.poll(1, 2)                                # flow 1: Wait
    m.forget(0, 2)
    seeds["lost-fetch"] = m

    # One registry remembered at most: another registry's flow evicts the first's challenge
    # memory, and its next request is challenged again.
    m = Machine().config(max_registries=1).credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    turn(m, lambda t: t.bearer_challenge())
    turn(m, lambda t: t.token(1))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    m.start(mt.REGISTRY_8443, mt.GET_MANIFEST)
    turn(m, lambda t: t.bearer_challenge())
    turn(m, lambda t: t.token(2))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    m.start(mt.REGISTRY, mt.CATALOG)
    turn(m, lambda t: t.bearer_challenge(scope=3))
    turn(m, lambda t: t.token(3))
    turn(m, lambda t: t.after_bearer("ok"))
    m.poll(0, 1)
    m.time(70, timeout=True)
    seeds["evicted"] = m

    for name, m in seeds.items():
        write("machine", name, m.done())


def machine_misuse():
    creds = [mt.BASIC] + [mt.ANONYMOUS] * 4
    # A flow driven right, answers out of turn, a cancel, and a late answer to the cancelled.
    m = Misuse().config().credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    m.poll(0, 1)
    m.respond(0, 1, True).bearer_challenge().answered()     # a Fetch answer to a Send
    m.respond(0, 1, False).bearer_challenge().answered()
    m.poll(0, 1)
    m.respond(0, 1, True).token(1).answered()
    m.poll(0, 1)
    m.poll(0, 1)                                              # the same Send again
    m.set_credentials(0, mt.IDENTITY)
    m.respond(0, 1, False).ok().answered()
    m.poll(0, 1)                                              # Done
    m.poll(0, 1)                                              # unknown
    m.start(mt.REGISTRY, mt.PUT_MANIFEST)
    m.poll(1, 2)
    m.send_failed(1, 2)
    m.poll(1, 2)
    m.cancel(1, 2)
    m.respond(1, 2, False).ok().answered()
    m.time(100, instant=True)
    m.clear_tokens()
    m.poll_all()
    write("machine_misuse", "turns", m.done())

    # A token request nobody answers: the flow waiting for it wakes at handle_timeout.
    m = Misuse().config().credentials(creds)
    m.start(mt.REGISTRY, mt.GET_MANIFEST)
    m.poll(0, 1)
    m.respond(0, 1, False).bearer_challenge().answered()
    m.poll(0, 1)                                              # Fetch
    m.start(mt.REGISTRY, mt.TAGS)
    m.poll(1, 2)                                              # Wait
    m.timeout()
    m.time(61)
    m.timeout()
    m.poll(1, 2)                                              # its own Fetch
    m.respond(0, 2, True).token(1).answered()                 # the late answer is taken
    m.poll_all()
    write("machine_misuse", "timeouts", m.done())


if __name__ == "__main__":
    challenge()
    scope()
    token()
    docker_config()
    reference()
    cred_helper()
    machine()
    machine_misuse()
