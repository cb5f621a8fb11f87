//! A `sqlite:` `DATABASE_URL`, as FastAPI and pydantic-settings apps often
//! default to: `sqlite:///relative.db` (three slashes), `sqlite:////abs.db`
//! (four), `sqlite://` or `sqlite:///:memory:` (in memory), optionally with a
//! SQLAlchemy driver (`sqlite+aiosqlite://`). There is nothing to dial; the
//! check looks at the file, and at where it lives on Railway.

use std::path::PathBuf;

use crate::model::Provenance;
use crate::source::secret::Secret;

/// A SQLite database named by `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqliteTarget {
    /// The URL as given, with a `SQLCipher` passphrase (`:pass@` or
    /// `?password=` / `?key=`, as pysqlcipher and sqlcipher take it) masked.
    pub url: String,
    pub source: Provenance,
    /// `None` for an in-memory database.
    pub path: Option<PathBuf>,
    /// Railway's volume mount, when set: the only place data survives a
    /// redeploy.
    pub volume: Option<PathBuf>,
    /// A `SQLCipher` passphrase, kept only to be masked in what is printed.
    pub passphrase: Option<Secret>,
}

/// Query parameters that carry a `SQLCipher` key.
const SECRET_PARAMS: &[&str] = &["password", "key", "cipher_key", "hexkey"];

impl SqliteTarget {
    /// `Some` when `value` is a SQLite URL.
    pub(crate) fn parse(value: &str, source: Provenance, volume: Option<PathBuf>) -> Option<Self> {
        let (scheme, rest) = value.split_once("://")?;
        let base = scheme.split('+').next().unwrap_or_default();
        if !base.eq_ignore_ascii_case("sqlite") {
            return None;
        }
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        // SQLAlchemy's form is `sqlite://<authority>/<path>`; the authority
        // is empty except for pysqlcipher's `:passphrase@`.
        let (authority, file) = rest.split_once('/').unwrap_or((rest, ""));
        let path = (!file.is_empty() && file != ":memory:").then(|| PathBuf::from(file));
        let userinfo = authority.rsplit_once('@').map(|(info, _)| info);
        let from_authority = userinfo
            .map(|info| info.split_once(':').map_or(info, |(_, pass)| pass))
            .filter(|p| !p.is_empty());
        let from_query = query.split('&').find_map(|pair| {
            let (name, value) = pair.split_once('=')?;
            SECRET_PARAMS.contains(&name).then_some(value)
        });
        let passphrase = from_authority
            .or(from_query)
            .map(|p| Secret::new(percent_encoding::percent_decode_str(p).decode_utf8_lossy()));
        Some(Self {
            url: redacted(scheme, authority, file, query),
            source,
            path,
            volume,
            passphrase,
        })
    }
}

fn redacted(scheme: &str, authority: &str, file: &str, query: &str) -> String {
    let authority = match authority.rsplit_once('@') {
        Some((info, host)) => {
            let user = info.split_once(':').map_or("", |(user, _)| user);
            format!("{user}:***@{host}")
        }
        None => authority.to_string(),
    };
    let mut out = format!("{scheme}://{authority}/{file}");
    if !query.is_empty() {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((name, _)) if SECRET_PARAMS.contains(&name) => format!("{name}=***"),
                _ => pair.to_string(),
            })
            .collect();
        out.push('?');
        out.push_str(&pairs.join("&"));
    }
    if file.is_empty() && query.is_empty() && !authority.contains('@') {
        // `sqlite://` stays as given.
        out.pop();
    }
    out.chars().filter(|c| !c.is_control()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlalchemy_forms() {
        let parse = |v: &str| SqliteTarget::parse(v, Provenance::Default, None).map(|t| t.path);
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

    #[test]
    fn sqlcipher_passphrases_are_masked() {
        let t = SqliteTarget::parse(
            "sqlite+pysqlcipher://:s3cret@/app.db",
            Provenance::Default,
            None,
        )
        .unwrap();
        assert_eq!(t.url, "sqlite+pysqlcipher://:***@/app.db");
        assert_eq!(t.path, Some(PathBuf::from("app.db")));
        assert_eq!(t.passphrase.as_ref().map(Secret::expose), Some("s3cret"));
        let t = SqliteTarget::parse(
            "sqlite:///app.db?password=s3cret&mode=ro",
            Provenance::Default,
            None,
        )
        .unwrap();
        assert_eq!(t.url, "sqlite:///app.db?password=***&mode=ro");
        assert_eq!(t.path, Some(PathBuf::from("app.db")));
        assert!(!format!("{t:?}").contains("s3cret"));
        let t = SqliteTarget::parse("sqlite://", Provenance::Default, None).unwrap();
        assert_eq!(t.url, "sqlite://");
    }
}
