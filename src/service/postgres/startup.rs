//! Startup, authentication and the check's query, spoken over our own
//! stream with `postgres-protocol`'s message codecs (protocol 3.0,
//! PostgreSQL docs "Message Flow").
//!
//! The query rides the last authentication message, in the same write:
//! behind the `StartupMessage` when the URL has no password (only trust
//! can let such a login in), behind the cleartext or md5
//! `PasswordMessage`, or behind SCRAM's final `SASLResponse`. The server
//! reads its input in order and answers the query after its
//! `ReadyForQuery`; if authentication fails it reports the failure and
//! closes, and the queued query never runs. So trust costs one round trip,
//! md5 and cleartext two, SCRAM three, as the protocol allows and no more.
//!
//! Only the facts query is ever queued, and it reveals nothing: it reads
//! settings and counts and writes nothing. Its result is read only after
//! the server has proven itself where the method lets it: SCRAM's server
//! signature (`AuthenticationSASLFinal`) is verified before any later
//! message is trusted.
//!
//! Timing: `auth` ends when the startup's `ReadyForQuery` arrives, and
//! `query` is the rest. When both ride one round trip, `query` is the
//! server's work and the reading of its rows; the two still add up to the
//! whole conversation.

use std::io;

use bytes::BytesMut;
use fallible_iterator::FallibleIterator;
use postgres_protocol::authentication::md5_hash;
use postgres_protocol::message::backend::{
    AuthenticationSaslBody, DataRowBody, ErrorResponseBody, Message,
};
use postgres_protocol::message::frontend;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::net::sniff::Sniffed;
use crate::service::postgres::scram::{self as sasl, ChannelBinding, ScramSha256};
use crate::service::postgres::url::{ChannelBinding as UrlChannelBinding, PgTarget};

/// A byte stream the conversation can run over: plain TCP or TLS.
pub(crate) trait Duplex: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Duplex for T {}

/// How much the reader asks the socket for at a time: a whole startup
/// reply fits; the sniffer caps what a peer may send in all.
const CHUNK: usize = 8 * 1024;

/// The backend message types this conversation can meet (protocol
/// "Message Formats"): authentication, parameters, key data, readiness,
/// errors, notices and a simple query's replies. Anything else (an HTTP
/// `H`, a Redis `-`) is not a PostgreSQL server answering us.
const EXPECTED: &[u8] = b"RSKZENTDCI";

/// One connection to a server, from the `StartupMessage` on.
pub(crate) struct Conn {
    stream: Box<dyn Duplex>,
    input: BytesMut,
    /// RFC 5929 tls-server-end-point: the certificate's hash, over TLS.
    end_point: Option<Vec<u8>>,
    encrypted: bool,
    /// The [`opening`] already went out with the TLS handshake's last
    /// flight.
    opened: bool,
    /// The server asked for a password (or another method) before its
    /// `AuthenticationOk`; `false` under trust.
    asked: bool,
    /// The first decrypted bytes the server sent.
    pub(crate) sniffed: Sniffed,
}

/// Why the next message could not be read.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// The socket failed or closed (`UnexpectedEof`).
    Io(io::Error),
    /// The codec could not parse a message.
    Malformed(io::Error),
    /// A message type this conversation cannot meet at this point.
    Unexpected(u8),
    /// An `ErrorResponse` without its severity, code or message.
    FieldsMissing,
}

