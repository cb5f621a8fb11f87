//! The JWT check with real key material made by openssl: RSA and EC key
//! pairs as PEM text, as files, and pasted with literal `\n`.

use std::path::Path;
use std::process::Command;

use crate::harness::{assert_failure, assert_passed, check, check_json};
use crate::support::railconn;

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .status()
        .expect("run openssl");
    assert!(status.success(), "openssl {args:?}");
}

fn rsa_pair(dir: &Path, bits: &str, name: &str) -> (String, String) {
    let key = format!("{name}.pem");
    let public = format!("{name}.pub");
    openssl(
        dir,
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            &format!("rsa_keygen_bits:{bits}"),
            "-out",
            &key,
        ],
    );
    openssl(dir, &["pkey", "-in", &key, "-pubout", "-out", &public]);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    (read(&key), read(&public))
}

fn jwt(env: &[(&str, &str)]) -> serde_json::Value {
    let mut run = railconn();
    for (k, v) in env {
        run.env(k, v);
    }
    check_json(&mut run, &["--only", "jwt"]).0
}

/// The jwt check's findings, by code.
fn finding_codes(report: &serde_json::Value) -> Vec<String> {
    check(report, "jwt")["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| f["code"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn rsa_pair_as_text_passes_but_a_path_or_literal_newlines_warn() {
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = rsa_pair(dir.path(), "2048", "a");
    let r = jwt(&[
        ("JWT_ALGORITHM", "RS256"),
        ("JWT_PRIVATE_KEY", &private),
        ("JWT_PUBLIC_KEY", &public),
    ]);
    assert_passed(&r, "jwt");
    // PyJWT and jsonwebtoken take both values as they are and refuse them:
    // railconn reads them, but never as a silent pass (issue 10).
    let key_path = dir.path().join("a.pem").display().to_string();
    let r = jwt(&[
        ("JWT_ALGORITHM", "PS256"),
        ("JWT_PRIVATE_KEY", &key_path),
        ("JWT_PUBLIC_KEY", &public.replace('\n', "\\n")),
    ]);
    assert_eq!(check(&r, "jwt")["status"], "warn", "{r:#}");
    assert_eq!(finding_codes(&r), ["key_format", "key_format"], "{r:#}");
    let text = r.to_string();
    assert!(text.contains("JWT_PRIVATE_KEY is a path"), "{r:#}");
    assert!(text.contains("JWT_PUBLIC_KEY is PEM with literal"), "{r:#}");
    assert!(
        !text.contains("PRIVATE KEY-----\\nMI") && !text.contains("PUBLIC KEY-----\\nMI"),
        "key material in report"
    );
    assert!(!text.contains("is fine"), "{r:#}");
}

#[test]
fn algorithm_with_spaces_and_a_key_as_hmac_secret_fail_as_in_pyjwt() {
    let r = jwt(&[
        ("JWT_ALGORITHM", "HS256 "),
        ("JWT_SECRET_KEY", crate::harness::JWT_SECRET),
    ]);
    assert_failure(&r, "jwt", "config", "unsupported_algorithm");
    assert!(
        check(&r, "jwt")["error"]["message"]
            .as_str()
            .unwrap()
            .contains("spaces"),
        "{r:#}"
    );
    // The report points at the variable that is wrong, not at the secret.
    assert!(
        check(&r, "jwt")["source"]
            .as_str()
            .is_some_and(|s| s.starts_with("JWT_ALGORITHM")),
        "{r:#}"
    );
    let dir = tempfile::tempdir().unwrap();
    let (private, public) = rsa_pair(dir.path(), "2048", "a");
    for key in [public.as_str(), private.as_str()] {
        let r = jwt(&[("JWT_SECRET_KEY", key)]);
        assert_failure(&r, "jwt", "key", "invalid_key");
        assert!(
            !r.to_string().contains("-----BEGIN"),
            "key material in report"
        );
    }
}

/// A secret pasted into `JWT_ALGORITHM` by mistake: the error gives only
/// its length, and so must the target, in `check` and in `env`.
#[test]
fn a_secret_in_jwt_algorithm_is_not_shown_as_the_target() {
    let pasted = "s3cr3t-pasted-into-the-wrong-variable-0123456789";
    let r = jwt(&[
        ("JWT_ALGORITHM", pasted),
        ("JWT_SECRET_KEY", crate::harness::JWT_SECRET),
    ]);
    assert_failure(&r, "jwt", "config", "unsupported_algorithm");
    assert!(!r.to_string().contains(pasted), "{r:#}");
    assert!(
        check(&r, "jwt")["target"]
            .as_str()
            .is_some_and(|t| t.contains("not shown")),
        "{r:#}"
    );
    let out = railconn()
        .env("JWT_ALGORITHM", pasted)
        .args(["env", "--no-env-file"])
        .run();
    let text = crate::support::stdout(&out);
    assert!(!text.contains(pasted), "{text}");
    // A plain name still reads as itself, trimmed (the error names the spaces).
    let r = jwt(&[
        ("JWT_ALGORITHM", "HS256 "),
        ("JWT_SECRET_KEY", crate::harness::JWT_SECRET),
    ]);
    assert_eq!(check(&r, "jwt")["target"], "JWT HS256", "{r:#}");
}

#[test]
fn mismatched_and_small_rsa_keys_fail() {
    let dir = tempfile::tempdir().unwrap();
    let (private, _) = rsa_pair(dir.path(), "2048", "a");
    let (_, other_public) = rsa_pair(dir.path(), "2048", "b");
    let r = jwt(&[
        ("JWT_ALGORITHM", "RS256"),
        ("JWT_PRIVATE_KEY", &private),
        ("JWT_PUBLIC_KEY", &other_public),
    ]);
    assert_failure(&r, "jwt", "roundtrip", "invalid_key");
    let (small, small_public) = rsa_pair(dir.path(), "1024", "c");
    let r = jwt(&[
        ("JWT_ALGORITHM", "RS256"),
        ("JWT_PRIVATE_KEY", &small),
        ("JWT_PUBLIC_KEY", &small_public),
    ]);
    let (_, code) = crate::harness::failure(&r, "jwt").expect("1024-bit RSA must fail");
    assert_eq!(code, "invalid_key", "{r:#}");
}

#[test]
fn ec_keys_pass_as_pkcs8_and_as_sec1() {
    let dir = tempfile::tempdir().unwrap();
    openssl(
        dir.path(),
        &[
            "ecparam",
            "-name",
            "prime256v1",
            "-genkey",
            "-noout",
            "-out",
            "sec1.pem",
        ],
    );
    openssl(
        dir.path(),
        &[
            "pkcs8", "-topk8", "-nocrypt", "-in", "sec1.pem", "-out", "p8.pem",
        ],
    );
    openssl(
        dir.path(),
        &["ec", "-in", "sec1.pem", "-pubout", "-out", "pub.pem"],
    );
    let read = |f: &str| std::fs::read_to_string(dir.path().join(f)).unwrap();
    let r = jwt(&[
        ("JWT_ALGORITHM", "ES256"),
        ("JWT_PRIVATE_KEY", &read("p8.pem")),
        ("JWT_PUBLIC_KEY", &read("pub.pem")),
    ]);
    assert_passed(&r, "jwt");
    // SEC1, as `openssl ecparam -genkey` writes it: PyJWT and Node load it.
    let r = jwt(&[
        ("JWT_ALGORITHM", "ES256"),
        ("JWT_PRIVATE_KEY", &read("sec1.pem")),
        ("JWT_PUBLIC_KEY", &read("pub.pem")),
    ]);
    assert_passed(&r, "jwt");
}

#[test]
fn lifetime_warnings_and_missing_key() {
    let r = jwt(&[
        ("JWT_SECRET_KEY", crate::harness::JWT_SECRET),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "11520"),
    ]);
    assert_eq!(check(&r, "jwt")["status"], "warn", "{r:#}");
    let r = jwt(&[
        ("JWT_SECRET_KEY", crate::harness::JWT_SECRET),
        ("ACCESS_TOKEN_EXPIRE_MINUTES", "soon"),
    ]);
    assert_failure(&r, "jwt", "config", "invalid_value");
    let r = jwt(&[("JWT_ALGORITHM", "RS256")]);
    assert_failure(&r, "jwt", "config", "missing_config");
}
