//! What the AMQP check reads from the server: `Connection.Start`'s
//! properties (product, version, whether it can announce
//! `connection.blocked`), `Connection.Tune`'s limits, and a
//! `Connection.Blocked` if RabbitMQ sends one — a memory or disk alarm
//! that stops every publisher (`rabbitmq.com/connection-blocked.html`).

use super::wire::Table;
use crate::i18n::{Message, msg};
use crate::model::{Finding, FindingCode, Gauge, Ladder};

/// Server strings are the server's words: kept short.
const MAX_SHOWN: usize = 64;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    pub product: Option<String>,
    pub version: Option<String>,
    pub channel_max: u16,
    /// 0: no limit.
    pub frame_max: u32,
    /// The server's proposed heartbeat, in seconds (0: none).
    pub heartbeat: u16,
    /// The reason of a `Connection.Blocked`, while it holds.
    pub blocked: Option<String>,
    /// The empty publish was refused (no write permission on the default
    /// exchange): whether an alarm holds is unknown.
    pub publish_refused: bool,
}

fn shown(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control())
        .take(MAX_SHOWN)
        .collect()
}

impl Facts {
    pub(super) fn from_start(properties: &Table) -> Self {
        let text = |name| properties.text(name).map(shown);
        Self {
            product: text("product"),
            version: text("version"),
            ..Self::default()
        }
    }

    pub(super) fn tuned(&mut self, channel_max: u16, frame_max: u32, heartbeat: u16) {
        self.channel_max = channel_max;
        self.frame_max = frame_max;
        self.heartbeat = heartbeat;
    }

    /// `RabbitMQ 3.10.8`, or what the server says it is.
    pub(crate) fn server(&self) -> String {
        match (&self.product, &self.version) {
            (Some(product), Some(version)) => format!("{product} {version}"),
            (Some(one), None) | (None, Some(one)) => one.clone(),
            (None, None) => "AMQP 0-9-1".to_string(),
        }
    }

    /// The open step's detail: the vhost and the negotiated limits.
    pub(crate) fn open_detail(&self, vhost: &str) -> Message {
        msg::amqp_open_detail(
            crate::source::url::escape_controls(vhost),
            u64::from(self.frame_max),
            u64::from(self.channel_max),
            u64::from(self.heartbeat),
        )
    }
}

/// `serve`'s gauge of the AMQP check: 1 while a resource alarm blocks
/// publishers, 0 when the connection opened and the empty publish went
/// through unblocked; unset when that publish was refused or the
/// connection did not open (the alarm is then unknown).
pub(crate) const BLOCKED: Gauge = Gauge {
    name: "amqp_blocked",
    help: "1 while the broker blocks publishers (a memory or disk alarm: connection.blocked), 0 when it does not",
};
pub(crate) const GAUGES: &[&Gauge] = &[&BLOCKED];

/// A blocked connection is a finding: the broker accepts connections but
/// holds every publish until the alarm clears (Celery's `delay()` hangs).
/// `opened`: the vhost and the channel opened.
pub(crate) fn record(facts: &Facts, opened: bool, ladder: &mut Ladder) {
    let blocked = match (&facts.blocked, opened && !facts.publish_refused) {
        (Some(_), _) => Some(1),
        (None, true) => Some(0),
        (None, false) => None,
    };
    ladder.readings().set(&BLOCKED, blocked);
    if let Some(reason) = &facts.blocked {
        ladder.finding(Finding::warn(
            FindingCode::MemoryHeadroom,
            msg::amqp_blocked(shown(reason)),
        ));
    } else if facts.publish_refused {
        ladder.finding(Finding::info(
            FindingCode::MemoryHeadroom,
            msg::amqp_alarm_unknown(),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::wire::Value;
    use super::*;

    #[test]
    fn reads_the_start_properties() {
        let properties = Table(vec![
            ("product".into(), Value::Text("RabbitMQ".into())),
            ("version".into(), Value::Text("3.10.8".into())),
            ("version_extra".into(), Value::Text("x\n".into())),
        ]);
        let facts = Facts::from_start(&properties);
        assert_eq!(facts.server(), "RabbitMQ 3.10.8");
        assert_eq!(Facts::default().server(), "AMQP 0-9-1");
        let long = Table(vec![("version".into(), Value::Text("9".repeat(500)))]);
        assert_eq!(Facts::from_start(&long).server().len(), MAX_SHOWN);
    }
}
