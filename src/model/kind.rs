//! The kinds of service railconn checks, as a name: the word the report's
//! `kind` and `kind:NAME` use, and the key of a provider's tips. The
//! registry's answers for each kind (its schemes, ladder, advice, probe)
//! are in `service`, which adds them to this type; the name lives here, on
//! the ground floor, so that `provider` can key its table by kind without
//! importing `service` (which imports `provider`).

/// A kind of service, as the report's `kind` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Kind {
    Postgresql,
    Sqlite,
    Redis,
    /// MySQL and MariaDB.
    Mysql,
    /// RabbitMQ and other AMQP 0-9-1 brokers (issue 21).
    Amqp,
    Jwt,
}

impl Kind {
    /// The registry: every kind railconn checks.
    pub(crate) const ALL: [Kind; 6] = [
        Kind::Postgresql,
        Kind::Sqlite,
        Kind::Redis,
        Kind::Mysql,
        Kind::Amqp,
        Kind::Jwt,
    ];

    /// The wire name, as in the report's `kind` and in `kind:NAME`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Postgresql => "postgresql",
            Kind::Sqlite => "sqlite",
            Kind::Redis => "redis",
            Kind::Mysql => "mysql",
            Kind::Amqp => "amqp",
            Kind::Jwt => "jwt",
        }
    }

    /// The kind with this wire name.
    pub(crate) fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }
}
