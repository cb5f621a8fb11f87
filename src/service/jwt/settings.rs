//! JWT settings as the app reads them (the names FastAPI, Flask and Node apps use): the secret, the
//! algorithm, optional PEM key pair, and the access-token lifetime. Values
//! are only gathered here; judging them is the JWT probe's job, so a weak
//! secret is a finding in the report rather than a refusal to run.

use crate::model::Origin;
use crate::source::secret::Secret;
use crate::source::{EnvSource, Var, vars};

/// Variables holding the HMAC secret, first one set wins (names from the
/// one declaration, `source::vars`).
pub(crate) const SECRET_VARS: &[&str] = &[
    vars::JWT_SECRET_KEY.name,
    vars::JWT_SECRET.name,
    vars::SECRET_KEY.name,
];
pub(crate) const ALGORITHM_VARS: &[&str] = &[vars::JWT_ALGORITHM.name, vars::ALGORITHM.name];
pub(crate) const PRIVATE_KEY_VAR: &str = vars::JWT_PRIVATE_KEY.name;
pub(crate) const PUBLIC_KEY_VAR: &str = vars::JWT_PUBLIC_KEY.name;
pub(crate) const LIFETIME_VARS: &[&str] = &[
    vars::ACCESS_TOKEN_EXPIRE_MINUTES.name,
    vars::JWT_ACCESS_TOKEN_EXPIRE_MINUTES.name,
];
pub(crate) const DEFAULT_ALGORITHM: &str = "HS256";

/// A secret value and the variable it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretVar {
    pub name: &'static str,
    pub origin: Origin,
    pub value: Secret,
    /// False when the environment held bytes that are not UTF-8.
    pub utf8: bool,
}

impl SecretVar {
    fn from_var(var: Var) -> Self {
        Self {
            name: var.name,
            origin: var.origin,
            utf8: var.utf8,
            value: Secret::new(var.value),
        }
    }
}

/// A plain (non-secret) setting and the variable it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlainVar {
    pub name: &'static str,
    pub value: String,
    pub origin: Origin,
}

/// Everything the JWT check looks at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JwtSettings {
    pub secret: Option<SecretVar>,
    /// `None` means the default, HS256.
    pub algorithm: Option<PlainVar>,
    pub private_key: Option<SecretVar>,
    pub public_key: Option<SecretVar>,
    pub lifetime_minutes: Option<PlainVar>,
}

impl JwtSettings {
    pub fn from_env(env: &EnvSource) -> Self {
        let plain = |var: Var| PlainVar {
            name: var.name,
            value: var.value,
            origin: var.origin,
        };
        Self {
            secret: env.first(SECRET_VARS).map(SecretVar::from_var),
            algorithm: env.first(ALGORITHM_VARS).map(plain),
            private_key: env.get(PRIVATE_KEY_VAR).map(SecretVar::from_var),
            public_key: env.get(PUBLIC_KEY_VAR).map(SecretVar::from_var),
            lifetime_minutes: env.first(LIFETIME_VARS).map(plain),
        }
    }

    /// The algorithm name exactly as configured (PyJWT and jsonwebtoken do
    /// not trim it either), or the default.
    pub fn algorithm_name(&self) -> &str {
        self.algorithm
            .as_ref()
            .map_or(DEFAULT_ALGORITHM, |a| a.value.as_str())
    }
}
