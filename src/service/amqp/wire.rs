//! The AMQP 0-9-1 wire format, as far as a connection check needs it:
//! frames, the field tables of `Connection.Start`, and the methods of the
//! `connection` and `channel` classes (AMQP 0-9-1 specification §2.3 and
//! §4.2; RabbitMQ's errata, `rabbitmq.com/amqp-0-9-1-errata.html`, for the
//! field-value type letters RabbitMQ really sends).
//!
//! Written by hand rather than taken from a client crate: a crate opens the
//! connection as one call and reports one error, while the check needs to
//! know which frame the server refused. Everything here is bounded: a
//! frame's size by the caller's limit, a field table's nesting by
//! [`MAX_DEPTH`], and every read by the frame's own length.

use tokio::io::{AsyncRead, AsyncReadExt};

/// What the client sends first (spec §4.2.2): `AMQP`, 0, then 0-9-1.
pub(super) const PROTOCOL_HEADER: &[u8; 8] = b"AMQP\x00\x00\x09\x01";

/// Every frame ends with this octet (spec §4.2.3, `frame-end`).
const FRAME_END: u8 = 0xCE;
const FRAME_METHOD: u8 = 1;
const FRAME_HEADER: u8 = 2;
const FRAME_BODY: u8 = 3;
const FRAME_HEARTBEAT: u8 = 8;

/// Field tables nest (a table value may hold a table); RabbitMQ's
/// `Connection.Start` nests two deep (`capabilities`). Deeper input is
/// refused rather than followed.
pub(super) const MAX_DEPTH: usize = 8;

/// A frame the server sent: its type, channel and payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Frame {
    pub kind: u8,
    pub channel: u16,
    pub payload: Vec<u8>,
}

/// Why the bytes on the wire are not the frame they should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum WireError {
    /// The stream ended or failed (the I/O error's kind).
    Io(std::io::ErrorKind),
    /// The server answered our header with its own (spec §4.2.2): it
    /// speaks another AMQP version, which it names in these 8 bytes.
    ProtocolHeader([u8; 8]),
    /// A frame longer than the limit in force (`frame_max`).
    TooLarge(u32),
    /// Bytes that are not an AMQP frame (unknown type, missing end octet,
    /// a payload shorter than its fields).
    Malformed,
}

impl From<std::io::Error> for WireError {
    fn from(error: std::io::Error) -> Self {
        WireError::Io(error.kind())
    }
}

/// Reads one frame whose payload is at most `max` bytes.
pub(super) async fn read_frame<R>(reader: &mut R, max: u32) -> Result<Frame, WireError>
where
    R: AsyncRead + Unpin,
{
    let mut head = [0u8; 7];
    reader.read_exact(&mut head).await?;
    if &head[..4] == b"AMQP" {
        let mut header = [0u8; 8];
        header[..7].copy_from_slice(&head);
        reader.read_exact(&mut header[7..]).await?;
        return Err(WireError::ProtocolHeader(header));
    }
    let kind = head[0];
    if !matches!(
        kind,
        FRAME_METHOD | FRAME_HEADER | FRAME_BODY | FRAME_HEARTBEAT
    ) {
        return Err(WireError::Malformed);
    }
    let channel = u16::from_be_bytes([head[1], head[2]]);
    let size = u32::from_be_bytes([head[3], head[4], head[5], head[6]]);
    if size > max {
        return Err(WireError::TooLarge(size));
    }
    // `size` ≤ `max`, which the caller bounds well below usize::MAX.
    let mut payload = vec![0u8; size as usize + 1];
    reader.read_exact(&mut payload).await?;
    if payload.pop() != Some(FRAME_END) {
        return Err(WireError::Malformed);
    }
    Ok(Frame {
        kind,
        channel,
        payload,
    })
}

/// A field value (spec §4.2.5.5 with RabbitMQ's type letters), reduced to
/// what a check reads: numbers, text, booleans and nested tables.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Value {
    Bool(bool),
    Int(i64),
    Text(String),
    Table(Table),
    Array(Vec<Value>),
    /// Floats, decimals, timestamps and void: read past, not kept.
    Other,
}

