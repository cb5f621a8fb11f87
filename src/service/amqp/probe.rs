//! The AMQP check: config → dns → tcp → tls → auth → open.
//!
//! auth is the protocol header, `Connection.Start`, `StartOk` (PLAIN) and
//! `Tune`; open is `TuneOk`, `Connection.Open` on the vhost, `Channel.Open`,
//! an empty unroutable publish (the only way to hear of a memory or disk
//! alarm, see [`wire::publish_nothing`]) and a polite `Connection.Close`,
//! all sent in one flight: RabbitMQ's
//! reader (`rabbit_reader.erl`) handles frames in order, so the server's
//! answers come back in one round trip, where kombu, pika and amqplib wait
//! for each. Three round trips in all, and every read bounded in size
//! (the negotiated `frame_max`, at most [`MAX_FRAME`]) and time (the
//! check's budget).

use std::time::Instant;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};

use super::facts::{self, Facts};
use super::url::{AmqpTarget, AmqpTls};
use super::wire::{self, Field, Method, WireError};
use crate::i18n::msg;
use crate::model::{Code, Failure, Finding, FindingCode, Ladder, ProbeOutcome, StepName};
use crate::net::sniff::{self, PeerKind, SniffStream, Sniffed};
use crate::net::tls::{self, KeyShares, Verify};
use crate::net::{Budget, within};
use crate::service::setting::{self, Setting};

/// The ladder of an AMQP check.
pub(crate) const STEPS: &[StepName] = &[
    StepName::Config,
    StepName::Dns,
    StepName::Tcp,
    StepName::Tls,
    StepName::Auth,
    StepName::Open,
];

/// The largest frame read, whatever the server says: RabbitMQ's default
/// `frame_max` (128 KiB, `rabbitmq.conf` docs). `Connection.Start` is
/// well under 4 KiB, the spec's `frame-min-size`.
pub(crate) const MAX_FRAME: u32 = 131_072;

/// Heartbeat frames the server may interleave before an answer.
const MAX_SKIPPED: usize = 16;

/// RabbitMQ's reply codes (spec §1.1 "Constants").
const CONNECTION_FORCED: u16 = 320;
const ACCESS_REFUSED: u16 = 403;
const NOT_ALLOWED: u16 = 530;

pub(crate) async fn probe(setting: &Setting<AmqpTarget>, budget: Budget) -> ProbeOutcome {
    let mut ladder = Ladder::new(STEPS);
    let Some((target, source)) = setting::accept_setting(setting, &mut ladder) else {
        return ladder.finish(setting::unusable_target(setting), setting.source().cloned());
    };
    run(target, &budget, &mut ladder).await;
    let mut outcome = ladder.finish(msg::verbatim(target.redacted.clone()), Some(source));
    outcome.host.clone_from(&target.host);
    outcome
}

async fn run(target: &AmqpTarget, budget: &Budget, ladder: &mut Ladder) -> Option<()> {
    let opened = crate::net::open(&target.host, target.port, &target.dial, budget, ladder).await?;
    let verify = match target.tls {
        AmqpTls::Off => {
            ladder.skip(StepName::Tls, msg::amqp_tls_off());
            if !target.is_loopback() {
                ladder.finding(Finding::warn(
                    FindingCode::Unencrypted,
                    msg::amqp_unencrypted(&target.host),
                ));
            }
            converse(target, opened.stream, &opened.sniffed, budget, ladder).await;
            return Some(());
        }
        AmqpTls::CaOnly => Verify::CaOnly(target.roots.clone()),
        AmqpTls::Full => Verify::Full(target.roots.clone()),
    };
    let started = Instant::now();
    let how = (&verify, KeyShares::Default);
    match tls::handshake(
        opened.stream,
        &target.host,
        how,
        &opened.sniffed,
        budget.remaining(),
    )
    .await
    {
        Ok((stream, info)) => {
            ladder.pass(StepName::Tls, started, info.detail());
            ladder.findings(&tls::certificate_findings(&info));
            ladder.readings().cert_not_after = tls::not_after(&info);
            let (stream, sniffed) = SniffStream::new(stream);
            converse(target, stream, &sniffed, budget, ladder).await;
        }
        Err(failure) => ladder.fail(StepName::Tls, Some(started), failure),
    }
    Some(())
}

