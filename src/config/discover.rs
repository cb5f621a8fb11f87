//! Targets assembled from component variables, as libpq and Railway's
//! templates provide them: `PGHOST`, `PGPORT`, `PGUSER`, `PGPASSWORD`,
//! `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT` (libpq-envars.html) and
//! Railway Redis's `REDISHOST`, `REDISPORT`, `REDISUSER`, `REDISPASSWORD`,
//! and Railway MySQL's `MYSQLHOST`, `MYSQLPORT`, `MYSQLUSER`,
//! `MYSQLPASSWORD`, `MYSQLDATABASE`.
//! Used when no URL variable is set; the report names every variable used.

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use crate::model::Provenance;
use crate::source::{EnvSource, Var};

/// A URL built from components, and the variables it came from.
pub(crate) struct Composed {
    pub source: Provenance,
    pub url: String,
}

/// The PostgreSQL URL libpq would build from `PG*` variables.
pub(crate) fn postgres(env: &EnvSource) -> Option<Composed> {
    let host = env.get("PGHOST")?;
    let parts = Parts::gather(
        env,
        &[
            "PGPORT",
            "PGUSER",
            "PGPASSWORD",
            "PGDATABASE",
            "PGSSLMODE",
            "PGSSLROOTCERT",
        ],
    );
    let mut url = format!(
        "postgresql://{}{}",
        credentials(parts.get("PGUSER"), parts.get("PGPASSWORD")),
        bracketed(&host.value)
    );
    push_port(&mut url, parts.get("PGPORT"));
    url.push('/');
    url.push_str(&encode(parts.get("PGDATABASE").unwrap_or_default()));
    let query: Vec<String> = [("sslmode", "PGSSLMODE"), ("sslrootcert", "PGSSLROOTCERT")]
        .iter()
        .filter_map(|(key, var)| parts.get(var).map(|v| format!("{key}={}", encode(v))))
        .collect();
    if !query.is_empty() {
        url.push('?');
        url.push_str(&query.join("&"));
    }
    Some(Composed {
        source: parts.describe(&host),
        url,
    })
}

/// The Redis URL Railway's `REDIS*` variables describe.
pub(crate) fn redis(env: &EnvSource) -> Option<Composed> {
    let host = env.get("REDISHOST")?;
    let parts = Parts::gather(env, &["REDISPORT", "REDISUSER", "REDISPASSWORD"]);
    let mut url = format!(
        "redis://{}{}",
        credentials(parts.get("REDISUSER"), parts.get("REDISPASSWORD")),
        bracketed(&host.value)
    );
    push_port(&mut url, parts.get("REDISPORT"));
    Some(Composed {
        source: parts.describe(&host),
        url,
    })
}

/// The MySQL URL Railway's `MYSQL*` variables describe (its MySQL
/// template sets `MYSQLHOST`, `MYSQLPORT`, `MYSQLUSER`, `MYSQLPASSWORD` and
/// `MYSQLDATABASE`).
pub(crate) fn mysql(env: &EnvSource) -> Option<Composed> {
    let host = env.get("MYSQLHOST")?;
    let parts = Parts::gather(
        env,
        &["MYSQLPORT", "MYSQLUSER", "MYSQLPASSWORD", "MYSQLDATABASE"],
    );
    let mut url = format!(
        "mysql://{}{}",
        credentials(parts.get("MYSQLUSER"), parts.get("MYSQLPASSWORD")),
        bracketed(&host.value)
    );
    push_port(&mut url, parts.get("MYSQLPORT"));
    url.push('/');
    url.push_str(&encode(parts.get("MYSQLDATABASE").unwrap_or_default()));
    Some(Composed {
        source: parts.describe(&host),
        url,
    })
}

/// The component variables that are set.
struct Parts(Vec<Var>);

impl Parts {
    fn gather(env: &EnvSource, names: &[&'static str]) -> Self {
        Self(names.iter().filter_map(|name| env.get(name)).collect())
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|v| v.name == name)
            .map(|v| v.value.as_str())
    }

    /// `PGHOST, PGUSER, PGPASSWORD (.env)`: names only, never values.
    fn describe(&self, host: &Var) -> Provenance {
        Provenance::Components {
            names: std::iter::once(host.name)
                .chain(self.0.iter().map(|v| v.name))
                .collect(),
            origin: host.origin.clone(),
        }
    }
}

/// Appends `:PORT`; anything but digits is percent-encoded so it cannot
/// smuggle a path or query into the URL (the URL check then names it).
fn push_port(url: &mut String, port: Option<&str>) {
    if let Some(port) = port {
        url.push(':');
        url.push_str(&encode(port.trim()));
    }
}

fn credentials(user: Option<&str>, password: Option<&str>) -> String {
    match (user, password) {
        (None, None) => String::new(),
        (user, None) => format!("{}@", encode(user.unwrap_or_default())),
        (user, Some(password)) => {
            format!("{}:{}@", encode(user.unwrap_or_default()), encode(password))
        }
    }
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

fn bracketed(host: &str) -> String {
    let host = host.trim();
    // Only a real IPv6 address gets brackets (`db.example:6543` is a typo
    // the URL check will name, not an address).
    if host.parse::<std::net::Ipv6Addr>().is_ok() {
        format!("[{host}]")
    } else if host.starts_with('/') || host.starts_with('@') {
        // A Unix-socket directory (libpq-envars.html: PGHOST may be one),
        // percent-encoded as libpq reads it in a URL's host.
        encode(host)
    } else {
        host.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_variables_make_a_url_with_encoded_credentials() {
        let env = EnvSource::from_pairs([
            ("PGHOST", "db.example"),
            ("PGUSER", "app"),
            ("PGPASSWORD", "p@ss"),
            ("PGDATABASE", "railway"),
        ]);
        let composed = postgres(&env).unwrap();
        assert_eq!(composed.url, "postgresql://app:p%40ss@db.example/railway");
        assert_eq!(
            composed.source.message().to_string(),
            "PGHOST, PGUSER, PGPASSWORD, PGDATABASE (environment)"
        );
        assert!(postgres(&EnvSource::from_pairs([("PGUSER", "x")])).is_none());
    }

    /// Issue 20: a socket directory in `PGHOST` stays the host.
    #[test]
    fn a_socket_directory_in_pghost_is_the_host() {
        let env = EnvSource::from_pairs([("PGHOST", "/var/run/postgresql"), ("PGPORT", "5433")]);
        let url = postgres(&env).unwrap().url;
        assert_eq!(url, "postgresql://%2Fvar%2Frun%2Fpostgresql:5433/");
        let target = crate::service::postgres::url::PgTarget::parse(&url).unwrap();
        assert_eq!(target.host, "/var/run/postgresql");
    }

    #[test]
    fn railway_redis_variables_make_a_url() {
        let env = EnvSource::from_pairs([
            ("REDISHOST", "redis.railway.internal"),
            ("REDISPORT", "6379"),
            ("REDISUSER", "default"),
            ("REDISPASSWORD", "pw"),
        ]);
        assert_eq!(
            redis(&env).unwrap().url,
            "redis://default:pw@redis.railway.internal:6379"
        );
    }
}