/// Why startup or authentication failed, before any words are chosen.
#[derive(Debug)]
pub(crate) enum AuthError {
    Read(ReadError),
    /// The server's `ErrorResponse`.
    Server(ServerFields),
    /// The server asked for a password and the URL has none.
    PasswordMissing,
    /// `channel_binding=require`, and the server chose a method without it.
    BindingNotUsed,
    /// `require_auth` (its value, `required`) excludes the method the
    /// server asked for.
    MethodRefused {
        method: &'static str,
        required: String,
    },
    /// Kerberos, GSSAPI, SSPI or SCM: methods railconn does not speak.
    Unsupported(&'static str),
    /// SCRAM failed on our side: no mechanism we speak, a bad nonce, or a
    /// server signature that does not verify.
    Scram(String),
}

/// The fields of an `ErrorResponse` that classify it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ServerFields {
    pub(crate) severity: String,
    pub(crate) sqlstate: String,
    pub(crate) message: String,
    /// `R`: the C function that raised it, never translated.
    pub(crate) routine: Option<String>,
}

/// What the query step read: the first row's cells, or the server's error.
#[derive(Debug)]
pub(crate) enum Answer {
    Row(Vec<Option<String>>),
    NoRow,
    Error(ServerFields),
}

impl Conn {
    pub(crate) fn new(
        stream: Box<dyn Duplex>,
        sniffed: Sniffed,
        end_point: Option<Vec<u8>>,
        encrypted: bool,
    ) -> Self {
        Self {
            stream,
            input: BytesMut::with_capacity(CHUNK),
            end_point,
            encrypted,
            opened: false,
            asked: false,
            sniffed,
        }
    }

    /// Whether the server asked for a password, or let the login in
    /// without one (trust).
    pub(crate) fn asked_for_password(&self) -> bool {
        self.asked
    }

    /// Records that the [`opening`] was sent with the TLS handshake.
    pub(crate) fn opened(mut self) -> Self {
        self.opened = true;
        self
    }

    async fn send(&mut self, out: &[u8]) -> Result<(), ReadError> {
        let written = async {
            self.stream.write_all(out).await?;
            self.stream.flush().await
        };
        written.await.map_err(ReadError::Io)
    }

    /// The next whole message. The header is checked before the body is
    /// awaited, so a peer that is not PostgreSQL is named at once instead
    /// of waited for; the length is never used to reserve memory.
    async fn next(&mut self) -> Result<Message, ReadError> {
        loop {
            if let Some(header) = self.input.get(..5) {
                if !EXPECTED.contains(&header[0]) {
                    return Err(ReadError::Unexpected(header[0]));
                }
                let len = u32::from_be_bytes([header[1], header[2], header[3], header[4]]);
                let whole = self.input.len() > usize::try_from(len).unwrap_or(usize::MAX);
                let parsed = if whole {
                    Message::parse(&mut self.input).map_err(ReadError::Malformed)?
                } else {
                    None
                };
                if let Some(message) = parsed {
                    return Ok(message);
                }
            }
            self.input.reserve(CHUNK);
            let read = self
                .stream
                .read_buf(&mut self.input)
                .await
                .map_err(ReadError::Io)?;
            if read == 0 {
                return Err(ReadError::Io(io::ErrorKind::UnexpectedEof.into()));
            }
        }
    }

    /// Says goodbye (`Terminate`) without waiting for anything: the
    /// server closes its side on reading it.
    pub(crate) async fn terminate(mut self) {
        let mut out = BytesMut::new();
        frontend::terminate(&mut out);
        let _ = self.send(&out).await;
        let _ = self.stream.shutdown().await;
    }
}

/// The login's first flight: the `StartupMessage`, with `query` behind it
/// when only trust can let the login in. Without a password only trust
/// (or a method we refuse anyway) can succeed, so the query may ride the
/// `StartupMessage` itself; not when channel binding is required: only
/// SCRAM-SHA-256-PLUS satisfies it. Over TLS this flight rides the
/// handshake's last one (`tls::Extras::early`).
pub(crate) fn opening(target: &PgTarget, query: &str) -> Result<(BytesMut, bool), AuthError> {
    let mut out = BytesMut::new();
    startup_message(target, &mut out)?;
    let queued = target.password.is_none() && target.channel_binding != UrlChannelBinding::Require;
    if queued {
        push_query(query, &mut out)?;
    }
    Ok((out, queued))
}

