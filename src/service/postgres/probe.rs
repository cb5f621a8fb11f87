//! The PostgreSQL check: config → dns → tcp → tls → auth → query.
//!
//! DNS, TCP and TLS are ours; startup and authentication are
//! tokio-postgres's `connect_raw` over our stream. When TLS is used we do
//! the `SSLRequest` and the handshake ourselves (to time them and to see
//! exactly what the server answered), then hand the finished TLS stream to
//! `connect_raw` with `sslnegotiation=direct`, so tokio-postgres skips its
//! own `SSLRequest` yet still sees a TLS stream and keeps SCRAM channel
//! binding (RFC 5929 tls-server-end-point).

use std::io;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Instant;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpStream;
use tokio_postgres::Client;
use tokio_postgres::config::{
    ChannelBinding as PgChannelBinding, SslMode as PgSslMode, SslNegotiation,
};
use tokio_postgres::error::{DbError, SqlState};
use tokio_postgres::tls::{ChannelBinding, NoTls, TlsConnect};

use super::facts as pg_facts;
use crate::i18n::msg;
use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding, Ladder, ProbeOutcome, StepName};
use crate::net::sniff::{self, PeerKind, SniffStream, Sniffed};
use crate::net::tls::{self, KeyShares, Roots, TlsInfo, Verify};
use crate::net::{Budget, Opened, within};
use crate::service::postgres::url::{
    ChannelBinding as UrlChannelBinding, PgTarget, RootCert, SslMode,
};
use crate::service::setting::Setting;
use crate::words::{self, Refusal};

type Plain = SniffStream<TcpStream>;

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
            words::pg_ignored_parameter(key),
        ));
    }
    let opened = crate::net::open(
        &target.dial_host(),
        target.port,
        &target.dial,
        budget,
        ladder,
    )
    .await?;
    let addr = opened.addr;
    let (session, sniffed) = negotiate(target, opened, budget, ladder).await?;
    let client = authenticate(target, session, &sniffed, addr, budget, ladder).await?;
    query(client, &sniffed, target.port, budget, ladder).await
}

/// The connection after the tls step: encrypted or not.
enum Session {
    Plain(Plain),
    Tls(Box<PgTlsStream>),
}

