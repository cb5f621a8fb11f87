//! The Redis check: config → dns → tcp → tls → auth → ping.
//!
//! redis-rs runs over our stream but authenticates nothing itself: its own
//! AUTH maps every failure to an opaque "Password authentication failed"
//! (redis-rs issues #935 and #1154). We send AUTH, SELECT, PING and `INFO server` ourselves,
//! pipelined into one round trip, and read each reply on its own.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, RedisConnectionInfo, RedisError, RedisResult, Value};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;

use super::facts as redis_facts;
use super::messages;
use super::reply;
use crate::i18n::msg;
use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding, Ladder, ProbeOutcome, StepName};
use crate::net::sniff::{self, PeerKind, SniffStream, Sniffed};
use crate::net::tls::{self, KeyShares, Verify};
use crate::net::{Budget, within};
use crate::service::redis::url::{BadDb, NoPassword, Protocol, RedisTarget, RedisTls};
use crate::service::setting::Setting;

pub(crate) async fn probe(setting: &Setting<RedisTarget>, budget: Budget) -> ProbeOutcome {
    let mut ladder = Ladder::new(crate::service::Kind::Redis.steps());
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

async fn run(target: &RedisTarget, budget: &Budget, ladder: &mut Ladder) -> Option<()> {
    let opened = crate::net::open(&target.host, target.port, &target.dial, budget, ladder).await?;
    let (stream, sniffed) = (opened.stream, opened.sniffed);
    let verify = match target.tls {
        RedisTls::Off => {
            ladder.skip(StepName::Tls, msg::redis_tls_off());
            note_plaintext(target, ladder);
            converse(target, stream, &sniffed, budget, ladder).await;
            if ladder.failure_code() == Some(Code::ConnectionClosed) && sniffed.bytes().is_empty() {
                confirm_tls_port(target, opened.addr, budget, ladder).await;
            }
            return Some(());
        }
        RedisTls::Verified => Verify::Full(target.roots.clone()),
        RedisTls::Insecure => Verify::Nothing,
    };
    let started = Instant::now();
    match tls::handshake(
        stream,
        &target.host,
        (&verify, KeyShares::Default),
        &sniffed,
        budget.remaining(),
    )
    .await
    {
        Ok((tls, info)) => {
            ladder.pass(StepName::Tls, started, info.detail());
            ladder.findings(&tls::certificate_findings(&info));
            ladder.readings().cert_not_after = tls::not_after(&info);
            note_unverified(target, ladder);
            let (tls, inner) = SniffStream::new(tls);
            converse(target, tls, &inner, budget, ladder).await
        }
        Err(failure) => {
            ladder.fail(StepName::Tls, Some(started), failure);
            None
        }
    }
}

/// A TLS-only Redis closes a plaintext connection without a word (no TLS
/// alert, no RESP error), which looks like a dead backend. Only on that
/// failure, one more connection offers a TLS handshake: if the port answers
/// with a TLS record, the fix is certainly `rediss://`.
async fn confirm_tls_port(
    target: &RedisTarget,
    addr: SocketAddr,
    budget: &Budget,
    ladder: &mut Ladder,
) {
    let started = Instant::now();
    let Some(Ok(stream)) = within(budget.connect_limit(), TcpStream::connect(addr)).await else {
        return;
    };
    let (stream, sniffed) = SniffStream::new(stream);
    let _ = tls::handshake(
        stream,
        &target.host,
        (&Verify::Nothing, KeyShares::Default),
        &sniffed,
        budget.remaining(),
    )
    .await;
    if sniffed.peer_kind() == Some(PeerKind::Tls) {
        ladder.forget(&[StepName::Tls, StepName::Auth, StepName::Ping]);
        ladder.fail(
            StepName::Tls,
            Some(started),
            Failure::new(Code::TlsRequired, msg::redis_port_speaks_tls()),
        );
    }
}

fn note_plaintext(target: &RedisTarget, ladder: &mut Ladder) {
    if !target.is_loopback() {
        ladder.finding(Finding::warn(
            FindingCode::Unencrypted,
            msg::redis_unencrypted(&target.host),
        ));
    }
}

fn note_unverified(target: &RedisTarget, ladder: &mut Ladder) {
    if target.tls == RedisTls::Insecure {
        ladder.finding(Finding::warn(
            FindingCode::CertificateNotVerified,
            msg::redis_insecure(),
        ));
    }
}

/// Which reply in the pipeline answers which command.
struct Layout {
    /// Credentials are sent (in AUTH, or in HELLO's AUTH clause).
    auth: bool,
    /// `HELLO 3` opens the pipeline (`?protocol=resp3`), as redis-rs does.
    hello: bool,
    select: bool,
}

impl Layout {
    fn of(target: &RedisTarget) -> Self {
        Self {
            auth: target.password.is_some(),
            hello: target.protocol == Protocol::Resp3,
            select: target.db != 0,
        }
    }

    /// HELLO (with or without AUTH) or AUTH: one reply either way.
    fn handshake(&self) -> bool {
        self.auth || self.hello
    }

    fn ping_index(&self) -> usize {
        usize::from(self.handshake()) + usize::from(self.select)
    }
}

/// The auth and ping steps over an open (plain or TLS) stream.
async fn converse<S>(
    target: &RedisTarget,
    stream: S,
    sniffed: &Sniffed,
    budget: &Budget,
    ladder: &mut Ladder,
) -> Option<()>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let started = Instant::now();
    let layout = Layout::of(target);
    let limit = budget.remaining();
    let replies = match within(limit, exchange(target, stream)).await {
        None => Err(Failure::new(Code::Timeout, msg::redis_timeout(limit))),
        Some(Err(error)) => Err(connection_failure(&error, sniffed)),
        Some(Ok(replies)) => Ok(replies),
    };
    let rtt = started.elapsed();
    match replies {
        Ok(replies) => judge(target, &layout, &replies, rtt, ladder),
        Err(failure) => ladder.fail(first_step(&layout), Some(started), failure),
    }
    Some(())
}