/// A field table: names and values in the order sent.
#[derive(Debug, Clone, PartialEq, Default)]
pub(super) struct Table(pub Vec<(String, Value)>);

impl Table {
    pub(super) fn get(&self, name: &str) -> Option<&Value> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }

    pub(super) fn text(&self, name: &str) -> Option<&str> {
        match self.get(name) {
            Some(Value::Text(text)) => Some(text),
            _ => None,
        }
    }

    #[cfg(test)]
    pub(super) fn table(&self, name: &str) -> Option<&Table> {
        match self.get(name) {
            Some(Value::Table(table)) => Some(table),
            _ => None,
        }
    }

    #[cfg(test)]
    pub(super) fn flag(&self, name: &str) -> Option<bool> {
        match self.get(name) {
            Some(Value::Bool(flag)) => Some(*flag),
            _ => None,
        }
    }
}

/// A cursor over a payload; every read checks the bytes are there.
struct Cursor<'a> {
    bytes: &'a [u8],
}

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        if n > self.bytes.len() {
            return Err(WireError::Malformed);
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], WireError> {
        self.take(N)?.try_into().map_err(|_| WireError::Malformed)
    }

    fn octet(&mut self) -> Result<u8, WireError> {
        Ok(self.array::<1>()?[0])
    }

    fn short(&mut self) -> Result<u16, WireError> {
        Ok(u16::from_be_bytes(self.array()?))
    }

    fn long(&mut self) -> Result<u32, WireError> {
        Ok(u32::from_be_bytes(self.array()?))
    }

    fn shortstr(&mut self) -> Result<String, WireError> {
        let n = self.octet()?;
        Ok(String::from_utf8_lossy(self.take(usize::from(n))?).into_owned())
    }

    fn longstr_bytes(&mut self) -> Result<&'a [u8], WireError> {
        let n = self.long()?;
        self.take(usize::try_from(n).map_err(|_| WireError::Malformed)?)
    }

    fn longstr(&mut self) -> Result<String, WireError> {
        Ok(String::from_utf8_lossy(self.longstr_bytes()?).into_owned())
    }

    fn table(&mut self, depth: usize) -> Result<Table, WireError> {
        if depth >= MAX_DEPTH {
            return Err(WireError::Malformed);
        }
        let mut inner = Cursor {
            bytes: self.longstr_bytes()?,
        };
        let mut fields = Vec::new();
        while !inner.bytes.is_empty() {
            let name = inner.shortstr()?;
            let value = inner.value(depth + 1)?;
            fields.push((name, value));
        }
        Ok(Table(fields))
    }

    fn field_array(&mut self, depth: usize) -> Result<Vec<Value>, WireError> {
        if depth >= MAX_DEPTH {
            return Err(WireError::Malformed);
        }
        let mut inner = Cursor {
            bytes: self.longstr_bytes()?,
        };
        let mut values = Vec::new();
        while !inner.bytes.is_empty() {
            values.push(inner.value(depth + 1)?);
        }
        Ok(values)
    }

    /// One value after its type letter; nested tables and arrays count
    /// toward [`MAX_DEPTH`].
    fn value(&mut self, depth: usize) -> Result<Value, WireError> {
        let value = match self.octet()? {
            b't' => Value::Bool(self.octet()? != 0),
            b'b' => Value::Int(i64::from(i8::from_be_bytes(self.array()?))),
            b'B' => Value::Int(i64::from(self.octet()?)),
            b's' => Value::Int(i64::from(i16::from_be_bytes(self.array()?))),
            b'u' => Value::Int(i64::from(self.short()?)),
            b'I' => Value::Int(i64::from(i32::from_be_bytes(self.array()?))),
            b'i' => Value::Int(i64::from(self.long()?)),
            b'l' => Value::Int(i64::from_be_bytes(self.array()?)),
            b'f' => self.skip(4)?,
            b'd' | b'T' => self.skip(8)?,
            b'D' => self.skip(5)?,
            b'S' | b'x' => Value::Text(self.longstr()?),
            b'A' => Value::Array(self.field_array(depth)?),
            b'F' => Value::Table(self.table(depth)?),
            b'V' => Value::Other,
            _ => return Err(WireError::Malformed),
        };
        Ok(value)
    }

    fn skip(&mut self, n: usize) -> Result<Value, WireError> {
        self.take(n)?;
        Ok(Value::Other)
    }
}

