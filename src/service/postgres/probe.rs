//! The PostgreSQL check: config → dns → tcp → tls → auth → query, over TCP
//! or a Unix-domain socket (`net::stream`).
//!
//! Every layer is ours: DNS, TCP, the `SSLRequest` and the TLS handshake
//! (to time them and to see exactly what the server answered), then
//! startup, authentication and the facts query over the same stream
//! (`startup.rs`), the query riding the last authentication message so the
//! check spends no round trip the protocol does not require. SCRAM keeps
//! channel binding (RFC 5929 tls-server-end-point) from our TLS session.

use std::io;
use std::path::PathBuf;
use std::time::Instant;

use tokio::io::AsyncWriteExt;
use tokio_rustls::client::TlsStream;

use super::advice::{self, Refusal};
use super::facts as pg_facts;
use super::messages;
use super::sslrequest::{Answer as SslAnswer, Answered, SSL_REQUEST};
use super::startup::{self, Answer, AuthError, Conn, Duplex, ReadError, ServerFields};
use crate::i18n::msg;
use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding, Ladder, ProbeOutcome, StepName};
use crate::net::sniff::{self, PeerKind, SniffStream, Sniffed};
use crate::net::stream::{self, Link, Peer, Stream};
use crate::net::tls::{self, Extras, KeyShares, Roots, TlsInfo, Verify};
use crate::net::{Budget, within};
use crate::service::postgres::url::{PgTarget, PreferFallback, RootCert, SessionAttrs, SslMode};
use crate::service::setting::Setting;

type Plain = SniffStream<Stream>;

/// Runs the whole check against one target.
pub(crate) async fn probe(setting: &Setting<PgTarget>, budget: Budget) -> ProbeOutcome {
    let mut ladder = Ladder::new(crate::service::Kind::Postgresql.steps());
    let Some((target, source)) = crate::service::setting::accept_setting(setting, &mut ladder)
    else {
        return ladder.finish(
            crate::service::setting::unusable_target(setting),
            setting.source().cloned(),
        );
    };
    run(target, &budget, &mut ladder).await;
    let mut outcome = ladder.finish(msg::verbatim(target.redacted.clone()), Some(source));
    outcome.host.clone_from(&target.host);
    outcome
}

async fn run(target: &PgTarget, budget: &Budget, ladder: &mut Ladder) -> Option<()> {
    for key in &target.ignored {
        ladder.finding(Finding::info(
            FindingCode::IgnoredParameter,
            msg::pg_ignored_parameter(key),
        ));
    }
    let mut from = 0;
    loop {
        let (this, opened, index) = open_first(target, from, budget, ladder).await?;
        let peer = opened.peer.clone();
        let session = negotiate(&this, opened, budget, ladder).await?;
        let connected = authenticate(&this, session, &peer, budget, ladder).await?;
        let unchecked = !connected.0.asked_for_password();
        let Some((failure, started)) = query(connected, &this, budget, ladder).await else {
            // Said of the host the check ended on, not of one it left
            // for not fitting target_session_attrs.
            note_unchecked_password(&this, unchecked, ladder);
            return None;
        };
        let next = target.hosts.len() > index + 1;
        if !next {
            ladder.fail(StepName::Query, Some(started), failure);
            return None;
        }
        // libpq (fe-connect.c `CONNECTION_CHECK_TARGET`), asyncpg
        // (`connect_utils.py`, `_connect`) and postgres.js (`src/startup.js`,
        // `open`) close this session and go on with the next host.
        ladder.finding(Finding::info(
            FindingCode::Driver,
            msg::pg_session_attrs_next(
                format!("{}:{}", this.host, this.port),
                target.session_attrs.as_str(),
            ),
        ));
        ladder.forget(&[StepName::Tls, StepName::Auth, StepName::Query]);
        from = index + 1;
    }
}

