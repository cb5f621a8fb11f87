//! A step: one layer of a check (dns, tcp, tls, auth…), its status, how
//! long it took, and why it failed.

use std::time::Duration;

use serde::Serialize;

use super::code::Code;
use crate::i18n::Message;

/// Outcome of a step, a check, or the whole run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Skip,
    Pass,
    Warn,
    Fail,
}

impl Status {
    /// The wire name, as in the JSON report.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Warn => "warn",
            Status::Fail => "fail",
            Status::Skip => "skip",
        }
    }
}

/// The layer a step checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StepName {
    Config,
    Dns,
    Tcp,
    Tls,
    Auth,
    Query,
    Ping,
    /// AMQP: the vhost (`Connection.Open`) and a channel.
    Open,
    Key,
    Roundtrip,
}

impl StepName {
    pub fn as_str(self) -> &'static str {
        use StepName::*;
        match self {
            Config => "config",
            Dns => "dns",
            Tcp => "tcp",
            Tls => "tls",
            Auth => "auth",
            Query => "query",
            Ping => "ping",
            Open => "open",
            Key => "key",
            Roundtrip => "roundtrip",
        }
    }
}

/// Why a step failed: a stable code and the evidence (never a secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Failure {
    pub code: Code,
    pub message: Message,
}

impl Failure {
    pub fn new(code: Code, message: impl Into<Message>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// One layer's result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub name: StepName,
    pub status: Status,
    pub duration: Option<Duration>,
    pub detail: Option<Message>,
    pub error: Option<Failure>,
}