fn first_step(layout: &Layout) -> StepName {
    if layout.handshake() {
        StepName::Auth
    } else {
        StepName::Ping
    }
}

/// One round trip: [AUTH | HELLO 3 [AUTH]] [SELECT] PING, INFO server.
async fn exchange<S>(target: &RedisTarget, stream: S) -> RedisResult<Vec<RedisResult<Value>>>
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let info = RedisConnectionInfo::default().set_skip_set_lib_name();
    let config = AsyncConnectionConfig::new()
        .set_connection_timeout(None)
        .set_response_timeout(None);
    let (mut connection, driver) =
        MultiplexedConnection::new_with_config(&info, stream, config).await?;
    tokio::spawn(driver);
    pipeline(target).query_async(&mut connection).await
}

fn pipeline(target: &RedisTarget) -> redis::Pipeline {
    let mut pipe = redis::pipe();
    if target.protocol == Protocol::Resp3 {
        // What redis-rs sends for RESP3 (`resp3_hello`): the credentials
        // ride in HELLO, the user defaulting to `default`.
        let hello = pipe.cmd("HELLO").arg(3);
        if let Some(password) = &target.password {
            let user = target.username.as_deref().unwrap_or("default");
            hello.arg("AUTH").arg(user).arg(password.expose());
        }
    } else if let Some(password) = &target.password {
        let auth = pipe.cmd("AUTH");
        if let Some(user) = &target.username {
            auth.arg(user);
        }
        auth.arg(password.expose());
    }
    if target.db != 0 {
        pipe.cmd("SELECT").arg(target.db);
    }
    // Plain INFO: Redis before 7 takes at most one section name, and the
    // default sections hold everything the check reads.
    pipe.cmd("PING").cmd("INFO");
    pipe.ignore_errors();
    pipe
}

