//! Redis: the URL with redis-rs' rules, the probe (dns → tcp → tls →
//! auth → ping), the facts read from INFO, and the advice.

pub(crate) mod advice;
pub(crate) mod facts;
pub(crate) mod messages;
pub(crate) mod probe;
pub(crate) mod reply;
pub(crate) mod url;

use crate::model::StepName;

use super::Description;

/// Redis as the registry lists it.
pub(crate) const KIND: Description = Description {
    // `redis+sentinel://` and the like are not URLs redis-rs reads.
    is_scheme: |scheme| matches!(scheme, "redis" | "rediss"),
    // `redis+sentinel://`, `redis-cluster://` and the like.
    is_unread_scheme: |base| base.starts_with("redis"),
    steps: &[
        StepName::Config,
        StepName::Dns,
        StepName::Tcp,
        StepName::Tls,
        StepName::Auth,
        StepName::Ping,
    ],
    advise: advice::advise,
    can_heal: crate::model::Code::can_heal,
    gauges: facts::GAUGES,
};
