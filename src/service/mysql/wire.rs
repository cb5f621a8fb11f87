//! The MySQL client/server protocol as far as the check needs it, ours so
//! that every failing step is seen: packets (3-byte length, sequence id),
//! the initial handshake v10, `ERR` packets, `SSLRequest`,
//! `HandshakeResponse41` and one text result set
//! (<https://dev.mysql.com/doc/dev/mysql-server/latest/PAGE_PROTOCOL.html>;
//! MariaDB's extensions from <https://mariadb.com/kb/en/connection/>).
//!
//! Every read is bounded: a packet longer than [`MAX_PACKET`] is refused
//! before its body is read, and every field is length-checked, so no byte
//! sequence from a peer can panic or allocate without limit.

use std::io;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// The largest packet the check accepts. A greeting is under 200 bytes, an
/// RSA public key under 1 KiB, the facts row under 1 KiB; 64 KiB leaves
/// room for a long error text and refuses the 16 MiB frames a confused
/// peer could announce.
pub(crate) const MAX_PACKET: usize = 64 * 1024;

/// Capability flags (`include/mysql_com.h`, `CLIENT_*`).
pub(crate) mod cap {
    pub(crate) const LONG_PASSWORD: u32 = 1;
    pub(crate) const CONNECT_WITH_DB: u32 = 1 << 3;
    pub(crate) const PROTOCOL_41: u32 = 1 << 9;
    pub(crate) const SSL: u32 = 1 << 11;
    pub(crate) const TRANSACTIONS: u32 = 1 << 13;
    pub(crate) const SECURE_CONNECTION: u32 = 1 << 15;
    pub(crate) const MULTI_RESULTS: u32 = 1 << 17;
    pub(crate) const PLUGIN_AUTH: u32 = 1 << 19;
    pub(crate) const PLUGIN_AUTH_LENENC_DATA: u32 = 1 << 21;
}

/// `utf8mb4_general_ci`, the collation PyMySQL's default `utf8mb4` names
/// and every MySQL 5.5+ and MariaDB server knows.
const UTF8MB4: u8 = 45;
/// PyMySQL's and libmysqlclient's `max_allowed_packet` default.
const CLIENT_MAX_PACKET: u32 = 16 * 1024 * 1024;

/// Why a packet could not be read.
#[derive(Debug)]
pub(crate) enum WireError {
    Io(io::Error),
    /// The peer announced a packet longer than [`MAX_PACKET`].
    TooLarge,
    /// A field ran past the packet's end, or a value made no sense.
    Malformed,
}

impl From<io::Error> for WireError {
    fn from(error: io::Error) -> Self {
        Self::Io(error)
    }
}

