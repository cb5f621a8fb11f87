//! Where a database lives: the provider behind a host name, read from one
//! table ([`table::PROVIDERS`], one row per provider, each citing the
//! provider's documentation it was written from). A row recognises its
//! hosts, may say that the endpoint is a connection pooler, replaces
//! generic causes and fixes with the provider's own ([`Tip`], worded by
//! [`provider_tip`]), and may override whether `wait` should wait out a code.
//!
//! Matching is by host name only (never by resolving or dialing it), plus
//! environment hints where the name tells nothing (Heroku's plain AWS
//! names). When several rows match, the most specific one wins: the
//! longest matching suffix, so `*.railway.internal` beats Fly's
//! `*.internal`, and a row gated by an environment hint beats any suffix.

pub(crate) mod pooler;
pub(crate) mod table;

use crate::i18n::{Advice, Message, msg};
use serde::Serialize;

pub(crate) use crate::model::Tip;
use crate::model::{Code, Kind};

pub(crate) use self::pooler::{Evidence, PoolMode, Pooler, PoolerKind};

/// One row of the table.
#[derive(Debug)]
pub(crate) struct Provider {
    /// Stable identifier, as in the JSON report (`railway_proxy`); the
    /// catalogs name the row for people by it (`provider_name`).
    pub id: &'static str,
    /// The documentation page the row was written from.
    pub doc: &'static str,
    /// Which host names are this provider's.
    pub hosts: &'static [HostRule],
    /// When the endpoint is a connection pooler.
    pub pooler: &'static [PoolerRule],
    /// Causes and fixes that replace the generic ones.
    pub tips: &'static [TipRule],
    /// Codes whose `wait` decision differs here from the code's default.
    pub heals: &'static [(Code, bool)],
    /// Accepts only encrypted connections: an unencrypted URL is a
    /// warning that names the provider, not "fine on a private network".
    pub tls_only: bool,
}

/// How a row recognises a host name (lower case, without a trailing dot).
#[derive(Debug, Clone, Copy)]
pub(crate) enum HostRule {
    /// The name ends with this suffix (which starts with a dot).
    Suffix(&'static str),
    /// The first label is exactly `label` and the rest ends with `suffix`
    /// (`db.<ref>.supabase.co`).
    FirstLabel(&'static str, &'static str),
    /// A name of one label starting with this prefix (Render's internal
    /// `dpg-…-a` and `red-…`).
    SingleLabel(&'static str),
    /// The suffix, but only when the environment says where the app runs.
    WithHint(&'static str, Hint),
}

/// Environment variables that tell where the app runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hint {
    /// `DYNO` or any `HEROKU_*` variable is set (Heroku's dyno manager
    /// sets `DYNO`; the Heroku Labs `runtime-dyno-metadata` sets
    /// `HEROKU_APP_NAME` and friends).
    Heroku,
}

/// What the environment says, gathered once by `Config`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hints {
    pub heroku: bool,
}

impl Hints {
    fn has(self, hint: Hint) -> bool {
        match hint {
            Hint::Heroku => self.heroku,
        }
    }
}

/// When a row's endpoint is a pooler.
#[derive(Debug, Clone, Copy)]
pub(crate) enum PoolerRule {
    /// On this port.
    Port(u16, PoolerKind, Option<PoolMode>),
    /// When the first label of the host ends with this (Neon's `-pooler`).
    LabelEnds(&'static str, PoolerKind, Option<PoolMode>),
}

/// A provider's own cause and fix for a code, on every check of one kind
/// (or of every kind): a discovered `CELERY_BROKER_URL` gets the same words
/// as `REDIS_URL` at the same provider.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TipRule {
    pub kind: Option<Kind>,
    pub code: Code,
    pub tip: Tip,
}

/// Shorthand for the table: a tip for every check.
pub(crate) const fn any(code: Code, tip: Tip) -> TipRule {
    TipRule {
        kind: None,
        code,
        tip,
    }
}

/// Shorthand for the table: a tip for PostgreSQL checks only.
pub(crate) const fn pg(code: Code, tip: Tip) -> TipRule {
    TipRule {
        kind: Some(Kind::Postgresql),
        code,
        tip,
    }
}

/// Shorthand for the table: a tip for Redis checks only.
pub(crate) const fn redis(code: Code, tip: Tip) -> TipRule {
    TipRule {
        kind: Some(Kind::Redis),
        code,
        tip,
    }
}

/// Shorthand for the table: a tip for MySQL and MariaDB checks only.
pub(crate) const fn mysql(code: Code, tip: Tip) -> TipRule {
    TipRule {
        kind: Some(Kind::Mysql),
        code,
        tip,
    }
}

/// Shorthand for the table: a tip for AMQP (RabbitMQ) checks only.
pub(crate) const fn amqp(code: Code, tip: Tip) -> TipRule {
    TipRule {
        kind: Some(Kind::Amqp),
        code,
        tip,
    }
}

/// The row for hosts no rule matches: today's generic advice.
pub(crate) static UNKNOWN: Provider = Provider {
    id: "unknown",
    doc: "",
    hosts: &[],
    pooler: &[],
    tips: &[],
    heals: &[],
    tls_only: false,
};

impl Provider {
    /// The provider's cause and fix for `code` on a check of `kind`, if it
    /// has one.
    pub(crate) fn tip(&self, kind: Kind, code: Code) -> Option<Tip> {
        self.tips
            .iter()
            .find(|t| t.code == code && t.kind.is_none_or(|k| k == kind))
            .map(|t| t.tip)
    }