fn judge(
    target: &RedisTarget,
    layout: &Layout,
    replies: &[RedisResult<Value>],
    rtt: Duration,
    ladder: &mut Ladder,
) {
    let mut replies = replies.to_vec();
    accept_unneeded_password(target, layout, &mut replies, ladder);
    let db = accept_bad_db(target, layout, &mut replies, ladder);
    let replies = &replies[..];
    if let Err((step, failure)) = check_replies(layout, replies) {
        if step == StepName::Ping && layout.auth {
            // AUTH passed in the same round trip; the ping reply failed.
            let detail = messages::redis_auth_detail(target.username.as_deref());
            ladder.pass_with(StepName::Auth, Some(rtt), detail);
            return ladder.fail_with(StepName::Ping, None, failure);
        }
        return ladder.fail_with(step, Some(rtt), failure);
    }
    let ping_duration = if layout.auth {
        ladder.pass_with(
            StepName::Auth,
            Some(rtt),
            messages::redis_auth_detail(target.username.as_deref()),
        );
        None
    } else {
        ladder.skip(StepName::Auth, msg::redis_no_credentials());
        Some(rtt)
    };
    let facts = redis_facts::parse(replies.get(layout.ping_index() + 1));
    redis_facts::record(&facts, db, ping_duration, ladder);
}

/// The app's driver goes on where redis-rs stops (`NoPassword`): its
/// AUTH counts as accepted, and the unneeded password is said.
fn accept_unneeded_password(
    target: &RedisTarget,
    layout: &Layout,
    replies: &mut [RedisResult<Value>],
    ladder: &mut Ladder,
) {
    let Some(Err(error)) = replies.first() else {
        return;
    };
    if target.nopass != NoPassword::Connects
        || !layout.auth
        || layout.hello
        || !no_password_set(error)
    {
        return;
    }
    ladder.finding(Finding::warn(
        FindingCode::Driver,
        msg::driver_redis_nopass(msg::verbatim(server_message(error))),
    ));
    replies[0] = Ok(Value::Okay);
}

/// The app's driver goes on, on database 0, when the server refuses its
/// `SELECT` (`BadDb::Ignored`, ioredis): the refusal is said, and the
/// database the commands reach is returned.
fn accept_bad_db(
    target: &RedisTarget,
    layout: &Layout,
    replies: &mut [RedisResult<Value>],
    ladder: &mut Ladder,
) -> i64 {
    let index = usize::from(layout.handshake());
    let refused = match replies.get(index) {
        Some(Err(error)) if layout.select => server_message(error),
        _ => return target.db,
    };
    if target.bad_db != BadDb::Ignored {
        return target.db;
    }
    ladder.finding(Finding::warn(
        FindingCode::Driver,
        msg::reading_ioredis_select_ignored(target.db, msg::verbatim(refused)),
    ));
    replies[index] = Ok(Value::Okay);
    0
}

/// The server's answer to a password when its `default` user has none
/// (Redis ≥ 6, and "no password is set" before).
fn no_password_set(error: &RedisError) -> bool {
    let message = server_message(error);
    message.contains("without any password configured") || message.contains("no password is set")
}

/// The first failing reply decides, attributed to the step it belongs to.
fn check_replies(
    layout: &Layout,
    replies: &[RedisResult<Value>],
) -> Result<(), (StepName, Failure)> {
    let mut index = 0;
    if layout.hello {
        reply_ok(replies, index).map_err(|e| (StepName::Auth, hello_failure(layout, &e)))?;
        index += 1;
    } else if layout.auth {
        reply_ok(replies, index).map_err(|e| (StepName::Auth, auth_failure(&e)))?;
        index += 1;
    }
    if layout.select {
        reply_ok(replies, index).map_err(|e| (StepName::Auth, select_failure(&e)))?;
        index += 1;
    }
    reply_ok(replies, index).map_err(|e| (ping_step_for(layout, &e), ping_failure(&e)))
}

