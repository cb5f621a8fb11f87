//! A `sqlite:` `DATABASE_URL`, as FastAPI and pydantic-settings apps often
//! default to: `sqlite:///relative.db` (three slashes), `sqlite:////abs.db`
//! (four), `sqlite://` or `sqlite:///:memory:` (in memory), optionally with a
//! SQLAlchemy driver (`sqlite+aiosqlite://`). There is nothing to dial; the
//! check looks at the file, and at where it lives on Railway.

use std::path::PathBuf;

/// A SQLite database named by `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteTarget {
    /// The URL as given (a SQLite URL holds no credentials).
    pub url: String,
    pub source: String,
    /// `None` for an in-memory database.
    pub path: Option<PathBuf>,
    /// Railway's volume mount, when set: the only place data survives a
    /// redeploy.
    pub volume: Option<PathBuf>,
}

impl SqliteTarget {
    /// `Some` when `value` is a SQLite URL.
    pub fn parse(value: &str, source: String, volume: Option<PathBuf>) -> Option<Self> {
        let (scheme, rest) = value.split_once("://")?;
        let base = scheme.split('+').next().unwrap_or_default();
        if !base.eq_ignore_ascii_case("sqlite") {
            return None;
        }
        let file = rest.strip_prefix('/').unwrap_or(rest);
        let file = file.split('?').next().unwrap_or_default();
        let path = (!file.is_empty() && file != ":memory:").then(|| PathBuf::from(file));
        Some(Self {
            url: value.to_string(),
            source,
            path,
            volume,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlalchemy_forms() {
        let parse = |v: &str| SqliteTarget::parse(v, String::new(), None).map(|t| t.path);
        assert_eq!(
            parse("sqlite:///./app.db"),
            Some(Some(PathBuf::from("./app.db")))
        );
        assert_eq!(
            parse("sqlite:////data/app.db"),
            Some(Some(PathBuf::from("/data/app.db")))
        );
        assert_eq!(
            parse("sqlite+aiosqlite:///app.db"),
            Some(Some(PathBuf::from("app.db")))
        );
        assert_eq!(parse("sqlite://"), Some(None));
        assert_eq!(parse("sqlite:///:memory:"), Some(None));
        assert_eq!(parse("postgresql://h/d"), None);
    }
}