/// Startup and authentication, with `query` queued behind the last
/// message the method needs. Returns whether the query was sent.
pub(crate) async fn authenticate(
    conn: &mut Conn,
    target: &PgTarget,
    query: &str,
) -> Result<bool, AuthError> {
    let (mut out, mut queued) = opening(target, query)?;
    if !conn.opened {
        send(conn, &out).await?;
    }
    // Whether SCRAM-SHA-256-PLUS bound the login to our TLS session.
    let mut bound = false;
    // Whether the server asked for a method before its AuthenticationOk.
    let mut asked = false;
    loop {
        let message = conn.next().await.map_err(AuthError::Read)?;
        required(target, &message, asked)?;
        asked |= !matches!(message, Message::AuthenticationOk);
        match message {
            Message::AuthenticationOk => {
                if !bound {
                    skip_binding(target)?;
                }
                break;
            }
            Message::AuthenticationCleartextPassword => {
                skip_binding(target)?;
                let password = password(target)?;
                answer(
                    conn,
                    &mut out,
                    |out| frontend::password_message(password, out),
                    query,
                )
                .await?;
                queued = true;
            }
            Message::AuthenticationMd5Password(body) => {
                skip_binding(target)?;
                let password = password(target)?;
                let user = target.login_user().unwrap_or_default().as_bytes();
                let hash = md5_hash(user, password, body.salt());
                let message = |out: &mut BytesMut| frontend::password_message(hash.as_bytes(), out);
                answer(conn, &mut out, message, query).await?;
                queued = true;
            }
            Message::AuthenticationSasl(body) => {
                bound = scram(conn, target, &body, query).await?;
                queued = true;
            }
            Message::ErrorResponse(body) => return Err(server(&body)),
            Message::AuthenticationKerberosV5 => return Err(AuthError::Unsupported("Kerberos V5")),
            Message::AuthenticationScmCredential => return Err(AuthError::Unsupported("SCM")),
            Message::AuthenticationGss | Message::AuthenticationGssContinue(_) => {
                return Err(AuthError::Unsupported("GSSAPI"));
            }
            Message::AuthenticationSspi => return Err(AuthError::Unsupported("SSPI")),
            other => return Err(AuthError::Read(ReadError::Unexpected(tag(&other)))),
        }
    }
    conn.asked = asked;
    ready(conn).await?;
    Ok(queued)
}

/// Sends one flight of the login. A server that refuses at once (a full
/// server, a pooler) may close before our write lands: its last words, if
/// it left any, say more than the broken pipe.
async fn send(conn: &mut Conn, out: &[u8]) -> Result<(), AuthError> {
    let Err(error) = conn.send(out).await else {
        return Ok(());
    };
    match conn.next().await {
        Ok(Message::ErrorResponse(body)) => Err(server(&body)),
        _ => Err(AuthError::Read(error)),
    }
}

/// What tokio-postgres and libpq send: the user, the database, the
/// options, our name, and UTF-8 so the facts read as text.
fn startup_message(target: &PgTarget, out: &mut BytesMut) -> Result<(), AuthError> {
    let mut params = vec![("client_encoding", "UTF8")];
    if let Some(user) = target.login_user() {
        params.push(("user", user));
    }
    if let Some(dbname) = &target.dbname {
        params.push(("database", dbname));
    }
    if let Some(options) = &target.options {
        params.push(("options", options));
    }
    params.push((
        "application_name",
        target.application_name.as_deref().unwrap_or("railconn"),
    ));
    frontend::startup_message(params, out).map_err(encode)
}

fn push_query(query: &str, out: &mut BytesMut) -> Result<(), AuthError> {
    frontend::query(query, out).map_err(encode)
}

/// A NUL inside a value cannot be encoded: the URL parser refuses it
/// first, so this is the server-side words for an impossible case.
fn encode(error: io::Error) -> AuthError {
    AuthError::Read(ReadError::Malformed(error))
}