/// NOAUTH on PING is decided at the auth layer: credentials are missing.
fn ping_step_for(layout: &Layout, error: &RedisError) -> StepName {
    if !layout.auth && error.code() == Some("NOAUTH") {
        StepName::Auth
    } else {
        StepName::Ping
    }
}

fn reply_ok(replies: &[RedisResult<Value>], index: usize) -> Result<(), RedisError> {
    match replies.get(index) {
        Some(Ok(_)) => Ok(()),
        Some(Err(error)) => Err(error.clone()),
        None => Err(RedisError::from((redis::ErrorKind::Parse, "missing reply"))),
    }
}

fn server_message(error: &RedisError) -> String {
    let code = error.code().unwrap_or("ERR");
    match error.detail() {
        Some(detail) => format!("{code} {detail}"),
        None => error.to_string(),
    }
}

/// Errors any command may get on a fresh connection.
fn common_failure(error: &RedisError) -> Option<Failure> {
    let message = server_message(error);
    let code = match error.code() {
        Some("LOADING") => Code::ServerStarting,
        Some("NOPERM" | "DENIED") => Code::AccessDenied,
        // Redis has no code of its own for this: networking.c replies
        // "-ERR max number of clients reached", untranslated, and closes.
        _ if message.contains("max number of clients") => Code::TooManyConnections,
        _ => return None,
    };
    Some(Failure::new(code, msg::verbatim(message)))
}

/// WRONGPASS, or "AUTH … called without any password configured": both
/// mean the credentials in the URL do not fit this server.
fn auth_failure(error: &RedisError) -> Failure {
    common_failure(error)
        .unwrap_or_else(|| Failure::new(Code::AuthFailed, msg::verbatim(server_message(error))))
}

/// `HELLO 3` refused: a server or proxy without RESP3 (Redis before 6),
/// missing credentials, or wrong ones.
fn hello_failure(layout: &Layout, error: &RedisError) -> Failure {
    if error.code() == Some("ERR")
        && error
            .detail()
            .is_some_and(|d| d.to_ascii_lowercase().starts_with("unknown command"))
    {
        return Failure::new(
            Code::ProtocolError,
            msg::redis_no_resp3(&server_message(error)),
        );
    }
    if !layout.auth && error.code() == Some("NOAUTH") {
        return Failure::new(Code::AuthRequired, msg::verbatim(server_message(error)));
    }
    auth_failure(error)
}

fn select_failure(error: &RedisError) -> Failure {
    common_failure(error).unwrap_or_else(|| {
        Failure::new(Code::DatabaseNotFound, msg::verbatim(server_message(error)))
    })
}

fn ping_failure(error: &RedisError) -> Failure {
    if let Some(failure) = common_failure(error) {
        return failure;
    }
    match error.code() {
        Some("NOAUTH") => Failure::new(Code::AuthRequired, msg::verbatim(server_message(error))),
        _ => Failure::new(Code::QueryFailed, msg::verbatim(server_message(error))),
    }
}

/// A failure of the whole exchange: the peer closed, reset, or sent
/// something that is not RESP. The sniffed bytes tell which.
fn connection_failure(error: &RedisError, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(Code::ProtocolError, sniff::peer_too_much(sniff::MAX_READ));
    }
    match sniffed.peer_kind() {
        Some(PeerKind::Tls) => return Failure::new(Code::TlsRequired, msg::redis_peer_is_tls()),
        Some(PeerKind::Http) => return Failure::new(Code::ProtocolError, msg::peer_is_http()),
        Some(PeerKind::Postgres | PeerKind::Unknown) => {
            return Failure::new(
                Code::ProtocolError,
                messages::redis_peer_unknown(&sniffed.bytes()),
            );
        }
        _ => {}
    }
    if let Some(failure) = common_failure(error) {
        return failure;
    }
    // What the server wrote before the connection went away decides: a
    // malformed reply, or an error line such as maxclients'.
    if let Some(failure) = reply::last_words(&sniffed.bytes()) {
        return failure;
    }
    match error.kind() {
        redis::ErrorKind::Parse => {
            Failure::new(Code::ProtocolError, msg::verbatim(error.to_string()))
        }
        // As for PostgreSQL: EOF or RST before any byte is timing, not cause.
        _ if is_reset(error) && !sniffed.bytes().is_empty() => {
            Failure::new(Code::ConnectionReset, msg::connection_reset())
        }
        _ => Failure::new(Code::ConnectionClosed, msg::redis_closed()),
    }
}