/// The tls step, following libpq's `sslmode` semantics
/// (<https://www.postgresql.org/docs/current/libpq-ssl.html#LIBPQ-SSL-SSLMODE-STATEMENTS>).
async fn negotiate(
    target: &PgTarget,
    opened: Opened,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<(Session, Sniffed)> {
    let Opened {
        stream,
        sniffed,
        addr,
    } = opened;
    if matches!(target.sslmode, SslMode::Disable | SslMode::Allow) {
        ladder.skip(
            StepName::Tls,
            words::pg_tls_not_tried(target.sslmode.as_str()),
        );
        note_plaintext(target, ladder);
        return Some((Session::Plain(stream), sniffed));
    }
    let started = Instant::now();
    match start_tls(target, stream, &sniffed, budget).await {
        Ok(TlsOutcome::Encrypted(tls, info, inner)) => {
            record_tls(target, &info, started, ladder);
            Some((Session::Tls(tls), inner))
        }
        Ok(TlsOutcome::Declined(stream)) => {
            ladder.skip(StepName::Tls, words::pg_tls_declined());
            note_plaintext(target, ladder);
            Some((Session::Plain(stream), sniffed))
        }
        Err(failure) if target.sslmode == SslMode::Prefer && handshake_failed(&failure) => {
            prefer_fallback(target, addr, failure, started, budget, ladder).await
        }
        Err(failure) => {
            ladder.fail(StepName::Tls, Some(started), failure);
            None
        }
    }
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
    addr: SocketAddr,
    tls_failure: Failure,
    started: Instant,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<(Session, Sniffed)> {
    if let Ok(Opened {
        stream, sniffed, ..
    }) = crate::net::redial(addr, budget).await
    {
        let message =
            msg::pg_prefer_fallback(tls_failure.code.as_str(), tls_failure.message.clone());
        ladder.warn(StepName::Tls, started, message.clone());
        ladder.finding(Finding::warn(FindingCode::TlsFallback, message));
        note_plaintext(target, ladder);
        Some((Session::Plain(stream), sniffed))
    } else {
        ladder.fail(StepName::Tls, Some(started), tls_failure);
        None
    }
}

enum TlsOutcome {
    /// The session, what the handshake found, and a sniffer on the
    /// decrypted bytes (the outer one sees only ciphertext from here on).
    Encrypted(Box<PgTlsStream>, TlsInfo, Sniffed),
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
    match ssl_request(&mut stream, sniffed, budget).await? {
        b'S' => sniffed.restart(),
        b'N' if target.sslmode == SslMode::Prefer => return Ok(TlsOutcome::Declined(stream)),
        b'N' => {
            return Err(Failure::new(
                Code::TlsUnsupported,
                words::pg_server_refused_tls(),
            ));
        }
        _ => return Err(unexpected_reply(sniffed)),
    }
    let (tls, info) = tls::handshake(
        stream,
        &target.host,
        (&verify, KeyShares::P256First),
        sniffed,
        budget.remaining(),
    )
    .await?;
    let (inner, sniffed) = SniffStream::new(tls);
    let stream = PgTlsStream {
        inner,
        end_point: info.end_point.clone(),
    };
    Ok(TlsOutcome::Encrypted(Box::new(stream), info, sniffed))
}

/// `SSLRequest` (protocol §55.2.10): length 8, code 80877103; the server
/// answers with one byte, `S` or `N`.
async fn ssl_request(
    stream: &mut Plain,
    sniffed: &Sniffed,
    budget: &Budget,
) -> Result<u8, Failure> {
    const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 0x04, 0xd2, 0x16, 0x2f];
    let exchange = async {
        stream.write_all(&SSL_REQUEST).await?;
        stream.read_u8().await
    };
    match within(budget.remaining(), exchange).await {
        None => Err(Failure::new(
            Code::Timeout,
            words::pg_no_answer_to_ssl_request(),
        )),
        Some(Ok(byte)) => Ok(byte),
        Some(Err(error)) => Err(io_failure(&error, sniffed)),
    }
}

fn unexpected_reply(sniffed: &Sniffed) -> Failure {
    match sniffed.peer_kind() {
        Some(PeerKind::Http) => Failure::new(Code::ProtocolError, words::peer_is_http()),
        Some(PeerKind::Redis) => Failure::new(Code::ProtocolError, words::pg_peer_is_redis()),
        Some(PeerKind::Tls) => Failure::new(Code::ProtocolError, words::pg_peer_is_tls()),
        _ => Failure::new(
            Code::ProtocolError,
            words::pg_peer_unknown(&sniffed.bytes()),
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
            words::pg_no_root_cert(target.sslmode.as_str()),
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
            words::pg_cert_not_verified(target.sslmode.as_str()),
        ));
    }
}

fn note_plaintext(target: &PgTarget, ladder: &mut Ladder) {
    if !target.is_loopback() {
        ladder.finding(Finding::warn(
            FindingCode::Unencrypted,
            words::pg_unencrypted(&target.host),
        ));
    }
}