/// One password message with the query behind it, in one write.
async fn answer(
    conn: &mut Conn,
    out: &mut BytesMut,
    message: impl FnOnce(&mut BytesMut) -> io::Result<()>,
    query: &str,
) -> Result<(), AuthError> {
    out.clear();
    message(out).map_err(encode)?;
    push_query(query, out)?;
    send(conn, out).await
}

fn password(target: &PgTarget) -> Result<&[u8], AuthError> {
    target
        .password
        .as_ref()
        .map(|p| p.expose().as_bytes())
        .ok_or(AuthError::PasswordMissing)
}

/// libpq 16's `require_auth` (fe-auth.c `check_expected_areq`: "server
/// requested a cleartext password", "… a hashed password", "… SASL
/// authentication", "server did not complete authentication") and
/// postgres.js 4.2.0's (`src/startup.js`, `refuse`): each request is
/// checked before it is answered, and an `AuthenticationOk` with no request
/// before it is the method `none`.
fn required(target: &PgTarget, message: &Message, asked: bool) -> Result<(), AuthError> {
    let Some(require) = &target.require_auth else {
        return Ok(());
    };
    let method = match message {
        Message::AuthenticationOk if !asked => "none",
        Message::AuthenticationCleartextPassword => "password",
        Message::AuthenticationMd5Password(_) => "md5",
        Message::AuthenticationSasl(_) => "scram-sha-256",
        Message::AuthenticationGss => "gss",
        Message::AuthenticationSspi => "sspi",
        _ => return Ok(()),
    };
    if require.allows(method) {
        Ok(())
    } else {
        Err(AuthError::MethodRefused {
            method,
            required: require.value.clone(),
        })
    }
}

/// libpq's `channel_binding=require`: a method without channel binding
/// (trust, cleartext, md5, plain SCRAM) is refused (fe-auth.c
/// `check_expected_areq`).
fn skip_binding(target: &PgTarget) -> Result<(), AuthError> {
    if target.channel_binding == UrlChannelBinding::Require {
        Err(AuthError::BindingNotUsed)
    } else {
        Ok(())
    }
}

/// SCRAM-SHA-256 (RFC 7677), with channel binding (RFC 5802 `-PLUS`)
/// when the session is TLS and the URL does not disable it; the choice
/// follows tokio-postgres's `authenticate_sasl`. Returns whether the
/// login is bound to the TLS session.
async fn scram(
    conn: &mut Conn,
    target: &PgTarget,
    body: &AuthenticationSaslBody,
    query: &str,
) -> Result<bool, AuthError> {
    let (binding, mechanism) = mechanism(conn, target, body)?;
    if mechanism != sasl::SCRAM_SHA_256_PLUS {
        skip_binding(target)?;
    }
    let scram = ScramSha256::new(password(target)?, binding).map_err(|e| scram_error(&e))?;
    let mut out = BytesMut::new();
    frontend::sasl_initial_response(mechanism, scram.message(), &mut out).map_err(encode)?;
    send(conn, &out).await?;
    let first = match conn.next().await.map_err(AuthError::Read)? {
        Message::AuthenticationSaslContinue(body) => body,
        other => return Err(refusal(other)),
    };
    let mut scram = derive(scram, first.data()).await?;
    out.clear();
    frontend::sasl_response(scram.message(), &mut out).map_err(encode)?;
    // The client's proof, with the query behind it (see the module docs).
    push_query(query, &mut out)?;
    send(conn, &out).await?;
    let last = match conn.next().await.map_err(AuthError::Read)? {
        Message::AuthenticationSaslFinal(body) => body,
        other => return Err(refusal(other)),
    };
    // The server's signature: nothing after this message is read unless
    // it verifies.
    scram.finish(last.data()).map_err(|e| scram_error(&e))?;
    Ok(mechanism == sasl::SCRAM_SHA_256_PLUS)
}