/// The stream and the frame limit in force.
struct Conn<S> {
    stream: S,
    frame_max: u32,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Conn<S> {
    /// The next method, past heartbeats and any content frames.
    async fn next(&mut self) -> Result<(u16, Method), WireError> {
        for _ in 0..MAX_SKIPPED {
            let frame = wire::read_frame(&mut self.stream, self.frame_max).await?;
            if frame.kind == 1 {
                return Ok((frame.channel, wire::method(&frame.payload)?));
            }
        }
        Err(WireError::Malformed)
    }

    async fn send(&mut self, bytes: &[u8]) -> Result<(), WireError> {
        self.stream.write_all(bytes).await?;
        self.stream.flush().await?;
        Ok(())
    }
}

/// The auth and open steps over an open (plain or TLS) stream.
async fn converse<S>(
    target: &AmqpTarget,
    stream: S,
    sniffed: &Sniffed,
    budget: &Budget,
    ladder: &mut Ladder,
) where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut conn = Conn {
        stream,
        frame_max: MAX_FRAME,
    };
    let started = Instant::now();
    let limit = budget.remaining();
    let facts = match within(limit, authenticate(target, &mut conn)).await {
        None => Err(Failure::new(Code::Timeout, msg::amqp_timeout(limit))),
        Some(Err(failed)) => Err(failed.into_failure(sniffed)),
        Some(Ok(facts)) => Ok(facts),
    };
    let mut facts = match facts {
        Ok(facts) => facts,
        Err(failure) => return ladder.fail(StepName::Auth, Some(started), failure),
    };
    ladder.pass(
        StepName::Auth,
        started,
        msg::amqp_auth_detail(target.user.clone(), facts.server()),
    );
    if let Some(pika) = &target.pika_vhost {
        let shown = |v: &str| crate::source::url::escape_controls(v);
        ladder.finding(Finding::info(
            FindingCode::UrlPortability,
            msg::amqp_pika_vhost(shown(&target.vhost), shown(pika)),
        ));
    }
    if target.default_credentials {
        ladder.finding(Finding::info(
            FindingCode::EnvDefaults,
            msg::amqp_default_credentials(),
        ));
    }
    let started = Instant::now();
    let limit = budget.remaining();
    let opened = match within(limit, open(target, &mut conn, &mut facts)).await {
        None => Err(Failure::new(Code::Timeout, msg::amqp_timeout(limit))),
        Some(Err(failed)) => Err(failed.into_failure(sniffed)),
        Some(Ok(())) => Ok(()),
    };
    facts::record(&facts, opened.is_ok(), ladder);
    match opened {
        Ok(()) => ladder.pass(StepName::Open, started, facts.open_detail(&target.vhost)),
        Err(failure) => ladder.fail(StepName::Open, Some(started), failure),
    }
}

/// Why the conversation stopped: a failure already classified, or the
/// wire broke (classified with the sniffed bytes).
enum Failed {
    Said(Failure),
    Wire(WireError, Stage),
}

/// Where the wire broke: an EOF right after the credentials is RabbitMQ's
/// answer to wrong ones when the client does not ask for a Close first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    Greeting,
    Credentials,
    Open,
}

impl From<Failure> for Failed {
    fn from(failure: Failure) -> Self {
        Failed::Said(failure)
    }
}

impl Failed {
    fn into_failure(self, sniffed: &Sniffed) -> Failure {
        match self {
            Failed::Said(failure) => failure,
            Failed::Wire(error, stage) => wire_failure(&error, stage, sniffed),
        }
    }
}