/// A stream that speaks in packets, keeping the sequence id.
pub(crate) struct Packets<S> {
    pub(crate) stream: S,
    seq: u8,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Packets<S> {
    pub(crate) fn new(stream: S) -> Self {
        Self { stream, seq: 0 }
    }

    /// Carries the sequence over to a new stream (after the TLS upgrade
    /// the handshake's numbering goes on).
    pub(crate) fn wrap<T>(stream: T, seq: u8) -> Packets<T> {
        Packets { stream, seq }
    }

    pub(crate) fn seq(&self) -> u8 {
        self.seq
    }

    /// Reads one packet's payload.
    pub(crate) async fn read(&mut self) -> Result<Vec<u8>, WireError> {
        let mut header = [0u8; 4];
        self.stream.read_exact(&mut header).await?;
        let length =
            usize::from(header[0]) | usize::from(header[1]) << 8 | usize::from(header[2]) << 16;
        if length > MAX_PACKET {
            return Err(WireError::TooLarge);
        }
        self.seq = header[3].wrapping_add(1);
        let mut payload = vec![0u8; length];
        self.stream.read_exact(&mut payload).await?;
        Ok(payload)
    }

    /// Writes one packet (every payload the check sends is far below the
    /// 16 MiB split).
    pub(crate) async fn write(&mut self, payload: &[u8]) -> Result<(), WireError> {
        self.stream.write_all(&frame(payload, self.seq)).await?;
        self.seq = self.seq.wrapping_add(1);
        self.stream.flush().await?;
        Ok(())
    }

    /// Sends commands in one write, each as sequence 0 (the server runs
    /// them in order; their answers come back in the same order).
    pub(crate) async fn commands(&mut self, commands: &[&[u8]]) -> Result<(), WireError> {
        let flight: Vec<u8> = commands.iter().flat_map(|c| frame(c, 0)).collect();
        self.stream.write_all(&flight).await?;
        self.stream.flush().await?;
        self.seq = 1;
        Ok(())
    }
}

/// The 4-byte header and the payload.
pub(crate) fn frame(payload: &[u8], seq: u8) -> Vec<u8> {
    let length = u32::try_from(payload.len())
        .unwrap_or(u32::MAX)
        .to_le_bytes();
    let mut out = Vec::with_capacity(payload.len() + 4);
    out.extend_from_slice(&[length[0], length[1], length[2], seq]);
    out.extend_from_slice(payload);
    out
}

/// A bounds-checked cursor over one payload.
pub(crate) struct PacketReader<'a> {
    bytes: &'a [u8],
}

impl<'a> PacketReader<'a> {
    pub(crate) fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.bytes.len() {
            return Err(WireError::Malformed);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, WireError> {
        Ok(self.take(1)?[0])
    }

    pub(crate) fn u16(&mut self) -> Result<u16, WireError> {
        let b = self.take(2)?;
        Ok(u16::from_le_bytes([b[0], b[1]]))
    }

    pub(crate) fn u32(&mut self) -> Result<u32, WireError> {
        let b = self.take(4)?;
        Ok(u32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    }

    /// A NUL-terminated string (the rest, when the NUL is missing: the
    /// auth plugin name of some servers ends the packet without one).
    pub(crate) fn nul_str(&mut self) -> &'a [u8] {
        let end = self.bytes.iter().position(|&b| b == 0);
        let (text, rest) = match end {
            Some(at) => (&self.bytes[..at], &self.bytes[at + 1..]),
            None => (self.bytes, &self.bytes[self.bytes.len()..]),
        };
        self.bytes = rest;
        text
    }

    pub(crate) fn rest(&mut self) -> &'a [u8] {
        std::mem::take(&mut self.bytes)
    }

    /// A length-encoded integer; `None` for the `0xFB` NULL marker.
    pub(crate) fn lenenc(&mut self) -> Result<Option<u64>, WireError> {
        Ok(Some(match self.u8()? {
            0xFB => return Ok(None),
            0xFC => u64::from(self.u16()?),
            0xFD => {
                let b = self.take(3)?;
                u64::from(b[0]) | u64::from(b[1]) << 8 | u64::from(b[2]) << 16
            }
            0xFE => {
                let b = self.take(8)?;
                u64::from_le_bytes([b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7]])
            }
            0xFF => return Err(WireError::Malformed),
            small => u64::from(small),
        }))
    }

    /// A length-encoded string; `None` for NULL.
    pub(crate) fn lenenc_bytes(&mut self) -> Result<Option<&'a [u8]>, WireError> {
        match self.lenenc()? {
            None => Ok(None),
            Some(n) => {
                let n = usize::try_from(n).map_err(|_| WireError::Malformed)?;
                self.take(n).map(Some)
            }
        }
    }
}

/// The server's first packet, protocol version 10.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Greeting {
    pub(crate) version: String,
    pub(crate) capabilities: u32,
    /// The 20-byte nonce (both parts, the trailing NUL dropped).
    pub(crate) scramble: Vec<u8>,
    /// The server's default auth plugin (`mysql_native_password` when the
    /// server does not name one).
    pub(crate) plugin: String,
}