/// The auth step: startup + authentication via tokio-postgres. With
/// `sslmode=allow`, a server that insists on TLS gets a second attempt
/// over TLS, as libpq does.
async fn authenticate(
    target: &PgTarget,
    session: Session,
    sniffed: &Sniffed,
    addr: SocketAddr,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<Client> {
    let started = Instant::now();
    match startup(target, session, sniffed, budget).await {
        Ok(client) => {
            ladder.pass(
                StepName::Auth,
                started,
                words::pg_auth_detail(target.user.as_deref()),
            );
            Some(client)
        }
        // libpq's allow retries over TLS after any server refusal of the
        // plaintext attempt, not just the English "no encryption" text.
        Err(failure) if target.sslmode == SslMode::Allow && refused_by_server(failure.code) => {
            allow_retry(target, addr, budget, ladder).await
        }
        Err(failure) => {
            ladder.fail(StepName::Auth, Some(started), failure);
            None
        }
    }
}

/// The second attempt of `sslmode=allow`: TLS without verification on a new
/// connection to the same address.
async fn allow_retry(
    target: &PgTarget,
    addr: SocketAddr,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<Client> {
    let mut again = target.clone();
    again.sslmode = SslMode::Require;
    let started = Instant::now();
    let tls = match redial_tls(&again, addr, budget).await {
        Ok((tls, info, sniffed)) => {
            ladder.forget(&[StepName::Tls]);
            ladder.pass(StepName::Tls, started, info.detail());
            ladder.readings().cert_not_after = tls::not_after(&info);
            (tls, sniffed)
        }
        Err(failure) => {
            ladder.forget(&[StepName::Tls]);
            ladder.fail(StepName::Tls, Some(started), failure);
            return None;
        }
    };
    let auth_started = Instant::now();
    match startup(&again, Session::Tls(tls.0), &tls.1, budget).await {
        Ok(client) => {
            ladder.pass(
                StepName::Auth,
                auth_started,
                words::pg_auth_detail(again.user.as_deref()),
            );
            Some(client)
        }
        Err(failure) => {
            ladder.fail(StepName::Auth, Some(auth_started), failure);
            None
        }
    }
}

async fn redial_tls(
    target: &PgTarget,
    addr: SocketAddr,
    budget: &Budget,
) -> Result<(Box<PgTlsStream>, TlsInfo, Sniffed), Failure> {
    let Opened {
        stream, sniffed, ..
    } = crate::net::redial(addr, budget).await?;
    match start_tls(target, stream, &sniffed, budget).await? {
        TlsOutcome::Encrypted(tls, info, inner) => Ok((tls, info, inner)),
        TlsOutcome::Declined(_) => Err(Failure::new(
            Code::TlsUnsupported,
            words::pg_server_refused_tls(),
        )),
    }
}

async fn startup(
    target: &PgTarget,
    session: Session,
    sniffed: &Sniffed,
    budget: &Budget,
) -> Result<Client, Failure> {
    let config = pg_config(target, matches!(session, Session::Tls(_)));
    let limit = budget.remaining();
    let connected = match session {
        Session::Plain(stream) => within(limit, connect(&config, stream, NoTls)).await,
        Session::Tls(stream) => within(limit, connect(&config, *stream, Established)).await,
    };
    match connected {
        None => Err(Failure::new(Code::Timeout, words::pg_auth_timeout(limit))),
        Some(result) => result.map_err(|e| classify(&e, sniffed)),
    }
}

async fn connect<S, T>(
    config: &tokio_postgres::Config,
    stream: S,
    tls: T,
) -> Result<Client, tokio_postgres::Error>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
    T: TlsConnect<S> + Send,
    T::Stream: Send + 'static,
    T::Future: Send,
{
    let (client, connection) = config.connect_raw(stream, tls).await?;
    tokio::spawn(connection);
    Ok(client)
}

fn pg_config(target: &PgTarget, encrypted: bool) -> tokio_postgres::Config {
    let mut config = tokio_postgres::Config::new();
    if let Some(user) = &target.user {
        config.user(user);
    }
    if let Some(password) = &target.password {
        config.password(password.expose());
    }
    if let Some(dbname) = &target.dbname {
        config.dbname(dbname);
    }
    if let Some(options) = &target.options {
        config.options(options);
    }
    config.application_name(target.application_name.as_deref().unwrap_or("railconn"));
    config.channel_binding(match target.channel_binding {
        UrlChannelBinding::Disable => PgChannelBinding::Disable,
        UrlChannelBinding::Prefer => PgChannelBinding::Prefer,
        UrlChannelBinding::Require => PgChannelBinding::Require,
    });
    if encrypted {
        // Our TLS is already up: "direct" makes tokio-postgres skip its
        // SSLRequest and accept the stream as TLS (see module docs).
        config
            .ssl_mode(PgSslMode::Require)
            .ssl_negotiation(SslNegotiation::Direct);
    } else {
        config.ssl_mode(PgSslMode::Disable);
    }
    config
}

/// Maps a tokio-postgres error to a code. Server errors carry a SQLSTATE
/// (Appendix A of the PostgreSQL docs); the rest is read from the error
/// chain, since tokio-postgres keeps its error kinds private.
fn classify(error: &tokio_postgres::Error, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, words::peer_too_much(sniff::MAX_READ));
    }
    if let Some(db) = error.as_db_error() {
        return db_failure(db);
    }
    // tokio-postgres reports a message it cannot parse as a closed
    // connection or a bare parse error: the bytes say what was received.
    if let Some(failure) = super::wire::malformed(&sniffed.bytes()) {
        return failure;
    }
    if let Some(io) = find_io(error) {
        return io_failure(io, sniffed);
    }
    if error.is_closed() {
        return Failure::new(Code::ConnectionClosed, words::pg_closed_during_startup());
    }
    // tokio-postgres has no public error kind: these are its own fixed
    // Display texts ("password missing", "authentication error", "SASL …"),
    // not a server's or a locale's words.
    let text = error_chain(error);
    let code = if text.contains("password missing") {
        Code::AuthRequired
    } else if text.contains("authentication")
        || text.contains("SASL")
        || text.contains("channel binding")
    {
        Code::AuthFailed
    } else {
        Code::ProtocolError
    };
    Failure::new(code, msg::verbatim(text))
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

fn db_failure(db: &DbError) -> Failure {
    server_failure(&ServerError {
        severity: db.severity(),
        sqlstate: db.code().code(),
        message: db.message(),
        routine: db.routine(),
    })
}

fn server_failure(error: &ServerError<'_>) -> Failure {
    let state = SqlState::from_code(error.sqlstate);
    let message = error.message;
    // A pooler (PgBouncer, Supavisor) answers the startup itself, with its
    // own texts under 08P01/XX000 that would otherwise read as "not
    // PostgreSQL".
    let pooler = crate::provider::pooler::classify(error.sqlstate, message).map(|(code, _)| code);
    let code = if let Some(code) = pooler {
        code
    } else if state == SqlState::INVALID_PASSWORD {
        Code::AuthFailed
    } else if state == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
        auth_spec_code(error.routine, message)
    } else if state == SqlState::INVALID_CATALOG_NAME {
        Code::DatabaseNotFound
    } else if state == SqlState::TOO_MANY_CONNECTIONS {
        Code::TooManyConnections
    } else if state == SqlState::CANNOT_CONNECT_NOW {
        Code::ServerStarting
    } else if state == SqlState::INSUFFICIENT_PRIVILEGE {
        Code::AccessDenied
    } else if state == SqlState::OBJECT_NOT_IN_PREREQUISITE_STATE {
        // 55000: e.g. "database template0 is not currently accepting connections".
        Code::AccessDenied
    } else if matches!(error.sqlstate.get(..2), Some("22" | "42")) {
        // Data exception or syntax/access rule: a startup parameter from the
        // URL (`options=-c work_mem=abc`) was refused.
        Code::InvalidValue
    } else {
        Code::ProtocolError
    };
    let said = words::pg_server_said(error.severity, error.sqlstate, message);
    Failure::new(code, words::pg_refusal(refusal(error), said))
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

fn find_io(error: &tokio_postgres::Error) -> Option<&io::Error> {
    let mut source = std::error::Error::source(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<io::Error>() {
            return Some(io);
        }
        source = current.source();
    }
    None
}

/// A reset before the peer sent a single byte is a peer that closes every
/// connection at once: whether we see EOF or RST only depends on timing
/// (whether our first write raced the close), so both are `connection_closed`.
fn io_failure(error: &io::Error, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, words::peer_too_much(sniff::MAX_READ));
    }
    let silent_peer = sniffed.bytes().is_empty();
    match error.kind() {
        io::ErrorKind::UnexpectedEof => {
            Failure::new(Code::ConnectionClosed, words::pg_closed_during_startup())
        }
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe if silent_peer => {
            Failure::new(Code::ConnectionClosed, words::pg_closed_during_startup())
        }
        io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe => {
            Failure::new(Code::ConnectionReset, words::connection_reset())
        }
        io::ErrorKind::TimedOut => Failure::new(Code::Timeout, msg::verbatim(error.to_string())),
        _ if sniffed.peer_kind().is_some_and(|k| k != PeerKind::Postgres) => {
            unexpected_reply(sniffed)
        }
        _ => Failure::new(Code::ProtocolError, msg::verbatim(error.to_string())),
    }
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(current) = source {
        text.push_str(": ");
        text.push_str(&current.to_string());
        source = current.source();
    }
    text
}

