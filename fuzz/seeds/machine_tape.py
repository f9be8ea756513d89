"""The choices of the machine targets (`fuzz_targets/machine.rs`, `machine_misuse.rs` and
`common/machine/`), in the order they read them, so that a seed script can say "start a GET to
Docker Hub, answer with this challenge, then with this token" and get the bytes for it.

Each method mirrors one function of the harness; keep them in step when the harness changes
(a seed that drifts still runs, it only reaches less: `REGISTRY_AUTH_FUZZ_TRACE=1` on a run of
one seed prints what it does).
"""

from tape import Tape

# common/machine/world.rs
KEYS = [5, 2, 2, 4, 2]  # how many spellings each name's credentials may be keyed under
ANONYMOUS, BASIC, IDENTITY, IDENTITY_WITH_USER, REGISTRY_TOKEN = range(5)
(REGISTRY, REGISTRY_443, REGISTRY_HTTP, LOOPBACK_5000, REGISTRY_8443, DOCKER_HUB,
 LOCALHOST_5000) = range(7)
(GET_MANIFEST, HEAD_BLOB, PUT_MANIFEST, POST_MOUNT, PATCH_UPLOAD, DELETE_MANIFEST, CATALOG,
 PING, TAGS, OTHER, BLOB_FRAGMENT, DOTTED) = range(12)
SECRETS = 15  # all_secrets(): for each name, password, identity, registry token

# common/machine/peers.rs
STATUSES = [200, 401, 301, 302, 303, 307, 308, 400, 403, 404, 405, 500, 201, 401, 401, 429]
REALMS = 40
SCOPES = 7
LOCATIONS = 20


class MachineTape(Tape):
    # ---- driver.rs ----------------------------------------------------------------------
    def config(self, insecure=False, max_redirects=0, stale=False, password_grant=False,
               refresh=False, one_scope=False, margin=None, max_cached=None, max_flows=None,
               limits=None, strict=False, client_id=False, internal_for=None,
               fetch_timeout=None, max_registries=None):
        self.flag(insecure).int(0, 4, max_redirects).flag(stale).flag(password_grant)
        self.flag(refresh).flag(one_scope)
        self.chance(1, 4, margin is not None)
        if margin is not None:
            self.index(4, margin)
        self.chance(1, 4, max_cached is not None)
        if max_cached is not None:
            self.int(0, 3, max_cached)
        self.chance(1, 8, max_flows is not None)
        if max_flows is not None:
            self.int(0, 3, max_flows)
        self.chance(1, 8, limits is not None)
        if limits is not None:
            self.int(0, 300, limits[0]).int(0, 40, limits[1])
        self.chance(1, 8, strict).chance(1, 8, client_id)
        self.chance(1, 4, internal_for is not None)
        if internal_for is not None:
            self.index(5, internal_for).index(KEYS[internal_for], 0)
        self.chance(1, 8, fetch_timeout is not None)
        if fetch_timeout is not None:
            self.index(3, fetch_timeout)  # 0 s, 1 s, 30 s
        self.chance(1, 8, max_registries is not None)
        if max_registries is not None:
            self.int(1, 3, max_registries)
        return self

    def credentials(self, kinds):
        """`initial_credentials`: a kind for each of the five names (key spelling 0)."""
        for name, kind in enumerate(kinds):
            self.index(5, kind)
            if kind != ANONYMOUS:
                self.index(KEYS[name], 0)
        return self

    def flow(self, base, route, method=None, path=None, scopes=(), caller_auth=False, build=0):
        """`gen_flow`."""
        self.index(7, base).index(12, route)
        self.chance(1, 4, method is not None)
        if method is not None:
            self.index(7, method)
        self.chance(1, 16, path is not None)
        if path is not None:
            self.text(40, path)
        self.int(0, 2, len(scopes))
        for s in scopes:
            self.index(4, s)
        return self.chance(1, 10, caller_auth).index(3, build)

    def clock(self, secs):
        """`clock_step`: forward by `secs` seconds (0..=400)."""
        return self.index(5, 0).int(0, 400, secs)

    # ---- peers.rs -----------------------------------------------------------------------
    def coherent(self):
        return self.chance(1, 2, True)

    def arbitrary(self, status, challenges=(), location=None, body=None, fetch=False):
        """`arbitrary_peer`: a status of the list, raw challenges (`gen_challenge`'s raw
        choice), a location of the list, and a raw body (or none)."""
        self.chance(1, 2, False)
        self.index(len(STATUSES) + 1, STATUSES.index(status))
        self.int(0, 3, len(challenges))
        for c in challenges:
            self.index(2, 0).index(7, 5).bytes(200, c)
        self.flag(location is not None)
        if location is not None:
            self.index(2, 0).index(4, 1).index(LOCATIONS, location)
        kinds = [0, 1, 2, 3, 0] if fetch else [1, 2, 3, 0, 1]
        if body is None:
            return self.index(5, kinds.index(1))
        return self.index(5, kinds.index(3)).bytes(300, body)

    def short_token(self, length):
        """`arbitrary_peer` 200 to a token request, its `token_body` holding the token `x` *
        `length` (1..=100), no expiry, no refresh token."""
        self.chance(1, 2, False).index(len(STATUSES) + 1, 0).int(0, 3, 0).flag(False)
        self.index(5, 0)
        self.index(8, 6).int(1, 100, length).index(4, 0).index(8, 0)
        return self.chance(1, 3, False).chance(1, 4, False)

    def bearer_challenge(self, realm=0, scope=0):
        """Coherent answer to a Send without authorization: 401 with a Bearer challenge."""
        return self.coherent().index(5, 0).index(4, realm).index(SCOPES, scope)

    def basic_challenge(self):
        return self.coherent().index(5, 2)

    def ok(self):
        """Coherent 200 to a Send without authorization."""
        return self.coherent().index(5, 3)

    def redirect(self, location=3):
        """Coherent 307 to a Send without authorization."""
        return self.coherent().index(5, 4).index(4, location)

    def after_bearer(self, answer, realm=0, scope=0, location=3):
        """Coherent answer to a Send with a Bearer token: 'ok', 'insufficient_scope',
        'invalid_token', 'basic', '403', '400', 'redirect', 'challenge'."""
        answers = ['ok', 'insufficient_scope', 'invalid_token', 'basic', '403', '400',
                   'redirect', 'challenge']
        i = answers.index(answer)
        self.coherent().index(8, i)
        if answer in ('insufficient_scope', 'invalid_token', 'challenge'):
            self.index(4, realm).index(SCOPES, scope)
        if answer == 'redirect':
            self.index(4, location)
        return self

    def after_basic(self, answer):
        """Coherent answer to a Send with Basic: 'ok', 'basic', 'challenge'."""
        i = ['ok', 'basic', 'challenge'].index(answer)
        self.coherent().index(3, i)
        if answer == 'challenge':
            self.index(4, 0).index(SCOPES, 0)
        return self

    def token(self, n=1, expires=0, refresh=False):
        """Coherent token endpoint answer: 200 with a token `tok{n}` (expires_in 300, 30, 3600,
        0, 70 by index), with a refresh token `rt{n}` when asked."""
        self.coherent().int(0, 255, n).index(5, expires)
        return self.index(6, 4 if refresh else 0)

    def access_token(self, n=1, expires=0):
        """Coherent POST-style answer: `access_token` and `refresh_token`."""
        return self.coherent().int(0, 255, n).index(5, expires).index(6, 2)

    def refusal(self, status, echo=None, shape=2, message=0):
        """Coherent token endpoint refusal (400, 401, 404, 405 or 403), its error body in
        `shape` (0 registry errors[], 1 DENIED with detail, 2 OAuth), echoing secret `echo`."""
        self.coherent().int(0, 255, 0).index(5, 0).index(6, 3)
        self.index(5, [400, 401, 404, 405, 403].index(status))
        self.pick_or_text(["authentication required", ""], message, 40)
        self.flag(echo is not None)
        if echo is not None:
            self.index(SECRETS, echo)
        return self.index(3, shape)

    def not_json(self):
        return self.coherent().int(0, 255, 0).index(5, 0).index(6, 5)