    /// Whether `wait` should wait out `code` here, when the provider knows
    /// better than the code's default (a public name that does not resolve
    /// will not start resolving; an allow-list does not open by itself).
    pub(crate) fn heals(&self, code: Code) -> Option<bool> {
        self.heals.iter().find(|(c, _)| *c == code).map(|(_, h)| *h)
    }

    /// The pooler the host and port say is in front, if any.
    pub(crate) fn pooler_at(&self, host: &str, port: u16) -> Option<Pooler> {
        let host = normalize(host);
        let first_label = host.split('.').next().unwrap_or_default();
        self.pooler.iter().find_map(|rule| match *rule {
            PoolerRule::Port(p, kind, mode) if p == port => Some(Pooler {
                kind,
                mode,
                evidence: Evidence::Port,
            }),
            PoolerRule::LabelEnds(end, kind, mode) if first_label.ends_with(end) => Some(Pooler {
                kind,
                mode,
                evidence: Evidence::Host,
            }),
            _ => None,
        })
    }

    /// How specifically this row matches `host`; `None` when it does not.
    fn specificity(&self, host: &str, hints: Hints) -> Option<usize> {
        self.hosts
            .iter()
            .filter_map(|r| r.matches(host, hints))
            .max()
    }
}

impl HostRule {
    fn matches(self, host: &str, hints: Hints) -> Option<usize> {
        /// An environment hint decides over any host suffix.
        const HINTED: usize = 1000;
        match self {
            HostRule::Suffix(suffix) => host.ends_with(suffix).then_some(suffix.len()),
            HostRule::FirstLabel(label, suffix) => {
                let (first, rest) = host.split_once('.')?;
                (first == label && format!(".{rest}").ends_with(suffix))
                    .then_some(label.len() + suffix.len())
            }
            HostRule::SingleLabel(prefix) => {
                (!host.contains('.') && host.starts_with(prefix)).then_some(prefix.len())
            }
            HostRule::WithHint(suffix, hint) => {
                (hints.has(hint) && host.ends_with(suffix)).then_some(HINTED + suffix.len())
            }
        }
    }
}

/// Host names compare in lower case, without a trailing dot.
fn normalize(host: &str) -> String {
    host.trim_end_matches('.').to_ascii_lowercase()
}

/// The provider of `host`: the most specific matching row, or [`UNKNOWN`].
pub(crate) fn identify(host: &str, hints: Hints) -> &'static Provider {
    let host = normalize(host);
    table::PROVIDERS
        .iter()
        .filter_map(|p| p.specificity(&host, hints).map(|s| (s, p)))
        .max_by_key(|(s, _)| *s)
        .map_or(&UNKNOWN, |(_, p)| p)
}

/// The provider and pooler of one target, as the report names them.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ProviderReport {
    /// The row itself, for decisions made after the report (`wait`).
    #[serde(skip)]
    pub row: &'static Provider,
    /// Stable identifier: match on this (`unknown` when no row matched).
    pub id: &'static str,
    /// The row's name in the report's language (the catalogs name rows by
    /// id).
    pub name: Message,
    /// The provider documentation the advice was written from.
    pub doc: Option<&'static str>,
    /// A connection pooler in front of the database, when one is known.
    pub pooler: Option<Pooler>,
}

impl ProviderReport {
    pub(crate) fn new(provider: &'static Provider, pooler: Option<Pooler>) -> Self {
        Self {
            row: provider,
            id: provider.id,
            name: msg::provider_name(provider.id),
            doc: (!provider.doc.is_empty()).then_some(provider.doc),
            pooler,
        }
    }
}