/// SCRAM's key derivation from the server's first message: inline for
/// the usual counts, on tokio's blocking pool for large ones (`costly`),
/// so that a server asking for millions of iterations does not hold up
/// the run's other checks or the check's own deadline.
async fn derive(mut scram: ScramSha256, server_first: &[u8]) -> Result<ScramSha256, AuthError> {
    if !sasl::costly(server_first) {
        scram.update(server_first).map_err(|e| scram_error(&e))?;
        return Ok(scram);
    }
    let first = server_first.to_vec();
    let (scram, derived) = tokio::task::spawn_blocking(move || {
        let derived = scram.update(&first);
        (scram, derived)
    })
    .await
    .map_err(|e| AuthError::Scram(e.to_string()))?;
    derived.map_err(|e| scram_error(&e))?;
    Ok(scram)
}

fn mechanism(
    conn: &Conn,
    target: &PgTarget,
    body: &AuthenticationSaslBody,
) -> Result<(ChannelBinding, &'static str), AuthError> {
    let (mut plain, mut plus) = (false, false);
    let mut offered = body.mechanisms();
    while let Some(name) = offered
        .next()
        .map_err(|e| AuthError::Read(ReadError::Malformed(e)))?
    {
        plain |= name == sasl::SCRAM_SHA_256;
        plus |= name == sasl::SCRAM_SHA_256_PLUS;
    }
    let end_point = conn
        .end_point
        .clone()
        .filter(|_| conn.encrypted && target.channel_binding != UrlChannelBinding::Disable);
    match (plus, plain, end_point) {
        (true, _, Some(hash)) => Ok((
            ChannelBinding::tls_server_end_point(hash),
            sasl::SCRAM_SHA_256_PLUS,
        )),
        (true, _, None) | (false, true, None) => {
            Ok((ChannelBinding::unsupported(), sasl::SCRAM_SHA_256))
        }
        // We could bind but the server offers no -PLUS: say so (`y`), so
        // a server that stripped -PLUS in transit is caught (RFC 5802 §6).
        (false, true, Some(_)) => Ok((ChannelBinding::unrequested(), sasl::SCRAM_SHA_256)),
        (false, false, _) => Err(AuthError::Scram(
            "no SCRAM-SHA-256 mechanism offered".to_string(),
        )),
    }
}

fn scram_error(error: &io::Error) -> AuthError {
    AuthError::Scram(error.to_string())
}

/// A message where SCRAM expected its next step: the server's refusal,
/// or a confused peer.
fn refusal(message: Message) -> AuthError {
    match message {
        Message::ErrorResponse(body) => server(&body),
        other => AuthError::Read(ReadError::Unexpected(tag(&other))),
    }
}

/// After `AuthenticationOk`: parameters and key data up to
/// `ReadyForQuery`. An error here (an unknown database, a refused
/// `options` value, a connection limit) still belongs to the login.
async fn ready(conn: &mut Conn) -> Result<(), AuthError> {
    loop {
        match conn.next().await.map_err(AuthError::Read)? {
            Message::ReadyForQuery(_) => return Ok(()),
            Message::ParameterStatus(_)
            | Message::BackendKeyData(_)
            | Message::NoticeResponse(_) => {}
            Message::ErrorResponse(body) => return Err(server(&body)),
            other => return Err(AuthError::Read(ReadError::Unexpected(tag(&other)))),
        }
    }
}