/// The first host of the URL's list that accepts a connection (TCP, or
/// the socket file of a socket directory), tried in order as libpq does
/// (the next host after a failure to connect; a server's refusal later is
/// final). The target becomes that host's, so TLS names and the facts are
/// its own; the dns and tcp steps are those of the last host tried, and a
/// finding names the hosts that failed.
/// `from`: the index of the first host to try (a host after one that did
/// not fit `target_session_attrs`).
async fn open_first(
    target: &PgTarget,
    from: usize,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<(PgTarget, Link, usize)> {
    let one = [(target.host.clone(), target.port)];
    let hosts = if target.hosts.is_empty() {
        &one[..]
    } else {
        &target.hosts[..]
    };
    let mut failed = Vec::new();
    for (i, (host, port)) in hosts.iter().enumerate().skip(from) {
        let mut this = target.clone();
        if i > 0 {
            ladder.forget(&[StepName::Dns, StepName::Tcp]);
            this.host.clone_from(host);
            this.port = *port;
            this.hostaddr = None;
            this.dial = Vec::new();
        }
        let last = i + 1 == hosts.len();
        let socket = this.socket();
        let opened = match &socket {
            Some(path) => stream::open_socket(path, budget, ladder).await,
            None => crate::net::open(&this.dial_host(), this.port, &this.dial, budget, ladder)
                .await
                .map(Link::from),
        };
        let shown = socket.map_or_else(|| format!("{host}:{port}"), |p| stream::shown(&p));
        match opened {
            Some(opened) => {
                if !failed.is_empty() {
                    ladder.finding(Finding::info(
                        FindingCode::Driver,
                        msg::pg_next_host(failed.join(", "), shown),
                    ));
                }
                return Some((this, opened, i));
            }
            None if last => return None,
            None => failed.push(shown),
        }
    }
    None
}

/// The connection after the tls step, with a sniffer on the bytes the
/// protocol reads (the decrypted ones over TLS).
enum Session {
    Plain(Plain, Sniffed),
    /// The stream, its sniffer, and what the handshake established (the
    /// certificate hash for channel binding, whether the login's opening
    /// rode its last flight).
    Tls(Box<dyn Duplex>, Sniffed, Box<TlsInfo>),
}

impl Session {
    fn into_conn(self) -> Conn {
        match self {
            Self::Plain(stream, sniffed) => Conn::new(Box::new(stream), sniffed, None, false),
            Self::Tls(stream, sniffed, info) => {
                let conn = Conn::new(stream, sniffed, info.end_point, true);
                if info.early_sent { conn.opened() } else { conn }
            }
        }
    }
}

/// The tls step, following libpq's `sslmode` semantics
/// (<https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS>).
async fn negotiate(
    target: &PgTarget,
    opened: Link,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<Session> {
    let Link {
        stream,
        sniffed,
        peer,
    } = opened;
    if no_tls_here(target, &peer) {
        ladder.skip(
            StepName::Tls,
            msg::pg_tls_not_on_socket(target.sslmode.as_str()),
        );
        return Some(Session::Plain(stream, sniffed));
    }
    if matches!(target.sslmode, SslMode::Disable | SslMode::Allow) {
        ladder.skip(
            StepName::Tls,
            msg::pg_tls_not_tried(target.sslmode.as_str()),
        );
        note_plaintext(target, ladder);
        return Some(Session::Plain(stream, sniffed));
    }
    let started = Instant::now();
    match start_tls(target, stream, &sniffed, budget).await {
        Ok(TlsOutcome::Encrypted(session, info)) => {
            record_tls(target, &info, started, ladder);
            Some(session)
        }
        Ok(TlsOutcome::Declined(stream)) => {
            ladder.skip(StepName::Tls, msg::pg_tls_declined());
            note_plaintext(target, ladder);
            Some(Session::Plain(stream, sniffed))
        }
        Err(failure)
            if target.sslmode == SslMode::Prefer
                && target.prefer_fallback == PreferFallback::Plaintext
                && handshake_failed(&failure) =>
        {
            prefer_fallback(target, &peer, failure, started, budget, ladder).await
        }
        Err(failure) => {
            ladder.fail(StepName::Tls, Some(started), failure);
            None
        }
    }
}

/// A Unix socket where the app's driver never tries TLS (libpq, asyncpg):
/// every `sslmode`, `require` and `verify-full` too, connects in
/// plaintext there (`PgTarget::tls_over_sockets`).
fn no_tls_here(target: &PgTarget, peer: &Peer) -> bool {
    matches!(peer, Peer::Unix(_)) && !target.tls_over_sockets
}

/// Failures of the handshake itself, after the server said `S`; a bad
/// answer to the `SSLRequest` is fatal for libpq in every mode.
fn handshake_failed(failure: &Failure) -> bool {
    matches!(
        failure.code,
        Code::TlsHandshakeFailed | Code::CertificateInvalid
    )
}

/// libpq with `sslmode=prefer` retries without TLS on a new connection when
/// the TLS attempt fails (fe-connect.c, `CONNECTION_SSL_STARTUP`), so the app
/// would connect: the step is a warning, not a failure.
async fn prefer_fallback(
    target: &PgTarget,
    peer: &Peer,
    tls_failure: Failure,
    started: Instant,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<Session> {
    if let Ok(Link {
        stream, sniffed, ..
    }) = stream::redial(peer, budget).await
    {
        let message =
            msg::pg_prefer_fallback(tls_failure.code.as_str(), tls_failure.message.clone());
        ladder.warn(StepName::Tls, started, message.clone());
        ladder.finding(Finding::warn(FindingCode::TlsFallback, message));
        note_plaintext(target, ladder);
        Some(Session::Plain(stream, sniffed))
    } else {
        ladder.fail(StepName::Tls, Some(started), tls_failure);
        None
    }
}

enum TlsOutcome {
    /// The session, with a sniffer on the decrypted bytes (the outer one
    /// sees only ciphertext from here on), and what the handshake found.
    Encrypted(Session, Box<TlsInfo>),
    /// The server said `N` and the sslmode lets us go on without TLS.
    Declined(Plain),
}

async fn start_tls(
    target: &PgTarget,
    mut stream: Plain,
    sniffed: &Sniffed,
    budget: &Budget,
) -> Result<TlsOutcome, Failure> {
    let verify = verification(target)?;
    if target.direct_tls {
        return direct_tls(target, stream, sniffed, &verify, budget).await;
    }
    let request = within(budget.remaining(), stream.write_all(&SSL_REQUEST)).await;
    match request {
        None => return Err(no_answer()),
        Some(Err(error)) => return Err(io_failure(&error, sniffed)),
        Some(Ok(())) => {}
    }
    // The handshake is prepared while the request is in flight; its bytes
    // wait for the server's `S` (sslrequest.rs).
    let (gate, heard) = Answered::new(stream, sniffed.clone());
    let opening = startup::opening(target, pg_facts::SQL).ok();
    let extras = Extras {
        alpn: None,
        early: opening.as_ref().map(|(bytes, _)| &bytes[..]),
    };
    let how = (&verify, KeyShares::P256First);
    let limit = budget.remaining();
    match tls::handshake_returning(gate, &target.host, how, extras, sniffed, limit).await {
        Ok((tls, info)) => Ok(encrypted(tls, info)),
        Err((failure, mut gate)) => {
            let mut answer = heard.take();
            if let (SslAnswer::Waiting, Some(unheard)) = (&answer, gate.as_mut()) {
                within(budget.remaining(), unheard.listen()).await;
                answer = heard.take();
            }
            refused_tls(target, answer, failure, gate, sniffed)
        }
    }
}

/// Why a handshake after an `SSLRequest` did not happen: the server's
/// answer decides. After an `S` the handshake itself failed; an `N` is a
/// server without TLS (`prefer` goes on in plaintext, libpq's rule);
/// anything else is not a PostgreSQL server speaking.
fn refused_tls(
    target: &PgTarget,
    answer: SslAnswer,
    failure: Failure,
    gate: Option<Answered<Plain>>,
    sniffed: &Sniffed,
) -> Result<TlsOutcome, Failure> {
    match (answer, gate) {
        (SslAnswer::Byte(b'S'), _) => Err(failure),
        (SslAnswer::Byte(b'N'), Some(gate)) if target.sslmode == SslMode::Prefer => {
            Ok(TlsOutcome::Declined(gate.into_inner()))
        }
        (SslAnswer::Byte(b'N'), _) => Err(Failure::new(
            Code::TlsUnsupported,
            msg::pg_server_refused_tls(),
        )),
        (SslAnswer::Byte(_), _) => Err(unexpected_reply(sniffed)),
        (SslAnswer::Failed(error), _) => Err(io_failure(&error, sniffed)),
        (SslAnswer::Waiting, _) => Err(no_answer()),
    }
}

fn no_answer() -> Failure {
    Failure::new(Code::Timeout, msg::pg_no_answer_to_ssl_request())
}

/// The session over a finished handshake. The login's opening
/// (`startup::opening`) went out with the client's `Finished`: the server
/// reads it right after the handshake, and no separate write follows it.
fn encrypted<S: Duplex + 'static>(tls: TlsStream<S>, info: TlsInfo) -> TlsOutcome {
    let (inner, sniffed) = SniffStream::new(tls);
    let info = Box::new(info);
    let session = Session::Tls(Box::new(inner), sniffed, info.clone());
    TlsOutcome::Encrypted(session, info)
}

/// PostgreSQL 17's direct TLS (`sslnegotiation=direct`): the handshake
/// from the first byte, offering ALPN `postgresql`, which the server must
/// choose (libpq 17 refuses a session without it). An older server reads
/// the `ClientHello` as a startup packet of absurd length and closes the
/// connection without a word (postmaster.c `ProcessStartupPacket`,
/// "invalid length of startup packet"), so a handshake the server ends
/// before sending any TLS record means no direct TLS: PostgreSQL < 17.
async fn direct_tls(
    target: &PgTarget,
    stream: Plain,
    sniffed: &Sniffed,
    verify: &Verify,
    budget: &Budget,
) -> Result<TlsOutcome, Failure> {
    const ALPN: &[u8] = b"postgresql";
    let how = (verify, KeyShares::P256First);
    let limit = budget.remaining();
    // No opening rides this handshake: rustls would send it before we
    // could check the server chose `postgresql`, and libpq sends nothing
    // to a server that did not.
    let extras = Extras {
        alpn: Some(ALPN),
        early: None,
    };
    let (tls, info) = tls::handshake_returning(stream, &target.host, how, extras, sniffed, limit)
        .await
        .map_err(|(failure, _)| direct_failure(failure, sniffed))?;
    if info.alpn.as_deref() != Some(ALPN) {
        return Err(Failure::new(
            Code::TlsHandshakeFailed,
            msg::pg_direct_tls_no_alpn(),
        ));
    }
    Ok(encrypted(tls, info))
}

/// A closed or reset connection, with nothing or a PostgreSQL message
/// received, is a server without direct TLS.
fn direct_failure(failure: Failure, sniffed: &Sniffed) -> Failure {
    let closed = matches!(
        failure.code,
        Code::ConnectionClosed | Code::ConnectionReset | Code::TlsHandshakeFailed
    );
    let silent = sniffed.bytes().is_empty() || sniffed.peer_kind() == Some(PeerKind::Postgres);
    if closed && silent {
        Failure::new(Code::TlsHandshakeFailed, msg::pg_direct_tls_unsupported())
    } else {
        failure
    }
}

fn unexpected_reply(sniffed: &Sniffed) -> Failure {
    match sniffed.peer_kind() {
        Some(PeerKind::Http) => Failure::new(Code::ProtocolError, msg::peer_is_http()),
        Some(PeerKind::Redis) => Failure::new(Code::ProtocolError, msg::pg_peer_is_redis()),
        Some(PeerKind::Tls) => Failure::new(Code::ProtocolError, msg::pg_peer_is_tls()),
        _ => Failure::new(
            Code::ProtocolError,
            messages::pg_peer_unknown(&sniffed.bytes()),
        ),
    }
}

/// libpq verifies the chain whenever a root certificate is available, even
/// in `require`/`prefer` (a backward-compatibility rule noted in the libpq
/// docs, "sslmode=require ... verify-ca if a root CA file exists").
fn verification(target: &PgTarget) -> Result<Verify, Failure> {
    let explicit = target.sslrootcert.as_ref().map(Roots::from);
    let roots = explicit.or_else(|| default_root_file().map(Roots::File));
    // Below verify-ca a root file that does not exist is simply not used
    // (fe-secure-openssl.c checks for it only to decide whether to verify).
    let weak = !matches!(target.sslmode, SslMode::VerifyCa | SslMode::VerifyFull);
    let roots = roots.filter(|r| !(weak && matches!(r, Roots::File(path) if !path.exists())));
    match (target.sslmode, roots) {
        (SslMode::VerifyFull, Some(roots)) => Ok(Verify::Full(roots)),
        (SslMode::VerifyCa, Some(roots)) => Ok(Verify::CaOnly(roots)),
        (SslMode::VerifyFull | SslMode::VerifyCa, None) => Err(Failure::new(
            Code::CertificateInvalid,
            msg::pg_no_root_cert(target.sslmode.as_str()),
        )),
        (_, Some(roots)) if target.sslrootcert != Some(RootCert::System) => {
            Ok(Verify::CaOnly(roots))
        }
        _ => Ok(Verify::Nothing),
    }
}

/// libpq's default root file, `~/.postgresql/root.crt`, when it exists.
fn default_root_file() -> Option<PathBuf> {
    let path = PathBuf::from(std::env::var_os("HOME")?).join(".postgresql/root.crt");
    path.is_file().then_some(path)
}

fn record_tls(target: &PgTarget, info: &TlsInfo, started: Instant, ladder: &mut Ladder) {
    ladder.pass(StepName::Tls, started, info.detail());
    ladder.findings(&tls::certificate_findings(info));
    ladder.readings().cert_not_after = tls::not_after(info);
    if !info.verified && !target.is_loopback() {
        ladder.finding(Finding::info(
            FindingCode::CertificateNotVerified,
            msg::pg_cert_not_verified(target.sslmode.as_str()),
        ));
    }
}

fn note_plaintext(target: &PgTarget, ladder: &mut Ladder) {
    if !target.is_loopback() {
        ladder.finding(Finding::warn(
            FindingCode::Unencrypted,
            msg::pg_unencrypted(&target.host),
        ));
    }
}

/// The auth step: startup and authentication, with the facts query
/// queued behind the last message the method needs (see `startup.rs`).
/// With `sslmode=allow`, a server that insists on TLS gets a second
/// attempt over TLS, as libpq does.
async fn authenticate(
    target: &PgTarget,
    session: Session,
    peer: &Peer,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<(Conn, bool)> {
    let started = Instant::now();
    let over_tls = matches!(session, Session::Tls(..));
    match startup(target, session, budget).await {
        Ok(connected) => {
            ladder.pass(
                StepName::Auth,
                started,
                messages::pg_auth_detail(target.login_user()),
            );
            Some(connected)
        }
        // libpq's allow retries over TLS after any server refusal of the
        // plaintext attempt, not just the English "no encryption" text.
        Err(failure)
            if target.sslmode == SslMode::Allow
                && refused_by_server(failure.code)
                && !no_tls_here(target, peer) =>
        {
            allow_retry(target, peer, budget, ladder).await
        }
        // And prefer without TLS after a refusal over TLS (a `hostnossl`
        // rule), before authentication succeeded.
        Err(failure)
            if target.sslmode == SslMode::Prefer
                && target.prefer_fallback == PreferFallback::Plaintext
                && over_tls
                && refused_by_server(failure.code) =>
        {
            prefer_retry(target, peer, &failure, budget, ladder).await
        }
        Err(failure) => {
            ladder.fail(StepName::Auth, Some(started), failure);
            None
        }
    }
}

/// A password (from the URL or `PGPASSWORD`), at a server that never
/// asked for one (`trust`, or `peer`/`ident` on a socket, in
/// `pg_hba.conf`): the app's driver connects as the check did, but nothing
/// proved the password right, and the deployed server, which asks, may
/// refuse it.
fn note_unchecked_password(target: &PgTarget, unchecked: bool, ladder: &mut Ladder) {
    let given = target
        .password
        .as_ref()
        .is_some_and(|p| !p.expose().is_empty());
    if given && unchecked {
        let user = target.login_user().unwrap_or_default().to_string();
        ladder.finding(Finding::info(
            FindingCode::PasswordNotChecked,
            msg::pg_password_not_checked(user),
        ));
    }
}

/// The second attempt of `sslmode=allow`: TLS without verification on a new
/// connection to the same address.
async fn allow_retry(
    target: &PgTarget,
    peer: &Peer,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<(Conn, bool)> {
    let mut again = target.clone();
    again.sslmode = SslMode::Require;
    let started = Instant::now();
    let session = match redial_tls(&again, peer, budget).await {
        Ok((session, info)) => {
            ladder.forget(&[StepName::Tls]);
            ladder.pass(StepName::Tls, started, info.detail());
            ladder.readings().cert_not_after = tls::not_after(&info);
            session
        }
        Err(failure) => {
            ladder.forget(&[StepName::Tls]);
            ladder.fail(StepName::Tls, Some(started), failure);
            return None;
        }
    };
    let auth_started = Instant::now();
    match startup(&again, session, budget).await {
        Ok(connected) => {
            ladder.pass(
                StepName::Auth,
                auth_started,
                messages::pg_auth_detail(again.login_user()),
            );
            Some(connected)
        }
        Err(failure) => {
            ladder.fail(StepName::Auth, Some(auth_started), failure);
            None
        }
    }
}

/// The second attempt of `sslmode=prefer` after the server refused the TLS
/// connection: plaintext on a new connection to the same address. The tls
/// step becomes a warning that says so; a refusal of the second attempt
/// is the auth step's failure.
async fn prefer_retry(
    target: &PgTarget,
    peer: &Peer,
    refused: &Failure,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<(Conn, bool)> {
    let mut again = target.clone();
    again.sslmode = SslMode::Disable;
    let started = Instant::now();
    let session = match stream::redial(peer, budget).await {
        Ok(Link {
            stream, sniffed, ..
        }) => Session::Plain(stream, sniffed),
        Err(failure) => {
            ladder.fail(StepName::Auth, Some(started), failure);
            return None;
        }
    };
    match startup(&again, session, budget).await {
        Ok(connected) => {
            let message = msg::pg_prefer_retry(refused.code.as_str(), refused.message.clone());
            ladder.forget(&[StepName::Tls]);
            ladder.warn(StepName::Tls, started, message.clone());
            ladder.finding(Finding::warn(FindingCode::TlsFallback, message));
            note_plaintext(target, ladder);
            ladder.pass(
                StepName::Auth,
                started,
                super::messages::pg_auth_detail(again.login_user()),
            );
            Some(connected)
        }
        Err(failure) => {
            ladder.fail(StepName::Auth, Some(started), failure);
            None
        }
    }
}

async fn redial_tls(
    target: &PgTarget,
    peer: &Peer,
    budget: &Budget,
) -> Result<(Session, TlsInfo), Failure> {
    let Link {
        stream, sniffed, ..
    } = stream::redial(peer, budget).await?;
    match start_tls(target, stream, &sniffed, budget).await? {
        TlsOutcome::Encrypted(session, info) => Ok((session, *info)),
        TlsOutcome::Declined(..) => Err(Failure::new(
            Code::TlsUnsupported,
            msg::pg_server_refused_tls(),
        )),
    }
}

/// Startup and authentication within the budget; the connection and
/// whether the facts query is already on its way.
async fn startup(
    target: &PgTarget,
    session: Session,
    budget: &Budget,
) -> Result<(Conn, bool), Failure> {
    let mut conn = session.into_conn();
    let limit = budget.remaining();
    match within(
        limit,
        startup::authenticate(&mut conn, target, pg_facts::SQL),
    )
    .await
    {
        None => Err(Failure::new(Code::Timeout, msg::pg_auth_timeout(limit))),
        Some(Ok(queued)) => Ok((conn, queued)),
        Some(Err(error)) => Err(auth_failure(error, &conn.sniffed)),
    }
}

/// Maps a failed startup to a code. Server errors carry a SQLSTATE
/// (Appendix A of the PostgreSQL docs); the rest is what we saw on the
/// wire.
fn auth_failure(error: AuthError, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, sniff::peer_too_much(sniff::MAX_READ));
    }
    match error {
        AuthError::Server(fields) => server_failure(&ServerError::from(&fields)),
        AuthError::Read(error) => read_failure(error, sniffed),
        AuthError::PasswordMissing => Failure::new(Code::AuthRequired, msg::pg_password_missing()),
        AuthError::BindingNotUsed => {
            Failure::new(Code::AuthFailed, msg::pg_channel_binding_not_used())
        }
        AuthError::MethodRefused { method, required } => Failure::new(
            Code::AuthFailed,
            msg::pg_require_auth_refused(required, method),
        ),
        AuthError::Unsupported(method) => {
            Failure::new(Code::AuthFailed, msg::pg_auth_unsupported(method))
        }
        AuthError::Scram(error) => Failure::new(Code::AuthFailed, msg::pg_scram_failed(error)),
    }
}

/// A message that could not be read during startup: a malformed message
/// is named from the bytes themselves (`wire.rs`), a peer that is not
/// PostgreSQL by its first byte.
fn read_failure(error: ReadError, sniffed: &Sniffed) -> Failure {
    if let Some(failure) = super::wire::malformed(&sniffed.bytes()) {
        return failure;
    }
    match error {
        ReadError::Io(error) => io_failure(&error, sniffed),
        _ if sniffed.peer_kind().is_some_and(|k| k != PeerKind::Postgres) => {
            unexpected_reply(sniffed)
        }
        other => protocol_failure(other),
    }
}

/// A message we could not use: its type at this point, fields it lacks,
/// or the codec's own words about it.
fn protocol_failure(error: ReadError) -> Failure {
    let message = match error {
        ReadError::Unexpected(kind) => msg::pg_unexpected_message(char::from(kind).to_string()),
        ReadError::FieldsMissing => msg::pg_error_fields_missing(),
        ReadError::Malformed(error) | ReadError::Io(error) => msg::verbatim(error.to_string()),
    };
    Failure::new(Code::ProtocolError, message)
}

/// The fields of a server's `ErrorResponse` that decide the failure: the
/// classifier reads these, so its tests need no server.
struct ServerError<'a> {
    severity: &'a str,
    sqlstate: &'a str,
    message: &'a str,
    /// The C function that raised it (`R`): never translated.
    routine: Option<&'a str>,
}

impl<'a> From<&'a ServerFields> for ServerError<'a> {
    fn from(fields: &'a ServerFields) -> Self {
        Self {
            severity: &fields.severity,
            sqlstate: &fields.sqlstate,
            message: &fields.message,
            routine: fields.routine.as_deref(),
        }
    }
}

fn server_failure(error: &ServerError<'_>) -> Failure {
    let message = error.message;
    // A pooler (PgBouncer, Supavisor) answers the startup itself, with its
    // own texts under 08P01/XX000 that would otherwise read as "not
    // PostgreSQL".
    let pooler = crate::provider::pooler::classify(error.sqlstate, message).map(|(code, _)| code);
    // SQLSTATEs from Appendix A of the PostgreSQL docs.
    let code = pooler.unwrap_or_else(|| match error.sqlstate {
        "28P01" => Code::AuthFailed,
        "28000" => auth_spec_code(error.routine, message),
        "3D000" => Code::DatabaseNotFound,
        "53300" => Code::TooManyConnections,
        "57P03" => Code::ServerStarting,
        // 42501 insufficient privilege; 55000 e.g. "database template0 is
        // not currently accepting connections".
        "42501" | "55000" => Code::AccessDenied,
        // Data exception or syntax/access rule: a startup parameter from the
        // URL (`options=-c work_mem=abc`) was refused.
        state if matches!(state.get(..2), Some("22" | "42")) => Code::InvalidValue,
        _ => Code::ProtocolError,
    });
    let said = messages::pg_server_said(error.severity, error.sqlstate, message);
    Failure::new(code, advice::pg_refusal(refusal(error), said))
}

/// Which limit refused the connection, told by the `ErrorResponse`'s
/// routine field (the C function that raised it, never translated, unlike
/// the text under the server's `lc_messages`): postinit.c `CheckMyDatabase`
/// for `datconnlimit` and `datallowconn`, miscinit.c
/// `InitializeSessionUserId` for `rolconnlimit`. A peer that sends no
/// routine (a pooler) is read by its English words.
fn refusal(error: &ServerError<'_>) -> Option<Refusal> {
    let says = |needle: &str| error.message.contains(needle);
    match (error.sqlstate, error.routine) {
        ("53300", Some("InitializeSessionUserId")) => Some(Refusal::RoleLimit),
        ("53300", Some("CheckMyDatabase")) => Some(Refusal::DatabaseLimit),
        ("55000", Some("CheckMyDatabase")) => Some(Refusal::DatabaseClosed),
        ("53300", None) if says("too many connections for role") => Some(Refusal::RoleLimit),
        ("53300", None) if says("too many connections for database") => {
            Some(Refusal::DatabaseLimit)
        }
        ("55000", None) if says("is not currently accepting connections") => {
            Some(Refusal::DatabaseClosed)
        }
        _ => None,
    }
}

fn refused_by_server(code: Code) -> bool {
    matches!(
        code,
        Code::TlsRequired | Code::AccessDenied | Code::AuthFailed
    )
}

/// SQLSTATE 28000 covers both "no `pg_hba.conf` entry" and "role does not
/// exist". The `ErrorResponse`'s routine field (`R`, the C function that
/// raised it, never translated) tells them apart whatever the server's
/// `lc_messages`: `InitializeSessionUserId` (miscinit.c) for an unknown
/// role, `ClientAuthentication` (auth.c) for `pg_hba.conf`. Only which
/// encryption the rejected line lacked is in the text alone; an English
/// "no encryption" means a hostssl line would have matched.
fn auth_spec_code(routine: Option<&str>, message: &str) -> Code {
    match routine {
        Some("InitializeSessionUserId") => Code::AuthFailed,
        Some("ClientAuthentication") if message.ends_with("no encryption") => Code::TlsRequired,
        None if message.contains("does not exist") => Code::AuthFailed,
        None if message.contains("no pg_hba.conf entry") && message.contains("no encryption") => {
            Code::TlsRequired
        }
        Some(_) | None => Code::AccessDenied,
    }
}

/// A reset before the peer sent a single byte is a peer that closes every
/// connection at once: whether we see EOF or RST only depends on timing
/// (whether our first write raced the close), so both are `connection_closed`.
fn io_failure(error: &io::Error, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, sniff::peer_too_much(sniff::MAX_READ));
    }
    let silent_peer = sniffed.bytes().is_empty();
    match error.kind() {
        io::ErrorKind::UnexpectedEof => {
            Failure::new(Code::ConnectionClosed, msg::pg_closed_during_startup())
        }
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe if silent_peer => {
            Failure::new(Code::ConnectionClosed, msg::pg_closed_during_startup())
        }
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => {
            Failure::new(Code::ConnectionReset, msg::connection_reset())
        }
        io::ErrorKind::TimedOut => Failure::new(Code::Timeout, msg::verbatim(error.to_string())),
        _ if sniffed.peer_kind().is_some_and(|k| k != PeerKind::Postgres) => {
            unexpected_reply(sniffed)
        }
        _ => Failure::new(Code::ProtocolError, msg::verbatim(error.to_string())),
    }
}