/// A provider's own cause and fix (the table in `provider/table.rs` says
/// which tip applies to which host, check and code).
pub(crate) fn provider_tip(tip: Tip) -> Advice {
    use Tip::*;
    match tip {
        RailwayPrivateDnsPostgres => msg::tip_railway_private_dns_postgres(),
        RailwayPrivateDnsRedis => msg::tip_railway_private_dns_redis(),
        RailwayPrivateRefused => msg::tip_railway_private_refused(),
        RailwayProxyClosedPostgres => msg::tip_railway_proxy_closed_postgres(),
        RailwayProxyClosedRedis => msg::tip_railway_proxy_closed_redis(),
        RailwayProxyRefused => msg::tip_railway_proxy_refused(),
        RailwayProxyGone => msg::tip_railway_proxy_gone(),
        RenderInternalOnly => msg::tip_render_internal_only(),
        RenderExpired => msg::tip_render_expired(),
        RenderAllowList => msg::tip_render_allow_list(),
        RenderTls => msg::tip_render_tls(),
        HerokuRotated => msg::tip_heroku_rotated(),
        HerokuTls => msg::tip_heroku_tls(),
        HerokuRedisCertificate => msg::tip_heroku_redis_certificate(),
        FlyPrivateOnly => msg::tip_fly_private_only(),
        FlyListenIpv6 => msg::tip_fly_listen_ipv6(),
        FlycastNoService => msg::tip_flycast_no_service(),
        NeonTlsAndSni => msg::tip_neon_tls_and_sni(),
        NeonColdStart => msg::tip_neon_cold_start(),
        NeonGone => msg::tip_neon_gone(),
        NeonTooManyConnections => msg::tip_neon_too_many_connections(),
        SupabaseIpv6Only => msg::tip_supabase_ipv6_only(),
        SupabasePausedOrGone => msg::tip_supabase_paused_or_gone(),
        SupabaseTenant => msg::tip_supabase_tenant(),
        SupabaseSessionFull => msg::tip_supabase_session_full(),
        SupabasePoolerDatabase => msg::tip_supabase_pooler_database(),
        AivenIpFilter => msg::tip_aiven_ip_filter(),
        AivenTls => msg::tip_aiven_tls(),
        AivenGone => msg::tip_aiven_gone(),
        RdsSecurityGroup => msg::tip_rds_security_group(),
        RdsTls => msg::tip_rds_tls(),
        RdsGone => msg::tip_rds_gone(),
        DigitalOceanTrustedSources => msg::tip_digitalocean_trusted_sources(),
        DigitalOceanTls => msg::tip_digitalocean_tls(),
        DigitalOceanPoolName => msg::tip_digitalocean_pool_name(),
        UpstashTls => msg::tip_upstash_tls(),
        UpstashGone => msg::tip_upstash_gone(),
        UpstashToken => msg::tip_upstash_token(),
        UpstashRestUrl => msg::tip_upstash_rest_url(),
        UpstashNoAnswer => msg::tip_upstash_no_answer(),
        RedisCloudGone => msg::tip_redis_cloud_gone(),
        RedisCloudAllowList => msg::tip_redis_cloud_allow_list(),
        RedisCloudTls => msg::tip_redis_cloud_tls(),
        ElastiCacheVpcOnly => msg::tip_elasticache_vpc_only(),
        ElastiCacheTls => msg::tip_elasticache_tls(),
        PoolerNoSuchDatabase => msg::tip_pooler_no_such_database(),
        PoolerFull => msg::tip_pooler_full(),
        PoolerAuth => msg::tip_pooler_auth(),
        PoolerCannotReachServer => msg::tip_pooler_cannot_reach_server(),
        RailwayPrivateDnsMysql => msg::tip_railway_private_dns_mysql(),
        RailwayPrivateDnsAmqp => msg::tip_railway_private_dns_amqp(),
        RailwayMysqlDatabase => msg::tip_railway_mysql_database(),
        PlanetScaleTls => msg::tip_planetscale_tls(),
        PlanetScaleDatabase => msg::tip_planetscale_database(),
        AivenMysqlTls => msg::tip_aiven_mysql_tls(),
        AivenMysqlPort => msg::tip_aiven_mysql_port(),
        RdsMysqlTls => msg::tip_rds_mysql_tls(),
        CloudAmqpVhost => msg::tip_cloudamqp_vhost(),
        CloudAmqpConnectionLimit => msg::tip_cloudamqp_connection_limit(),
        CloudAmqpPorts => msg::tip_cloudamqp_ports(),
    }
}