/// Reads the reply to one simple `Query`, up to its `ReadyForQuery`;
/// sends the query first when it was not queued behind authentication.
pub(crate) async fn query(conn: &mut Conn, sql: &str, queued: bool) -> Result<Answer, ReadError> {
    if !queued {
        let mut out = BytesMut::new();
        frontend::query(sql, &mut out).map_err(ReadError::Malformed)?;
        conn.send(&out).await?;
    }
    let mut answer = Answer::NoRow;
    loop {
        match conn.next().await? {
            Message::ReadyForQuery(_) => return Ok(answer),
            Message::DataRow(row) if matches!(answer, Answer::NoRow) => {
                answer = Answer::Row(cells(&row)?);
            }
            Message::ErrorResponse(body) => {
                answer = Answer::Error(fields(&body)?);
            }
            Message::RowDescription(_)
            | Message::DataRow(_)
            | Message::CommandComplete(_)
            | Message::EmptyQueryResponse
            | Message::NoticeResponse(_)
            | Message::ParameterStatus(_) => {}
            other => return Err(ReadError::Unexpected(tag(&other))),
        }
    }
}

/// The cells of a row in text format; a cell that is not UTF-8 reads as
/// NULL (the facts are numbers and names sent as UTF-8 text).
fn cells(row: &DataRowBody) -> Result<Vec<Option<String>>, ReadError> {
    let buffer = row.buffer();
    let ranges: Vec<_> = row.ranges().collect().map_err(ReadError::Malformed)?;
    Ok(ranges
        .into_iter()
        .map(|range| {
            range
                .and_then(|r| buffer.get(r))
                .and_then(|bytes| std::str::from_utf8(bytes).ok())
                .map(str::to_string)
        })
        .collect())
}

/// An `ErrorResponse`'s fields. One without a severity, a code or a
/// message is malformed (tokio-postgres `DbError::parse` refuses it too).
fn fields(body: &ErrorResponseBody) -> Result<ServerFields, ReadError> {
    let mut found = ServerFields::default();
    let mut fields = body.fields();
    while let Some(field) = fields.next().map_err(ReadError::Malformed)? {
        let value = String::from_utf8_lossy(field.value_bytes()).into_owned();
        match field.type_() {
            // `S` is localized like the message; `V` (9.6+) only when
            // `S` is missing, as tokio-postgres reads them.
            b'S' => found.severity = value,
            b'V' if found.severity.is_empty() => found.severity = value,
            b'C' => found.sqlstate = value,
            b'M' => found.message = value,
            b'R' => found.routine = Some(value),
            _ => {}
        }
    }
    if found.severity.is_empty() || found.sqlstate.is_empty() || found.message.is_empty() {
        return Err(ReadError::FieldsMissing);
    }
    Ok(found)
}

fn server(body: &ErrorResponseBody) -> AuthError {
    match fields(body) {
        Ok(fields) => AuthError::Server(fields),
        Err(error) => AuthError::Read(error),
    }
}

/// The type byte of a parsed message, for the words about it.
fn tag(message: &Message) -> u8 {
    match message {
        Message::AuthenticationSaslContinue(_)
        | Message::AuthenticationSaslFinal(_)
        | Message::AuthenticationOk
        | Message::AuthenticationCleartextPassword
        | Message::AuthenticationMd5Password(_)
        | Message::AuthenticationSasl(_) => b'R',
        Message::ParameterStatus(_) => b'S',
        Message::BackendKeyData(_) => b'K',
        Message::ReadyForQuery(_) => b'Z',
        Message::RowDescription(_) => b'T',
        Message::DataRow(_) => b'D',
        Message::CommandComplete(_) => b'C',
        Message::EmptyQueryResponse => b'I',
        Message::NoticeResponse(_) => b'N',
        Message::ErrorResponse(_) => b'E',
        _ => b'?',
    }
}

/// The reader and the authentication loop against scripted bytes, no
/// server.
#[cfg(test)]
mod tests {
    use super::*;