class Machine(MachineTape):
    """`fuzz_targets/machine.rs`: ops chosen by `index(9)`."""

    def start(self, *args, **kwargs):
        return self.index(9, 0).flow(*args, **kwargs)

    def poll(self, k, live):
        """Step flow `k` of `live` with nothing pending: poll it; a Send or Fetch is then
        pending (`again` polls it twice)."""
        return self.index(9, 2).index(max(live, 1), k)

    def pending(self, again=False):
        """After `poll` gave a Send or Fetch."""
        return self.chance(1, 8, again)

    def answer(self, k, live):
        """Step flow `k` with a request pending: answer it. Write the peer next, then
        `answered(...)`."""
        return self.index(9, 2).index(max(live, 1), k).chance(1, 32, False)

    def answered(self, clock=None, http=False):
        self.chance(1, 4, clock is not None)
        if clock is not None:
            self.clock(clock)
        return self.flag(http)

    def send_failed(self, k, live):
        return self.index(9, 2).index(max(live, 1), k).chance(1, 32, True)

    def time(self, secs, timeout=False):
        """The clock steps forward; with `timeout`, the machine is told the time alone."""
        return self.index(9, 6).clock(secs).chance(1, 2, timeout)

    def clear_tokens(self):
        return self.index(9, 7).chance(1, 6, True)

    def set_credentials(self, name, kind, key=0, remove=False):
        self.index(9, 7).chance(1, 6, False).index(5, name).index(KEYS[name], key)
        self.index(5, kind)
        if kind == ANONYMOUS:
            self.flag(remove)
        return self

    def cancel(self, k, live):
        return self.index(9, 8).index(live, k).index(3, 1)

    def forget(self, k, live):
        """The driver stops driving flow `k` and never tells the machine."""
        return self.index(9, 8).index(live, k).index(3, 2)


class Misuse(MachineTape):
    """`fuzz_targets/machine_misuse.rs`: ops chosen by `index(11)`."""

    def start(self, *args, **kwargs):
        return self.index(11, 0).flow(*args, **kwargs)

    def poll(self, h, handles):
        return self.index(11, 1).index(handles, h)

    def respond(self, h, handles, as_fetch):
        """Then the peer, then `answered`."""
        return self.index(11, 3).index(handles, h).flag(as_fetch)

    def answered(self, http=False):
        return self.flag(http)

    def send_failed(self, h, handles):
        return self.index(11, 5).index(handles, h)

    def cancel(self, h, handles):
        return self.index(11, 6).index(handles, h)

    def clear_tokens(self):
        return self.index(11, 7).index(3, 0)

    def set_credentials(self, name, kind, key=0):
        self.index(11, 7).index(3, 1).index(5, name).index(KEYS[name], key).index(5, kind)
        if kind == ANONYMOUS:
            self.flag(False)
        return self

    def time(self, secs, instant=False):
        return self.index(11, 8).flag(instant).clock(secs)

    def poll_all(self):
        return self.index(11, 9)

    def timeout(self):
        return self.index(11, 10)