/// What RabbitMQ 3.10 needs to say why it refuses: with
/// `authentication_failure_close` it sends `Connection.Close` 403 before
/// closing on wrong credentials (pika, py-amqp and amqplib all ask for
/// it); `connection.blocked` lets it say that an alarm blocks publishing.
fn client_properties() -> [(&'static str, Field<'static>); 4] {
    const CAPABILITIES: &[(&str, Field)] = &[
        ("authentication_failure_close", Field::Bool(true)),
        ("connection.blocked", Field::Bool(true)),
    ];
    [
        ("product", Field::Text("railconn")),
        ("version", Field::Text(env!("CARGO_PKG_VERSION"))),
        ("connection_name", Field::Text("railconn check")),
        ("capabilities", Field::Table(CAPABILITIES)),
    ]
}

/// Header → `Start`, `StartOk` → `Tune`.
async fn authenticate<S>(target: &AmqpTarget, conn: &mut Conn<S>) -> Result<Facts, Failed>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let wire = |stage| move |error| Failed::Wire(error, stage);
    conn.send(wire::PROTOCOL_HEADER)
        .await
        .map_err(wire(Stage::Greeting))?;
    let (properties, mechanisms) = match conn.next().await.map_err(wire(Stage::Greeting))? {
        (
            _,
            Method::Start {
                properties,
                mechanisms,
            },
        ) => (properties, mechanisms),
        (_, other) => return Err(unexpected(&other).into()),
    };
    let mut facts = Facts::from_start(&properties);
    if !mechanisms.split(' ').any(|m| m == "PLAIN") {
        let offered = crate::source::url::printable(&mechanisms);
        return Err(Failure::new(Code::AuthFailed, msg::amqp_no_plain(offered)).into());
    }
    let start_ok = wire::start_ok(&client_properties(), &target.user, target.password.expose());
    conn.send(&start_ok)
        .await
        .map_err(wire(Stage::Credentials))?;
    match conn.next().await.map_err(wire(Stage::Credentials))? {
        (
            _,
            Method::Tune {
                channel_max,
                frame_max,
                heartbeat,
            },
        ) => {
            facts.tuned(channel_max, frame_max, heartbeat);
            Ok(facts)
        }
        (_, Method::Close { code, text, .. }) => Err(auth_close(code, &text).into()),
        (_, other) => Err(unexpected(&other).into()),
    }
}

/// `TuneOk`, `Open`, `Channel.Open`, an empty publish and `Close` in one
/// flight; then
/// `OpenOk`, `Channel.OpenOk` and `CloseOk` (a `Connection.Blocked` may
/// come between).
async fn open<S>(target: &AmqpTarget, conn: &mut Conn<S>, facts: &mut Facts) -> Result<(), Failed>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let wire = |error| Failed::Wire(error, Stage::Open);
    // Heartbeat 0: the connection lives for three round trips.
    let mut flight = wire::tune_ok(facts.channel_max, facts.frame_max(MAX_FRAME), 0);
    flight.extend(wire::open(&target.vhost));
    flight.extend(wire::channel_open());
    flight.extend(wire::publish_nothing());
    flight.extend(wire::close());
    conn.send(&flight).await.map_err(wire)?;
    conn.frame_max = facts.frame_max(MAX_FRAME);
    let (mut opened, mut channel) = (false, false);
    loop {
        match conn.next().await {
            Ok((_, Method::OpenOk)) => opened = true,
            Ok((_, Method::ChannelOpenOk)) => channel = true,
            Ok((_, Method::Blocked(reason))) => facts.blocked = Some(reason),
            Ok((_, Method::Unblocked)) => facts.blocked = None,
            // The user may not write to the default exchange (`Channel.Close`
            // 403): the alarm stays unknown; the connection's Close follows.
            Ok((_, Method::Close { channel: true, .. })) if opened && channel => {
                facts.publish_refused = true;
            }
            // The server closed after our Close without a CloseOk: what
            // was asked for was answered.
            Ok((_, Method::CloseOk)) | Err(WireError::Io(_)) if opened && channel => {
                return Ok(());
            }
            Ok((_, Method::Close { code, text, .. })) => {
                // Answer the server's Close, as the spec asks; it closes
                // the socket either way.
                let _ = conn.send(&wire::close_ok()).await;
                return Err(open_close(code, &text, &target.vhost).into());
            }
            Ok((_, other)) => return Err(unexpected(&other).into()),
            Err(error) => return Err(wire(error)),
        }
        // Blocked, RabbitMQ reads no more from this connection (it may
        // say so before the channel's OpenOk): our Close will not be
        // answered, and everything asked was.
        if opened && channel && facts.blocked.is_some() {
            return Ok(());
        }
    }
}

