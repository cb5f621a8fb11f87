//! RabbitMQ and other AMQP 0-9-1 brokers (Celery's and Dramatiq's broker
//! URLs): the URL as kombu reads it, the wire protocol written here, the
//! probe (dns → tcp → tls → auth → open), the facts read from the
//! server, and the advice.

pub(crate) mod advice;
pub(crate) mod facts;
pub(crate) mod probe;
pub(crate) mod url;
pub(crate) mod wire;

use super::Description;

/// AMQP as the registry lists it.
pub(crate) const KIND: Description = Description {
    // Celery's transport names (`pyamqp://`, `librabbitmq://`) are AMQP
    // URLs kombu reads the same way.
    is_scheme: |scheme| url::SCHEMES.contains(&scheme),
    // kombu reads no other `amqp+…://` form.
    is_unread_scheme: |_| false,
    steps: probe::STEPS,
    advise: advice::advise,
    can_heal: crate::model::Code::can_heal,
    gauges: facts::GAUGES,
};
