//! SQLite: a `DATABASE_URL` naming a file, checked as a file (nothing to
//! dial).

pub(crate) mod probe;
pub(crate) mod url;