    /// A server asking for more iterations than are derived inline gets
    /// its answer from the blocking pool, the same answer.
    #[tokio::test]
    async fn large_iteration_counts_are_derived_on_the_blocking_pool() {
        let scram = ScramSha256::new(b"pencil", ChannelBinding::unsupported()).unwrap();
        let first = String::from_utf8(scram.message().to_vec()).unwrap();
        let nonce = first.rsplit("r=").next().unwrap().to_string();
        let server_first = format!("r={nonce}server,s=c2FsdA==,i=100001");
        assert!(sasl::costly(server_first.as_bytes()));
        let scram = derive(scram, server_first.as_bytes()).await.unwrap();
        let last = String::from_utf8(scram.message().to_vec()).unwrap();
        assert!(
            last.starts_with(&format!("c=biws,r={nonce}server,p=")),
            "{last}"
        );
        let refused = ScramSha256::new(b"pencil", ChannelBinding::unsupported()).unwrap();
        let wrong = "r=someone-else,s=c2FsdA==,i=100001";
        assert!(derive(refused, wrong.as_bytes()).await.is_err());
    }
    /// A connection whose peer has already sent `bytes` and closed.
    async fn conn_reading(bytes: &[u8]) -> Conn {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        server.write_all(bytes).await.expect("write");
        drop(server);
        Conn::new(Box::new(client), Sniffed::default(), None, false)
    }

    /// A connection whose peer has sent `bytes` and still listens.
    async fn conn_open(bytes: &[u8]) -> (Conn, tokio::io::DuplexStream) {
        let (client, mut server) = tokio::io::duplex(64 * 1024);
        server.write_all(bytes).await.expect("write");
        (
            Conn::new(Box::new(client), Sniffed::default(), None, false),
            server,
        )
    }

    fn target(url: &str) -> PgTarget {
        PgTarget::parse(url).expect("valid URL")
    }

    #[tokio::test]
    async fn a_peer_that_is_not_postgresql_is_named_by_its_first_byte() {
        let mut conn = conn_reading(b"HTTP/1.1 400 Bad Request\r\n").await;
        assert!(matches!(
            conn.next().await,
            Err(ReadError::Unexpected(b'H'))
        ));
    }

    /// A length of 2 GiB is read as far as the peer sends, never reserved.
    #[tokio::test]
    async fn a_huge_length_ends_at_the_peer_not_in_memory() {
        let mut conn = conn_reading(b"E\x7f\xff\xff\xffSFATAL\0").await;
        match conn.next().await.map(|_| ()) {
            Err(ReadError::Io(error)) => assert_eq!(error.kind(), io::ErrorKind::UnexpectedEof),
            other => panic!("{other:?}"),
        }
        assert!(conn.input.capacity() < 1024 * 1024);
    }

    #[tokio::test]
    async fn an_error_response_during_startup_keeps_its_fields() {
        let mut conn = conn_reading(b"E\0\0\0\x29SFATAL\0C3D000\0Mno such db\0Rpostinit\0\0").await;
        let url = "postgresql://app@127.0.0.1/nodb?sslmode=disable";
        match authenticate(&mut conn, &target(url), "SELECT 1").await {
            Err(AuthError::Server(fields)) => {
                assert_eq!(fields.sqlstate, "3D000");
                assert_eq!(fields.routine.as_deref(), Some("postinit"));
            }
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_password_request_without_a_password_is_password_missing() {
        let (mut conn, _peer) = conn_open(b"R\0\0\0\x08\0\0\0\x03").await;
        let url = "postgresql://app@127.0.0.1/db?sslmode=disable";
        let result = authenticate(&mut conn, &target(url), "SELECT 1").await;
        assert!(matches!(result, Err(AuthError::PasswordMissing)));
    }

    #[tokio::test]
    async fn gssapi_is_refused_by_name() {
        let (mut conn, _peer) = conn_open(b"R\0\0\0\x08\0\0\0\x07").await;
        let url = "postgresql://app:pw@127.0.0.1/db?sslmode=disable";
        let result = authenticate(&mut conn, &target(url), "SELECT 1").await;
        assert!(matches!(result, Err(AuthError::Unsupported("GSSAPI"))));
    }
}