async fn query(
    client: Client,
    sniffed: &Sniffed,
    port: u16,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<()> {
    let started = Instant::now();
    let mut result = run_facts(&client, pg_facts::SQL, budget).await;
    if matches!(&result, Err(QueryError::Failed(error)) if pg_facts::is_denied(error)) {
        // A locked-down role may not read pg_stat_activity or pg_class:
        // the login still works, so ask only for the basic facts (this
        // extra round trip happens on that error path alone).
        ladder.finding(Finding::info(
            FindingCode::ConnectionHeadroom,
            words::pg_facts_denied(),
        ));
        result = run_facts(&client, pg_facts::BASIC_SQL, budget).await;
    }
    drop(client);
    let facts = match result {
        Ok(messages) => pg_facts::parse(&messages),
        Err(QueryError::Timeout(limit)) => {
            Err(Failure::new(Code::Timeout, words::pg_query_timeout(limit)))
        }
        Err(QueryError::Failed(error)) => Err(query_failure(&error, sniffed)),
    };
    match facts {
        Ok(facts) => pg_facts::record(&facts, port, started, ladder),
        Err(failure) => ladder.fail(StepName::Query, Some(started), failure),
    }
    Some(())
}

/// Why the facts query produced no rows.
pub(crate) enum QueryError {
    Timeout(std::time::Duration),
    Failed(tokio_postgres::Error),
}

async fn run_facts(
    client: &Client,
    sql: &str,
    budget: &Budget,
) -> Result<Vec<tokio_postgres::SimpleQueryMessage>, QueryError> {
    let limit = budget.remaining();
    match within(limit, client.simple_query(sql)).await {
        None => Err(QueryError::Timeout(limit)),
        Some(result) => result.map_err(QueryError::Failed),
    }
}

fn query_failure(error: &tokio_postgres::Error, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, words::peer_too_much(sniff::MAX_READ));
    }
    match error.as_db_error() {
        Some(db) => Failure::new(
            Code::QueryFailed,
            words::pg_server_said(db.severity(), db.code().code(), db.message()),
        ),
        None if error.is_closed() => {
            Failure::new(Code::ConnectionClosed, words::pg_closed_during_query())
        }
        None => Failure::new(Code::QueryFailed, msg::verbatim(error_chain(error))),
    }
}

