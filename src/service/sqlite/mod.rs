//! SQLite: a `DATABASE_URL` naming a file, checked as a file (nothing to
//! dial).

pub(crate) mod probe;
pub(crate) mod url;

use super::Description;

/// SQLite as the registry lists it. A SQLite `DATABASE_URL` stands in the
/// database check's place: it has no scheme of its own for discovery, and
/// keeps the database's ladder and remedies.
pub(crate) const KIND: Description = Description {
    is_scheme: |_| false,
    is_unread_scheme: |_| false,
    steps: super::postgres::KIND.steps,
    advise: super::postgres::advice::advise,
    can_heal: crate::model::Code::can_heal,
    gauges: &[],
};