/// Parses the initial handshake (`Protocol::HandshakeV10`). Protocol 9 and
/// anything else are refused: no server of the last 20 years sends them.
pub(crate) fn parse_greeting(payload: &[u8]) -> Result<Greeting, WireError> {
    let mut r = PacketReader::new(payload);
    if r.u8()? != 10 {
        return Err(WireError::Malformed);
    }
    let version = String::from_utf8_lossy(r.nul_str()).into_owned();
    let _connection_id = r.u32()?;
    let mut scramble = r.take(8)?.to_vec();
    let _filler = r.u8()?;
    let mut capabilities = u32::from(r.u16()?);
    if r.is_empty() {
        return Ok(Greeting {
            version,
            capabilities,
            scramble,
            plugin: "mysql_native_password".to_string(),
        });
    }
    let _charset = r.u8()?;
    let _status = r.u16()?;
    capabilities |= u32::from(r.u16()?) << 16;
    let data_len = usize::from(r.u8()?);
    // Ten reserved bytes; MariaDB uses the last four for its extended
    // capabilities, which the check does not need.
    r.take(10)?;
    if capabilities & cap::SECURE_CONNECTION != 0 {
        let second = data_len.saturating_sub(8).max(13);
        let part = r.take(second.min(r.bytes.len()))?;
        // The second part ends with a NUL that is not part of the nonce.
        let part = part.strip_suffix(&[0]).unwrap_or(part);
        scramble.extend_from_slice(part);
    }
    let plugin = if capabilities & cap::PLUGIN_AUTH != 0 {
        String::from_utf8_lossy(r.nul_str()).into_owned()
    } else {
        String::new()
    };
    Ok(Greeting {
        version,
        capabilities,
        scramble,
        plugin: if plugin.is_empty() {
            "mysql_native_password".to_string()
        } else {
            plugin
        },
    })
}

/// An `ERR` packet: the error number, the SQLSTATE when the server sends
/// one (not before the handshake, e.g. "Host is not allowed to connect"),
/// and the server's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ServerError {
    pub(crate) number: u16,
    pub(crate) sqlstate: Option<String>,
    pub(crate) message: String,
}

/// Whether `payload` is an `ERR` packet.
pub(crate) fn is_error(payload: &[u8]) -> bool {
    payload.first() == Some(&0xFF)
}

pub(crate) fn parse_error(payload: &[u8]) -> Result<ServerError, WireError> {
    let mut r = PacketReader::new(payload);
    if r.u8()? != 0xFF {
        return Err(WireError::Malformed);
    }
    let number = r.u16()?;
    let rest = r.rest();
    let (sqlstate, message) = match rest.split_first() {
        Some((b'#', tail)) if tail.len() >= 5 => (
            Some(String::from_utf8_lossy(&tail[..5]).into_owned()),
            &tail[5..],
        ),
        _ => (None, rest),
    };
    Ok(ServerError {
        number,
        sqlstate,
        message: String::from_utf8_lossy(message).into_owned(),
    })
}

/// The capabilities the check asks for, within what the server offers.
pub(crate) fn client_capabilities(server: u32, database: bool, tls: bool) -> u32 {
    let mut wanted = cap::LONG_PASSWORD
        | cap::PROTOCOL_41
        | cap::TRANSACTIONS
        | cap::SECURE_CONNECTION
        | cap::MULTI_RESULTS
        | cap::PLUGIN_AUTH
        | cap::PLUGIN_AUTH_LENENC_DATA;
    if database {
        wanted |= cap::CONNECT_WITH_DB;
    }
    if tls {
        wanted |= cap::SSL;
    }
    wanted & server
}

/// `SSLRequest`: the first 32 bytes of a `HandshakeResponse41`.
pub(crate) fn ssl_request(capabilities: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(32);
    out.extend_from_slice(&capabilities.to_le_bytes());
    out.extend_from_slice(&CLIENT_MAX_PACKET.to_le_bytes());
    out.push(UTF8MB4);
    out.extend_from_slice(&[0; 23]);
    out
}