/// A finished TLS session handed to tokio-postgres, carrying the channel
/// binding data tokio-postgres needs for SCRAM-SHA-256-PLUS.
struct PgTlsStream {
    inner: SniffStream<tokio_rustls::client::TlsStream<Plain>>,
    end_point: Option<Vec<u8>>,
}

impl AsyncRead for PgTlsStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for PgTlsStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, data)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl tokio_postgres::tls::TlsStream for PgTlsStream {
    fn channel_binding(&self) -> ChannelBinding {
        match &self.end_point {
            Some(hash) => ChannelBinding::tls_server_end_point(hash.clone()),
            None => ChannelBinding::none(),
        }
    }
}

/// A `TlsConnect` whose handshake has already happened: it returns the
/// stream it is given.
struct Established;

impl TlsConnect<PgTlsStream> for Established {
    type Stream = PgTlsStream;
    type Error = io::Error;
    type Future = std::future::Ready<io::Result<PgTlsStream>>;

    fn connect(self, stream: PgTlsStream) -> Self::Future {
        std::future::ready(Ok(stream))
    }
}

/// The `ErrorResponse` classifier without a server: SQLSTATE, routine and
/// message as PostgreSQL 16, PgBouncer and Supavisor send them.
#[cfg(test)]
mod tests {
    use super::*;

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
