//! What the Redis check reads from `INFO` (sent in the same pipeline as
//! AUTH and PING): version, role, memory against `maxmemory` and its
//! eviction policy, clients against `maxclients`. Managed servers that deny
//! or trim `INFO` simply leave fields unknown — never a failure.

use std::collections::HashMap;
use std::time::Duration;

use redis::{RedisResult, Value};

use crate::i18n::msg;
use crate::model::{Code, FindingCode};
use crate::model::{Failure, Finding, Gauge, Ladder, StepName};

use super::messages;

/// Memory use (with `noeviction`) and client use that draw a warning.
const WARN_MEMORY: f64 = 0.90;
const WARN_CLIENTS: f64 = 0.80;

/// The fields of an `INFO` reply railconn uses.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Facts {
    pub version: Option<String>,
    pub role: Option<String>,
    pub used_memory: Option<u64>,
    pub maxmemory: Option<u64>,
    pub policy: Option<String>,
    pub clients: Option<u64>,
    pub maxclients: Option<u64>,
}

/// Parses `INFO`'s `key:value` lines; anything missing stays `None`.
pub(crate) fn parse(reply: Option<&RedisResult<Value>>) -> Facts {
    let text = match reply.and_then(|r| r.as_ref().ok()) {
        Some(Value::BulkString(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
        Some(Value::VerbatimString { text, .. }) => text.clone(),
        _ => return Facts::default(),
    };
    let fields: HashMap<&str, &str> = text
        .lines()
        .filter_map(|line| line.trim_end().split_once(':'))
        .collect();
    let number = |key: &str| fields.get(key).and_then(|v| v.parse::<u64>().ok());
    let text = |key: &str| fields.get(key).map(|v| (*v).to_string());
    Facts {
        version: text("redis_version"),
        role: text("role"),
        used_memory: number("used_memory"),
        maxmemory: number("maxmemory"),
        policy: text("maxmemory_policy"),
        clients: number("connected_clients"),
        maxclients: number("maxclients"),
    }
}

/// Records the ping step: a replica fails it (writes get READONLY), tight
/// memory or clients and an evicting policy are findings.
/// `serve`'s gauges of the Redis check, from `INFO`.
pub(crate) const MEMORY_USED: Gauge = Gauge {
    name: "redis_memory_used_bytes",
    help: "Redis used_memory",
};
pub(crate) const MEMORY_LIMIT: Gauge = Gauge {
    name: "redis_memory_limit_bytes",
    help: "Redis maxmemory (0: no limit)",
};
pub(crate) const CLIENTS: Gauge = Gauge {
    name: "redis_clients",
    help: "Redis connected_clients",
};
pub(crate) const CLIENTS_ALLOWED: Gauge = Gauge {
    name: "redis_clients_allowed",
    help: "Redis maxclients",
};
pub(crate) const GAUGES: &[&Gauge] = &[&MEMORY_USED, &MEMORY_LIMIT, &CLIENTS, &CLIENTS_ALLOWED];

pub(crate) fn record(facts: &Facts, db: i64, duration: Option<Duration>, ladder: &mut Ladder) {
    let readings = ladder.readings();
    readings.set(&MEMORY_USED, facts.used_memory);
    readings.set(&MEMORY_LIMIT, facts.maxmemory);
    readings.set(&CLIENTS, facts.clients);
    readings.set(&CLIENTS_ALLOWED, facts.maxclients);
    let detail = messages::redis_ping_detail(facts.version.as_deref(), db);
    if facts.role.as_deref() == Some("slave") {
        let failure = Failure::new(Code::ReadOnly, messages::redis_replica(&detail));
        return ladder.fail_with(StepName::Ping, duration, failure);
    }
    note_memory(facts, ladder);
    note_clients(facts, ladder);
    ladder.pass_with(StepName::Ping, duration, detail);
}

fn note_memory(facts: &Facts, ladder: &mut Ladder) {
    let (Some(used), Some(max)) = (facts.used_memory, facts.maxmemory.filter(|&m| m > 0)) else {
        return;
    };
    let policy = facts.policy.as_deref().unwrap_or("noeviction");
    if policy.starts_with("allkeys-") {
        ladder.finding(Finding::warn(
            FindingCode::MemoryHeadroom,
            messages::redis_evicts_all(policy),
        ));
    } else if used as f64 >= WARN_MEMORY * max as f64 {
        // noeviction and volatile-* (when too few keys have a TTL) both
        // answer writes with OOM once memory is full.
        ladder.finding(Finding::warn(
            FindingCode::MemoryHeadroom,
            messages::redis_memory_full(used, max),
        ));
    }
}

fn note_clients(facts: &Facts, ladder: &mut Ladder) {
    let (Some(clients), Some(max)) = (facts.clients, facts.maxclients.filter(|&m| m > 0)) else {
        return;
    };
    if clients as f64 >= WARN_CLIENTS * max as f64 {
        ladder.finding(Finding::warn(
            FindingCode::ConnectionHeadroom,
            msg::redis_clients(clients, max),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_fields_it_needs() {
        let info = "# Server\r\nredis_version:7.0.15\r\n# Memory\r\nused_memory:1000\r\nmaxmemory:2000\r\nmaxmemory_policy:allkeys-lru\r\n# Replication\r\nrole:master\r\n";
        let facts = parse(Some(&Ok(Value::BulkString(info.as_bytes().to_vec()))));
        assert_eq!(facts.version.as_deref(), Some("7.0.15"));
        assert_eq!(
            (facts.used_memory, facts.maxmemory),
            (Some(1000), Some(2000))
        );
        assert_eq!(facts.policy.as_deref(), Some("allkeys-lru"));
        assert_eq!(facts.role.as_deref(), Some("master"));
        assert_eq!(parse(None), Facts::default());
    }
}
