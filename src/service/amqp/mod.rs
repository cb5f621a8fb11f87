//! RabbitMQ and other AMQP 0-9-1 brokers (Celery's and Dramatiq's broker
//! URLs): the URL as kombu reads it, the wire protocol written here, the
//! probe (dns → tcp → tls → auth → open), the facts read from the
//! server, and the advice.

pub(crate) mod advice;
pub(crate) mod facts;
pub(crate) mod probe;
pub(crate) mod url;
pub(crate) mod wire;