/// The query step: reads the facts the query queued behind
/// authentication brought back (or sends it now, when it was not queued).
/// Returns the failure when the server does not fit the target's
/// `target_session_attrs`, for the caller to try the next host or fail.
async fn query(
    (mut conn, queued): (Conn, bool),
    target: &PgTarget,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<(Failure, Instant)> {
    let started = Instant::now();
    let mut result = run_facts(&mut conn, pg_facts::SQL, queued, budget).await;
    if matches!(&result, Ok(Answer::Error(fields)) if pg_facts::is_denied(&fields.sqlstate)) {
        // A locked-down role may not read pg_stat_activity or pg_class:
        // the login still works, so ask only for the basic facts (this
        // extra round trip happens on that error path alone).
        ladder.finding(Finding::info(
            FindingCode::ConnectionHeadroom,
            msg::pg_facts_denied(),
        ));
        result = run_facts(&mut conn, pg_facts::BASIC_SQL, false, budget).await;
    }
    let facts = result.and_then(|answer| match answer {
        Answer::Row(row) => Ok(pg_facts::parse(&row)),
        Answer::NoRow => Err(Failure::new(Code::QueryFailed, msg::pg_no_row())),
        Answer::Error(fields) => Err(Failure::new(
            Code::QueryFailed,
            messages::pg_server_said(&fields.severity, &fields.sqlstate, &fields.message),
        )),
    });
    // Goodbye without waiting for an answer; the socket closes either way.
    let _ = within(budget.remaining(), conn.terminate()).await;
    match facts {
        Ok(facts) => {
            if let Some(failure) = session_misfit(target.session_attrs, &facts) {
                return Some((failure, started));
            }
            let wants_read_only = matches!(
                target.session_attrs,
                SessionAttrs::ReadOnly | SessionAttrs::Standby | SessionAttrs::PreferStandby
            );
            pg_facts::record(&facts, (target.port, wants_read_only), started, ladder);
        }
        Err(failure) => ladder.fail(StepName::Query, Some(started), failure),
    }
    None
}

/// Whether a server the probe logged into fails `target_session_attrs`,
/// judged from the facts query's `pg_is_in_recovery()` and
/// `default_transaction_read_only` as the drivers judge it, with no round
/// trip of their own: libpq (fe-connect.c `CONNECTION_CHECK_TARGET`: a
/// session is read-only when `default_transaction_read_only` or
/// `in_hot_standby` is on; "session is read-only", "session is not
/// read-only", "server is in hot standby mode", "server is not in hot
/// standby mode"), asyncpg 0.32.0 (`connect_utils.py`, `_accept_read_only`,
/// `_accept_in_hot_standby`) and postgres.js 4.2.0 (`src/startup.js`,
/// `fits`). `prefer-standby` takes any server once no standby is found
/// (libpq's second pass; asyncpg's `candidates`; postgres.js's `passes`).
/// A read-only server for `read-write`, and a standby for `primary`, fail
/// `read_only`; a writable server or a primary where a read-only session or
/// a standby is wanted, `not_read_only`.
pub(crate) fn session_misfit(wanted: SessionAttrs, facts: &pg_facts::Facts) -> Option<Failure> {
    let read_only = || {
        Failure::new(
            Code::ReadOnly,
            msg::pg_session_attrs_read_only(wanted.as_str()),
        )
    };
    let writable = || {
        Failure::new(
            Code::NotReadOnly,
            msg::pg_session_attrs_writable(wanted.as_str()),
        )
    };
    match wanted {
        SessionAttrs::Any | SessionAttrs::PreferStandby => None,
        SessionAttrs::ReadWrite => facts.read_only.then(read_only),
        SessionAttrs::Primary => facts.standby.then(read_only),
        SessionAttrs::ReadOnly => (!facts.read_only).then(writable),
        SessionAttrs::Standby => (!facts.standby).then(writable),
    }
}

async fn run_facts(
    conn: &mut Conn,
    sql: &str,
    queued: bool,
    budget: &Budget,
) -> Result<Answer, Failure> {
    let limit = budget.remaining();
    match within(limit, startup::query(conn, sql, queued)).await {
        None => Err(Failure::new(Code::Timeout, msg::pg_query_timeout(limit))),
        Some(Ok(answer)) => Ok(answer),
        Some(Err(error)) => Err(query_failure(error, &conn.sniffed)),
    }
}

fn query_failure(error: ReadError, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, sniff::peer_too_much(sniff::MAX_READ));
    }
    match error {
        ReadError::Io(error)
            if matches!(
                error.kind(),
                io::ErrorKind::UnexpectedEof
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::BrokenPipe
            ) =>
        {
            Failure::new(Code::ConnectionClosed, msg::pg_closed_during_query())
        }
        ReadError::Io(error) => Failure::new(Code::QueryFailed, msg::verbatim(error.to_string())),
        other => protocol_failure(other),
    }
}