/// A reset or broken pipe, by the I/O error's kind (not its text, which
/// depends on the C library and the locale).
fn is_reset(error: &RedisError) -> bool {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = source {
        if let Some(io) = current.downcast_ref::<std::io::Error>() {
            return matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            );
        }
        source = current.source();
    }
    false
}

/// The reply classifier without a server: each command's error reply, as
/// Redis 7 and Valkey send it, decides the failing step and the code.
#[cfg(test)]
mod tests {
    use super::*;

    /// A reply as redis-rs reads it from the wire.
    fn read_reply(bytes: &[u8]) -> RedisResult<Value> {
        redis::parse_redis_value(bytes).and_then(Value::extract_error)
    }

    fn verdict(layout: &Layout, replies: &[&[u8]]) -> Result<(), (StepName, Code)> {
        let replies: Vec<RedisResult<Value>> = replies.iter().map(|r| read_reply(r)).collect();
        check_replies(layout, &replies).map_err(|(step, failure)| (step, failure.code))
    }

    const PLAIN: Layout = Layout {
        auth: false,
        hello: false,
        select: false,
    };
    const AUTH: Layout = Layout {
        auth: true,
        hello: false,
        select: false,
    };

    #[test]
    fn auth_replies() {
        let wrong = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n";
        assert_eq!(
            verdict(&AUTH, &[wrong, b"+PONG\r\n"]),
            Err((StepName::Auth, Code::AuthFailed))
        );
        let unset = b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n";
        assert_eq!(
            verdict(&AUTH, &[unset, b"+PONG\r\n"]),
            Err((StepName::Auth, Code::AuthFailed))
        );
        // No credentials sent, and the server wants some: an auth failure
        // of a kind of its own, decided at PING.
        let noauth = b"-NOAUTH Authentication required.\r\n";
        assert_eq!(
            verdict(&PLAIN, &[noauth]),
            Err((StepName::Auth, Code::AuthRequired))
        );
        assert_eq!(verdict(&AUTH, &[b"+OK\r\n", b"+PONG\r\n"]), Ok(()));
        assert_eq!(verdict(&PLAIN, &[b"+PONG\r\n"]), Ok(()));
    }

    /// A password the server does not need: redis-rs fails, the drivers
    /// that go on (`NoPassword::Connects`) pass auth with a warning.
    #[test]
    fn an_unneeded_password_fails_only_where_the_client_stops() {
        let unset: &[u8] = b"-ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?\r\n";
        let mut target = RedisTarget::parse("redis://:pw@127.0.0.1:6379/0").unwrap();
        let replies: Vec<RedisResult<Value>> = [unset, b"+PONG\r\n"]
            .iter()
            .map(|r| read_reply(r))
            .collect();
        let layout = Layout::of(&target);
        for (nopass, passes) in [(NoPassword::Fails, false), (NoPassword::Connects, true)] {
            target.nopass = nopass;
            let mut ladder = Ladder::new(crate::service::Kind::Redis.steps());
            judge(
                &target,
                &layout,
                &replies,
                Duration::from_millis(1),
                &mut ladder,
            );
            assert_eq!(ladder.failure_code().is_none(), passes, "{nopass:?}");
        }
    }