/// The methods a check receives (spec §1.4.2 and §1.5.2).
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Method {
    /// `Connection.Start`: the server's version and properties, and the
    /// SASL mechanisms it offers (space-separated).
    Start {
        properties: Table,
        mechanisms: String,
    },
    /// `Connection.Secure`: a SASL challenge (PLAIN never gets one).
    Secure,
    /// `Connection.Tune`: the server's limits (0 means none).
    Tune {
        channel_max: u16,
        frame_max: u32,
        heartbeat: u16,
    },
    OpenOk,
    /// `Connection.Close` or `Channel.Close`: a reply code (spec §1.1,
    /// "Constants") and the server's words.
    Close {
        channel: bool,
        code: u16,
        text: String,
    },
    CloseOk,
    ChannelOpenOk,
    /// `Connection.Blocked` (RabbitMQ's extension): a resource alarm
    /// stops publishing; the reason names it.
    Blocked(String),
    Unblocked,
    /// Any other method, by class and method id.
    Other(u16, u16),
}

impl Method {
    /// Class and method id, as the spec numbers them.
    pub(super) fn id(&self) -> (u16, u16) {
        match self {
            Method::Start { .. } => (10, 10),
            Method::Secure => (10, 20),
            Method::Tune { .. } => (10, 30),
            Method::OpenOk => (10, 41),
            Method::Close { channel, .. } => (
                if *channel { 20 } else { 10 },
                40 + 10 * u16::from(!*channel),
            ),
            Method::CloseOk => (10, 51),
            Method::ChannelOpenOk => (20, 11),
            Method::Blocked(_) => (10, 60),
            Method::Unblocked => (10, 61),
            Method::Other(class, id) => (*class, *id),
        }
    }
}

/// Reads a method frame's payload.
pub(super) fn method(payload: &[u8]) -> Result<Method, WireError> {
    let mut cursor = Cursor { bytes: payload };
    let class = cursor.short()?;
    let id = cursor.short()?;
    let method = match (class, id) {
        (10, 10) => {
            // version-major and version-minor: the header already agreed.
            cursor.take(2)?;
            let properties = cursor.table(0)?;
            let mechanisms = cursor.longstr()?;
            Method::Start {
                properties,
                mechanisms,
            }
        }
        (10, 20) => Method::Secure,
        (10, 30) => Method::Tune {
            channel_max: cursor.short()?,
            frame_max: cursor.long()?,
            heartbeat: cursor.short()?,
        },
        (10, 41) => Method::OpenOk,
        (10 | 20, 40 | 50) => Method::Close {
            channel: class == 20,
            code: cursor.short()?,
            text: cursor.shortstr()?,
        },
        (10 | 20, 41 | 51) => Method::CloseOk,
        (20, 11) => Method::ChannelOpenOk,
        (10, 60) => Method::Blocked(cursor.shortstr()?),
        (10, 61) => Method::Unblocked,
        _ => Method::Other(class, id),
    };
    Ok(method)
}

/// Builds frames to send.
pub(super) struct Writer(Vec<u8>);

impl Writer {
    fn short(&mut self, value: u16) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    fn long(&mut self, value: u32) -> &mut Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    fn octet(&mut self, value: u8) -> &mut Self {
        self.0.push(value);
        self
    }

    /// A short string; longer input is cut at 255 bytes (only our own
    /// names and the vhost go here, and the URL parser refuses a longer
    /// vhost).
    fn shortstr(&mut self, text: &str) -> &mut Self {
        let bytes = &text.as_bytes()[..text.len().min(255)];
        self.0.push(u8::try_from(bytes.len()).unwrap_or(u8::MAX));
        self.0.extend_from_slice(bytes);
        self
    }