/// `HandshakeResponse41` with the user, the auth response, the database
/// and the plugin the response was computed with.
pub(crate) fn handshake_response(
    capabilities: u32,
    user: &str,
    auth: &[u8],
    database: Option<&str>,
    plugin: &str,
) -> Vec<u8> {
    let mut out = ssl_request(capabilities);
    out.extend_from_slice(user.as_bytes());
    out.push(0);
    if capabilities & cap::PLUGIN_AUTH_LENENC_DATA != 0 {
        put_lenenc(&mut out, auth.len());
    } else {
        out.push(u8::try_from(auth.len()).unwrap_or(u8::MAX));
    }
    out.extend_from_slice(auth);
    if let Some(database) = database.filter(|_| capabilities & cap::CONNECT_WITH_DB != 0) {
        out.extend_from_slice(database.as_bytes());
        out.push(0);
    }
    if capabilities & cap::PLUGIN_AUTH != 0 {
        out.extend_from_slice(plugin.as_bytes());
        out.push(0);
    }
    out
}

fn put_lenenc(out: &mut Vec<u8>, n: usize) {
    match u8::try_from(n) {
        Ok(small) if small < 0xFB => out.push(small),
        _ => {
            out.push(0xFC);
            out.extend_from_slice(&u16::try_from(n).unwrap_or(u16::MAX).to_le_bytes());
        }
    }
}

/// `COM_QUERY`.
pub(crate) fn com_query(sql: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(sql.len() + 1);
    out.push(0x03);
    out.extend_from_slice(sql.as_bytes());
    out
}

/// `COM_QUIT`.
pub(crate) const COM_QUIT: [u8; 1] = [0x01];

/// The most columns and rows a facts answer may hold.
const MAX_COLUMNS: u64 = 16;
const MAX_ROWS: usize = 4;

/// What a `COM_QUERY` brought back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Answer {
    /// The rows, each a list of text values (NULL as `None`).
    Rows(Vec<Vec<Option<String>>>),
    Error(ServerError),
}

/// Reads a text result set (without `CLIENT_DEPRECATE_EOF`: column
/// definitions, EOF, rows, EOF) or an `ERR`.
pub(crate) async fn read_answer<S>(packets: &mut Packets<S>) -> Result<Answer, WireError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let first = packets.read().await?;
    if is_error(&first) {
        return parse_error(&first).map(Answer::Error);
    }
    let columns = PacketReader::new(&first)
        .lenenc()?
        .filter(|&n| n > 0 && n <= MAX_COLUMNS)
        .ok_or(WireError::Malformed)?;
    for _ in 0..columns {
        packets.read().await?;
    }
    if !is_eof(&packets.read().await?) {
        return Err(WireError::Malformed);
    }
    let mut rows = Vec::new();
    loop {
        let packet = packets.read().await?;
        if is_eof(&packet) {
            return Ok(Answer::Rows(rows));
        }
        if is_error(&packet) {
            return parse_error(&packet).map(Answer::Error);
        }
        if rows.len() == MAX_ROWS {
            return Err(WireError::Malformed);
        }
        rows.push(parse_row(&packet, columns)?);
    }
}

fn is_eof(payload: &[u8]) -> bool {
    payload.first() == Some(&0xFE) && payload.len() < 9
}