/// The `ErrorResponse` classifier without a server: SQLSTATE, routine and
/// message as PostgreSQL 16, PgBouncer and Supavisor send them.
#[cfg(test)]
mod tests {
    use super::*;

    /// `target_session_attrs` judged from the facts row, as libpq, asyncpg
    /// and postgres.js judge a session: the standby branch too, which the
    /// test servers (primaries) cannot show.
    #[test]
    fn session_attrs_are_judged_from_the_facts() {
        let facts = |recovery: &str, read_only: &str| {
            let cells = ["15.2", "appdb", "app", recovery, read_only];
            pg_facts::parse(&cells.map(|c| Some(c.to_string())))
        };
        let primary = facts("f", "off");
        let read_only_role = facts("f", "on");
        let standby = facts("t", "off");
        let code = |wanted, facts: &pg_facts::Facts| session_misfit(wanted, facts).map(|f| f.code);
        for facts in [&primary, &read_only_role, &standby] {
            assert_eq!(code(SessionAttrs::Any, facts), None);
            assert_eq!(code(SessionAttrs::PreferStandby, facts), None);
        }
        assert_eq!(code(SessionAttrs::ReadWrite, &primary), None);
        assert_eq!(
            code(SessionAttrs::ReadWrite, &read_only_role),
            Some(Code::ReadOnly)
        );
        assert_eq!(
            code(SessionAttrs::ReadWrite, &standby),
            Some(Code::ReadOnly)
        );
        assert_eq!(
            code(SessionAttrs::ReadOnly, &primary),
            Some(Code::NotReadOnly)
        );
        assert_eq!(code(SessionAttrs::ReadOnly, &read_only_role), None);
        assert_eq!(code(SessionAttrs::ReadOnly, &standby), None);
        assert_eq!(code(SessionAttrs::Primary, &read_only_role), None);
        assert_eq!(code(SessionAttrs::Primary, &standby), Some(Code::ReadOnly));
        assert_eq!(code(SessionAttrs::Standby, &standby), None);
        assert_eq!(
            code(SessionAttrs::Standby, &read_only_role),
            Some(Code::NotReadOnly)
        );
    }