    fn longstr(&mut self, bytes: &[u8]) -> &mut Self {
        self.long(u32::try_from(bytes.len()).unwrap_or(u32::MAX));
        self.0.extend_from_slice(bytes);
        self
    }

    fn table(&mut self, fields: &[(&str, Field)]) -> &mut Self {
        let mut inner = Writer(Vec::new());
        for (name, value) in fields {
            inner.shortstr(name);
            match value {
                Field::Text(text) => inner.octet(b'S').longstr(text.as_bytes()),
                Field::Bool(flag) => inner.octet(b't').octet(u8::from(*flag)),
                Field::Table(table) => inner.octet(b'F').table(table),
            };
        }
        self.longstr(&inner.0)
    }
}

/// A value of a table we send.
pub(super) enum Field<'a> {
    Text(&'a str),
    Bool(bool),
    Table(&'a [(&'a str, Field<'a>)]),
}

/// One method frame on `channel`: class and method ids, then the
/// arguments `args` writes.
fn method_frame(channel: u16, class: u16, id: u16, args: impl FnOnce(&mut Writer)) -> Vec<u8> {
    let mut payload = Writer(Vec::new());
    payload.short(class).short(id);
    args(&mut payload);
    let mut frame = Writer(Vec::with_capacity(payload.0.len() + 8));
    frame.octet(FRAME_METHOD).short(channel).longstr(&payload.0);
    frame.octet(FRAME_END);
    frame.0
}

/// `Connection.StartOk` with the PLAIN mechanism (RFC 4616: NUL, user,
/// NUL, password).
pub(super) fn start_ok(properties: &[(&str, Field)], user: &str, password: &str) -> Vec<u8> {
    let mut response = Vec::with_capacity(user.len() + password.len() + 2);
    response.push(0);
    response.extend_from_slice(user.as_bytes());
    response.push(0);
    response.extend_from_slice(password.as_bytes());
    method_frame(0, 10, 11, |w| {
        w.table(properties)
            .shortstr("PLAIN")
            .longstr(&response)
            .shortstr("en_US");
    })
}

/// `Connection.TuneOk`.
pub(super) fn tune_ok(channel_max: u16, frame_max: u32, heartbeat: u16) -> Vec<u8> {
    method_frame(0, 10, 31, |w| {
        w.short(channel_max).long(frame_max).short(heartbeat);
    })
}

/// `Connection.Open` on `vhost` (reserved fields empty, as every client
/// sends them).
pub(super) fn open(vhost: &str) -> Vec<u8> {
    method_frame(0, 10, 40, |w| {
        w.shortstr(vhost).shortstr("").octet(0);
    })
}

/// `Channel.Open` on channel 1.
pub(super) fn channel_open() -> Vec<u8> {
    method_frame(1, 20, 10, |w| {
        w.shortstr("");
    })
}

/// An empty, unroutable message on channel 1: `Basic.Publish` to the
/// default exchange with the empty routing key (no queue has that name, and
/// without `mandatory` the broker drops it silently), then its content
/// header (class 60, body size 0, no properties; spec §4.2.6). RabbitMQ
/// announces a memory or disk alarm with `Connection.Blocked` only to a
/// connection that publishes (`rabbitmq.com/connection-blocked.html`).
pub(super) fn publish_nothing() -> Vec<u8> {
    let mut frames = method_frame(1, 60, 40, |w| {
        w.short(0).shortstr("").shortstr("").octet(0);
    });
    let mut header = Writer(Vec::new());
    header.short(60).short(0).long(0).long(0).short(0);
    let mut frame = Writer(Vec::new());
    frame
        .octet(FRAME_HEADER)
        .short(1)
        .longstr(&header.0)
        .octet(FRAME_END);
    frames.extend(frame.0);
    frames
}

/// `Connection.Close` with reply code 200 (a normal close, spec §1.1).
pub(super) fn close() -> Vec<u8> {
    method_frame(0, 10, 50, |w| {
        w.short(200).shortstr("").short(0).short(0);
    })
}

/// `Connection.CloseOk`, the answer to the server's own Close.
pub(super) fn close_ok() -> Vec<u8> {
    method_frame(0, 10, 51, |_| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame_of(bytes: &[u8]) -> Result<Frame, WireError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap();
        runtime.block_on(read_frame(&mut &bytes[..], 4096))
    }

    /// A `Connection.Start` as RabbitMQ 3.10 writes it, cut to the fields
    /// the check reads.
    fn start_payload() -> Vec<u8> {
        let mut w = Writer(Vec::new());
        w.short(10).short(10).octet(0).octet(9);
        w.table(&[
            ("product", Field::Text("RabbitMQ")),
            ("version", Field::Text("3.10.8")),
            (
                "capabilities",
                Field::Table(&[("connection.blocked", Field::Bool(true))]),
            ),
        ]);
        w.longstr(b"AMQPLAIN PLAIN").longstr(b"en_US");
        w.0
    }

    #[test]
    fn reads_what_it_writes() {
        let frame = frame_of(&close()).unwrap();
        assert_eq!((frame.kind, frame.channel), (FRAME_METHOD, 0));
        assert_eq!(
            method(&frame.payload).unwrap(),
            Method::Close {
                channel: false,
                code: 200,
                text: String::new()
            }
        );
        let Method::Start {
            properties,
            mechanisms,
        } = method(&start_payload()).unwrap()
        else {
            panic!("a Start")
        };
        assert_eq!(properties.text("version"), Some("3.10.8"));
        assert_eq!(
            properties
                .table("capabilities")
                .and_then(|c| c.flag("connection.blocked")),
            Some(true)
        );
        assert_eq!(mechanisms, "AMQPLAIN PLAIN");
    }

    #[test]
    fn frames_are_bounded_and_checked() {
        let mut big = vec![FRAME_METHOD, 0, 0];
        big.extend_from_slice(&5000u32.to_be_bytes());
        assert_eq!(frame_of(&big), Err(WireError::TooLarge(5000)));
        let mut unended = close();
        *unended.last_mut().unwrap() = 0;
        assert_eq!(frame_of(&unended), Err(WireError::Malformed));
        assert_eq!(
            frame_of(b"AMQP\x00\x00\x09\x01"),
            Err(WireError::ProtocolHeader(*b"AMQP\x00\x00\x09\x01"))
        );
        assert_eq!(
            frame_of(b"HTTP/1.1 400"),
            Err(WireError::Malformed),
            "an HTTP answer is not a frame"
        );
        assert_eq!(
            frame_of(&close()[..5]),
            Err(WireError::Io(std::io::ErrorKind::UnexpectedEof))
        );
    }

    /// Tables nested past [`MAX_DEPTH`] are refused, not followed.
    #[test]
    fn nesting_is_bounded() {
        let mut table = Vec::new();
        for _ in 0..10_000 {
            let mut outer = vec![1, b'x', b'F'];
            outer.extend_from_slice(&u32::try_from(table.len()).unwrap().to_be_bytes());
            outer.extend_from_slice(&table);
            table = outer;
        }
        let mut payload = vec![0, 10, 0, 10, 0, 9];
        payload.extend_from_slice(&u32::try_from(table.len()).unwrap().to_be_bytes());
        payload.extend_from_slice(&table);
        assert_eq!(method(&payload), Err(WireError::Malformed));
    }

    /// Arbitrary bytes never panic the frame reader or the method parser.
    #[test]
    fn arbitrary_bytes_never_panic() {
        let seed = start_payload();
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for round in 0..20_000 {
            let mut bytes = seed.clone();
            let len = usize::try_from(next() % 64).unwrap();
            bytes.truncate(usize::try_from(next()).unwrap() % (bytes.len() + 1));
            for _ in 0..len {
                let at = usize::try_from(next()).unwrap() % (bytes.len() + 1);
                bytes.insert(at, next().to_le_bytes()[0]);
            }
            if round % 2 == 0 {
                let _ = method(&bytes);
            } else {
                let _ = frame_of(&bytes);
            }
        }
    }
}