fn unexpected(method: &Method) -> Failure {
    let (class, id) = method.id();
    Failure::new(
        Code::ProtocolError,
        msg::amqp_unexpected(format!("{class}.{id}")),
    )
}

/// The server's words, short and printable.
fn said(code: u16, text: &str) -> String {
    let text: String = text.chars().filter(|c| !c.is_control()).take(200).collect();
    format!("{code} {text}")
}

/// A Close in answer to `StartOk`: 403 `ACCESS_REFUSED` is the credentials
/// (RabbitMQ: "Login was refused using authentication mechanism PLAIN").
fn auth_close(code: u16, text: &str) -> Failure {
    let code_for = match code {
        ACCESS_REFUSED => Code::AuthFailed,
        NOT_ALLOWED => Code::AccessDenied,
        CONNECTION_FORCED => Code::ServerStarting,
        _ => Code::ProtocolError,
    };
    Failure::new(code_for, msg::verbatim(said(code, text)))
}

/// A Close in answer to Open: RabbitMQ 3.10 (`rabbit_reader.erl`,
/// `handle_method0` for `connection.open`, and `rabbit_access_control`)
/// answers 530 `NOT_ALLOWED` with "vhost X not found", "access to vhost X
/// refused for user U", or "… connection limit (N) is reached".
fn open_close(code: u16, text: &str, vhost: &str) -> Failure {
    let lower = text.to_ascii_lowercase();
    let code_for = match code {
        NOT_ALLOWED if lower.contains("not found") => Code::DatabaseNotFound,
        NOT_ALLOWED if lower.contains("limit") => Code::TooManyConnections,
        NOT_ALLOWED | ACCESS_REFUSED => Code::AccessDenied,
        CONNECTION_FORCED => Code::ServerStarting,
        _ => Code::ProtocolError,
    };
    let shown = crate::source::url::escape_controls(vhost);
    Failure::new(code_for, msg::amqp_vhost_refused(shown, said(code, text)))
}

/// A broken conversation, judged by what the peer sent first.
fn wire_failure(error: &WireError, stage: Stage, sniffed: &Sniffed) -> Failure {
    if sniffed.cut_off() {
        return Failure::new(
            Code::ProtocolError,
            crate::net::sniff::peer_too_much(sniff::MAX_READ),
        );
    }
    match error {
        WireError::ProtocolHeader(header) => {
            let version = format!("{}-{}-{}", header[5], header[6], header[7]);
            return Failure::new(Code::ProtocolError, msg::amqp_other_version(version));
        }
        WireError::TooLarge(size) => {
            return Failure::new(Code::ProtocolError, msg::amqp_frame_too_large(*size));
        }
        WireError::Malformed | WireError::Io(_) => {}
    }
    let bytes = sniffed.bytes();
    let not_amqp = !bytes.is_empty() && bytes.first() != Some(&1);
    if stage == Stage::Greeting && not_amqp || matches!(error, WireError::Malformed) {
        return match sniffed.peer_kind() {
            Some(PeerKind::Tls) => Failure::new(Code::TlsRequired, msg::amqp_peer_is_tls()),
            Some(PeerKind::Http) => Failure::new(Code::ProtocolError, msg::peer_is_http()),
            _ => Failure::new(
                Code::ProtocolError,
                msg::amqp_not_amqp(msg::peer_bytes(&bytes)),
            ),
        };
    }
    match (stage, error) {
        // RabbitMQ closes without a word on wrong credentials when the
        // client lacks `authentication_failure_close`; we ask for it, so
        // this is a server that ignores it.
        (Stage::Credentials, _) => {
            Failure::new(Code::AuthFailed, msg::amqp_closed_after_credentials())
        }
        (_, WireError::Io(kind))
            if matches!(
                kind,
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ) && !bytes.is_empty() =>
        {
            Failure::new(Code::ConnectionReset, msg::connection_reset())
        }
        _ => Failure::new(Code::ConnectionClosed, msg::amqp_closed()),
    }
}