    fn error<'a>(sqlstate: &'a str, message: &'a str, routine: Option<&'a str>) -> ServerError<'a> {
        ServerError {
            severity: "FATAL",
            sqlstate,
            message,
            routine,
        }
    }

    fn code(sqlstate: &str, message: &str, routine: Option<&str>) -> Code {
        server_failure(&error(sqlstate, message, routine)).code
    }

    #[test]
    fn sqlstates_map_to_codes() {
        let cases = [
            (
                "28P01",
                "password authentication failed for user \"app\"",
                Some("auth_failed"),
                Code::AuthFailed,
            ),
            (
                "3D000",
                "database \"nope\" does not exist",
                Some("InitPostgres"),
                Code::DatabaseNotFound,
            ),
            (
                "53300",
                "sorry, too many clients already",
                Some("InitProcess"),
                Code::TooManyConnections,
            ),
            (
                "57P03",
                "the database system is starting up",
                Some("ProcessStartupPacket"),
                Code::ServerStarting,
            ),
            (
                "42501",
                "permission denied for database \"app\"",
                Some("aclcheck_error"),
                Code::AccessDenied,
            ),
            (
                "55000",
                "database \"template0\" is not currently accepting connections",
                Some("CheckMyDatabase"),
                Code::AccessDenied,
            ),
            (
                "22023",
                "invalid value for parameter \"work_mem\": \"abc\"",
                Some("parse_and_validate_value"),
                Code::InvalidValue,
            ),
            (
                "42704",
                "unrecognized configuration parameter \"nope\"",
                Some("set_config_option_ext"),
                Code::InvalidValue,
            ),
            (
                "XX000",
                "something the server did not expect",
                None,
                Code::ProtocolError,
            ),
        ];
        for (sqlstate, message, routine, expected) in cases {
            assert_eq!(
                code(sqlstate, message, routine),
                expected,
                "{sqlstate} {message}"
            );
        }
    }

    /// 28000 is both "no such role" and "no `pg_hba.conf` line": the routine
    /// decides, whatever the server's `lc_messages`; only "no encryption"
    /// (a hostssl line would have matched) is read from English words.
    #[test]
    fn invalid_authorization_is_told_apart_by_the_routine() {
        let role = Some("InitializeSessionUserId");
        let hba = Some("ClientAuthentication");
        assert_eq!(
            code("28000", "role \"nobody\" does not exist", role),
            Code::AuthFailed
        );
        assert_eq!(
            code("28000", "роль \"nobody\" не существует", role),
            Code::AuthFailed
        );
        let plain = "no pg_hba.conf entry for host \"10.0.0.1\", user \"app\", database \"app\", no encryption";
        assert_eq!(code("28000", plain, hba), Code::TlsRequired);
        let tls = "no pg_hba.conf entry for host \"10.0.0.1\", user \"app\", database \"app\", SSL encryption";
        assert_eq!(code("28000", tls, hba), Code::AccessDenied);
        assert_eq!(
            code("28000", "нет записи в pg_hba.conf", hba),
            Code::AccessDenied
        );
        // A peer that sends no routine is read by its English words.
        assert_eq!(
            code("28000", "role \"x\" does not exist", None),
            Code::AuthFailed
        );
        assert_eq!(code("28000", plain, None), Code::TlsRequired);
    }

    #[test]
    fn which_limit_refused_is_told_by_the_routine_or_the_words() {
        let refused = |sqlstate, message, routine| refusal(&error(sqlstate, message, routine));
        assert_eq!(
            refused(
                "53300",
                "too many connections for role \"app\"",
                Some("InitializeSessionUserId")
            ),
            Some(Refusal::RoleLimit)
        );
        assert_eq!(
            refused(
                "53300",
                "слишком много подключений для БД \"app\"",
                Some("CheckMyDatabase")
            ),
            Some(Refusal::DatabaseLimit)
        );
        assert_eq!(
            refused(
                "55000",
                "database \"template0\" is not currently accepting connections",
                None
            ),
            Some(Refusal::DatabaseClosed)
        );
        assert_eq!(
            refused(
                "53300",
                "sorry, too many clients already",
                Some("InitProcess")
            ),
            None
        );
    }

    /// Poolers answer the startup themselves, under SQLSTATEs that would
    /// otherwise read as "not PostgreSQL".
    #[test]
    fn poolers_own_errors_keep_their_meaning() {
        assert_eq!(
            code("08P01", "no such database: nope", None),
            Code::DatabaseNotFound
        );
        assert_eq!(
            code(
                "08P01",
                "no more connections allowed (max_client_conn)",
                None
            ),
            Code::TooManyConnections
        );
        assert_eq!(
            code("08P01", "pgbouncer cannot connect to server", None),
            Code::ConnectionClosed
        );
        assert_eq!(
            code("08P01", "password authentication failed", None),
            Code::AuthFailed
        );
        assert_eq!(
            code("XX000", "Tenant or user not found", None),
            Code::AuthFailed
        );
        assert_eq!(
            code(
                "XX000",
                "(EMAXCONNSESSION) max clients reached in session mode",
                None
            ),
            Code::TooManyConnections
        );
    }

    /// The failure quotes the server: severity, SQLSTATE and its message.
    #[test]
    fn the_failure_quotes_the_server() {
        let failure = server_failure(&error("3D000", "database \"nope\" does not exist", None));
        let text = crate::i18n::Lang::En.render(&failure.message);
        assert!(
            text.contains("3D000") && text.contains("database \"nope\" does not exist"),
            "{text}"
        );
    }
}
