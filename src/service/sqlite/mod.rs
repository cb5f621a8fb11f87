//! SQLite: a `DATABASE_URL` naming a file, checked as a file (nothing to
//! dial).

pub mod probe;
pub mod url;