/// The negotiated frame limit for reads.
impl Facts {
    fn frame_max(&self, cap: u32) -> u32 {
        match self.frame_max {
            0 => cap,
            n => n.min(cap),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of(failure: &Failure) -> Code {
        failure.code
    }

    #[test]
    fn a_close_after_credentials() {
        let refused = "ACCESS_REFUSED - Login was refused using authentication mechanism PLAIN. For details see the broker logfile.";
        assert_eq!(code_of(&auth_close(403, refused)), Code::AuthFailed);
        assert_eq!(
            code_of(&auth_close(320, "CONNECTION_FORCED - shutdown")),
            Code::ServerStarting
        );
        assert_eq!(code_of(&auth_close(505, "x")), Code::ProtocolError);
    }

    /// RabbitMQ 3.10's own words for each refusal of `Connection.Open`.
    #[test]
    fn a_close_after_open_names_the_vhost() {
        let cases = [
            ("NOT_ALLOWED - vhost nope not found", Code::DatabaseNotFound),
            (
                "NOT_ALLOWED - access to vhost 'app' refused for user 'bob'",
                Code::AccessDenied,
            ),
            (
                "NOT_ALLOWED - access to vhost 'app' refused for user 'bob': connection limit (1) is reached",
                Code::TooManyConnections,
            ),
        ];
        for (text, code) in cases {
            let failure = open_close(530, text, "app");
            assert_eq!(failure.code, code, "{text}");
            let shown = crate::i18n::Lang::En.render(&failure.message);
            assert!(shown.contains("app") && shown.contains(text), "{shown}");
        }
    }

    #[test]
    fn a_peer_that_is_not_amqp() {
        let classify = |bytes: &[u8], error: WireError, stage| {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            let (mut stream, sniffed) = SniffStream::new(bytes);
            runtime.block_on(async {
                let mut sink = Vec::new();
                let _ = tokio::io::copy(&mut stream, &mut sink).await;
            });
            wire_failure(&error, stage, &sniffed).code
        };
        assert_eq!(
            classify(b"HTTP/1.1 400 Bad", WireError::Malformed, Stage::Greeting),
            Code::ProtocolError
        );
        assert_eq!(
            classify(
                b"\x15\x03\x03\x00\x02\x02\x32",
                WireError::Malformed,
                Stage::Greeting
            ),
            Code::TlsRequired
        );
        assert_eq!(
            classify(
                b"",
                WireError::Io(std::io::ErrorKind::UnexpectedEof),
                Stage::Greeting
            ),
            Code::ConnectionClosed
        );
        assert_eq!(
            classify(
                b"\x01\x00\x00",
                WireError::Io(std::io::ErrorKind::UnexpectedEof),
                Stage::Credentials
            ),
            Code::AuthFailed
        );
        assert_eq!(
            classify(
                b"AMQP\x00\x00\x09\x01",
                WireError::ProtocolHeader(*b"AMQP\x00\x01\x00\x00"),
                Stage::Greeting
            ),
            Code::ProtocolError
        );
    }
}