    #[test]
    fn replies_any_command_may_get() {
        let loading = b"-LOADING Redis is loading the dataset in memory\r\n";
        assert_eq!(
            verdict(&PLAIN, &[loading]),
            Err((StepName::Ping, Code::ServerStarting))
        );
        assert_eq!(
            verdict(&AUTH, &[loading, b"+PONG\r\n"]),
            Err((StepName::Auth, Code::ServerStarting))
        );
        let full = b"-ERR max number of clients reached\r\n";
        assert_eq!(
            verdict(&PLAIN, &[full]),
            Err((StepName::Ping, Code::TooManyConnections))
        );
        let noperm = b"-NOPERM User app has no permissions to run the 'ping' command\r\n";
        assert_eq!(
            verdict(&AUTH, &[b"+OK\r\n", noperm]),
            Err((StepName::Ping, Code::AccessDenied))
        );
        let misconf = b"-MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk.\r\n";
        assert_eq!(
            verdict(&PLAIN, &[misconf]),
            Err((StepName::Ping, Code::QueryFailed))
        );
        // A reply missing from the pipeline is a failed query, not a pass.
        assert_eq!(
            verdict(&AUTH, &[b"+OK\r\n"]),
            Err((StepName::Ping, Code::QueryFailed))
        );
    }

    #[test]
    fn hello_replies() {
        let resp3 = Layout {
            auth: false,
            hello: true,
            select: false,
        };
        let old = b"-ERR unknown command 'HELLO', with args beginning with: '3' \r\n";
        assert_eq!(
            verdict(&resp3, &[old, b"+PONG\r\n"]),
            Err((StepName::Auth, Code::ProtocolError))
        );
        let noauth = b"-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time\r\n";
        assert_eq!(
            verdict(&resp3, &[noauth, b"+PONG\r\n"]),
            Err((StepName::Auth, Code::AuthRequired))
        );
        let with_auth = Layout {
            auth: true,
            ..resp3
        };
        let wrong = b"-WRONGPASS invalid username-password pair or user is disabled.\r\n";
        assert_eq!(
            verdict(&with_auth, &[wrong, b"+PONG\r\n"]),
            Err((StepName::Auth, Code::AuthFailed))
        );
    }

    #[test]
    fn select_replies() {
        let db = Layout {
            auth: false,
            hello: false,
            select: true,
        };
        let range = b"-ERR DB index is out of range\r\n";
        assert_eq!(
            verdict(&db, &[range, b"+PONG\r\n"]),
            Err((StepName::Auth, Code::DatabaseNotFound))
        );
        assert_eq!(verdict(&db, &[b"+OK\r\n", b"+PONG\r\n"]), Ok(()));
    }

    /// A database the server lacks: redis-rs fails, ioredis
    /// (`BadDb::Ignored`) goes on, on database 0, with a warning.
    #[test]
    fn a_refused_select_fails_only_where_the_client_stops() {
        let range: &[u8] = b"-ERR DB index is out of range\r\n";
        let mut target = RedisTarget::parse("redis://127.0.0.1:6379/99").unwrap();
        let replies: Vec<RedisResult<Value>> = [range, b"+PONG\r\n"]
            .iter()
            .map(|r| read_reply(r))
            .collect();
        let layout = Layout::of(&target);
        for (bad_db, passes) in [(BadDb::Fails, false), (BadDb::Ignored, true)] {
            target.bad_db = bad_db;
            let mut ladder = Ladder::new(crate::service::Kind::Redis.steps());
            judge(
                &target,
                &layout,
                &replies,
                Duration::from_millis(1),
                &mut ladder,
            );
            assert_eq!(ladder.failure_code().is_none(), passes, "{bad_db:?}");
        }
    }

    /// The failure quotes the server's code and words.
    #[test]
    fn the_failure_quotes_the_server() {
        let Err(error) = read_reply(b"-WRONGPASS invalid username-password pair\r\n") else {
            panic!("an error reply")
        };
        let text = crate::i18n::Lang::En.render(&auth_failure(&error).message);
        assert_eq!(text, "WRONGPASS invalid username-password pair");
    }
}
