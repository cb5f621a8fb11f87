//! PostgreSQL: the URL with libpq's rules, the probe (dns → tcp → tls →
//! auth → query), the facts read from the server, and the advice.

pub(crate) mod advice;
pub(crate) mod facts;
pub(crate) mod libpq_uri;
pub(crate) mod messages;
pub(crate) mod probe;
pub(crate) mod scram;
pub(crate) mod sslrequest;
pub(crate) mod startup;
pub(crate) mod url;
pub(crate) mod wire;

use crate::model::StepName;

use super::Description;

/// PostgreSQL as the registry lists it.
pub(crate) const KIND: Description = Description {
    // SQLAlchemy's and asyncpg's `postgresql+asyncpg://` name the driver
    // after a `+`: still a PostgreSQL URL.
    is_scheme: |scheme| matches!(scheme.split('+').next(), Some("postgres" | "postgresql")),
    // Every `postgresql+DRIVER://` is read as PostgreSQL.
    is_unread_scheme: |_| false,
    steps: &[
        StepName::Config,
        StepName::Dns,
        StepName::Tcp,
        StepName::Tls,
        StepName::Auth,
        StepName::Query,
    ],
    advise: advice::advise,
    can_heal: crate::model::Code::can_heal,
    gauges: facts::GAUGES,
};