pub(crate) fn parse_row(payload: &[u8], columns: u64) -> Result<Vec<Option<String>>, WireError> {
    let mut r = PacketReader::new(payload);
    (0..columns)
        .map(|_| {
            Ok(r.lenenc_bytes()?
                .map(|value| String::from_utf8_lossy(value).into_owned()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// MariaDB 10.11's greeting, as captured on 127.0.0.1:3306 (built
    /// without TLS: no `CLIENT_SSL`).
    const MARIADB_GREETING: &[u8] = b"\x0a5.5.5-10.11.19-MariaDB-0+deb12u1\x00\x08\x00\x00\x00#<E$%+Fb\x00\xfe\xf7-\x02\x00\xff\x81\x15\x00\x00\x00\x00\x00\x00\x1d\x00\x00\x00:9Qi?;JDTZI=\x00mysql_native_password\x00";

    #[test]
    fn reads_a_mariadb_greeting() {
        let greeting = parse_greeting(MARIADB_GREETING).unwrap();
        assert_eq!(greeting.version, "5.5.5-10.11.19-MariaDB-0+deb12u1");
        assert_eq!(greeting.scramble.len(), 20);
        assert_eq!(greeting.plugin, "mysql_native_password");
        assert_eq!(greeting.capabilities & cap::SSL, 0);
        assert_ne!(greeting.capabilities & cap::PLUGIN_AUTH, 0);
    }

    #[test]
    fn reads_error_packets_with_and_without_sqlstate() {
        let with =
            b"\xff\x15\x04#28000Access denied for user 'u'@'localhost' (using password: YES)";
        let error = parse_error(with).unwrap();
        assert_eq!(error.number, 1045);
        assert_eq!(error.sqlstate.as_deref(), Some("28000"));
        assert!(error.message.starts_with("Access denied"));
        let without =
            b"\xff\x6a\x04Host '10.0.0.2' is not allowed to connect to this MariaDB server";
        let error = parse_error(without).unwrap();
        assert_eq!((error.number, error.sqlstate), (1130, None));
    }

    #[test]
    fn builds_a_handshake_response() {
        let caps = client_capabilities(u32::MAX, true, false);
        let packet = handshake_response(caps, "app", &[1, 2, 3], Some("shop"), "plugin");
        assert_eq!(&packet[..4], &caps.to_le_bytes());
        assert_eq!(&packet[32..], b"app\x00\x03\x01\x02\x03shop\x00plugin\x00");
        assert_eq!(ssl_request(caps).len(), 32);
    }

    #[test]
    fn reads_rows_and_nulls() {
        let row = b"\x011\x0510.11\xfb";
        assert_eq!(
            parse_row(row, 3).unwrap(),
            vec![Some("1".into()), Some("10.11".into()), None]
        );
        assert!(parse_row(b"\x05ab", 1).is_err());
    }

    /// No byte sequence panics the parsers: every prefix of real packets
    /// and a few thousand pseudo-random ones (a fixed xorshift, so a
    /// failure reproduces).
    #[test]
    fn arbitrary_bytes_never_panic() {
        let mut seeds: Vec<Vec<u8>> = (0..=MARIADB_GREETING.len())
            .map(|n| MARIADB_GREETING[..n].to_vec())
            .collect();
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..4000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let len = usize::try_from(state % 96).unwrap();
            let mut bytes: Vec<u8> = (0..len)
                .map(|i| state.to_le_bytes()[i % 8] ^ u8::try_from(i % 251).unwrap())
                .collect();
            if let Some(first) = bytes.first_mut() {
                *first = [10, 0xFF, 0xFE, 0xFB, 0xFC, 0xFD][usize::try_from(state % 6).unwrap()];
            }
            seeds.push(bytes);
        }
        for bytes in &seeds {
            let _ = parse_greeting(bytes);
            let _ = parse_error(bytes);
            let _ = parse_row(bytes, 5);
            let mut r = PacketReader::new(bytes);
            while r.lenenc_bytes().is_ok_and(|v| v.is_some()) {}
        }
    }

    #[tokio::test]
    async fn refuses_a_packet_larger_than_the_bound() {
        let (mut client, server) = tokio::io::duplex(64);
        let mut packets = Packets::new(server);
        client.write_all(&[0xFF, 0xFF, 0xFF, 0]).await.unwrap();
        assert!(matches!(packets.read().await, Err(WireError::TooLarge)));
    }
}
