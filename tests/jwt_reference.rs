//! JWT settings through the app's own libraries and through railconn:
//! PyJWT with `cryptography` (installed with pip into a venv under the
//! target directory) and Node's jsonwebtoken (installed with npm there too),
//! each driven by a minimal app in `tests/jwt/` that reads the settings from
//! the environment, signs a token and verifies it.
//!
//! Where a library refuses (or PyJWT warns), railconn must not pass: it
//! fails, or warns with the difference named. Where a library signs and
//! verifies, railconn must pass, unless the case names docs/jwt.md's
//! documented reason for being stricter. A failed install skips the
//! library with the reason printed; it never passes silently otherwise.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::harness::check_json;
use crate::support::railconn;

/// A library's verdict on one set of settings.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Verdict {
    Ok,
    Warned(String),
    Refused(String),
}

fn verdict(line: &str) -> Verdict {
    let line = line.trim();
    if line == "ok" {
        Verdict::Ok
    } else if let Some(why) = line.strip_prefix("warned ") {
        Verdict::Warned(why.to_string())
    } else if let Some(why) = line.strip_prefix("refused ") {
        Verdict::Refused(why.to_string())
    } else {
        panic!("the reference app printed {line:?}")
    }
}

/// A library, ready to run: the interpreter and the app with its module
/// search path.
struct Reference {
    name: &'static str,
    program: PathBuf,
    app: PathBuf,
    env: Vec<(&'static str, PathBuf)>,
}

impl Reference {
    fn judge(&self, settings: &[(&str, &str)]) -> Verdict {
        let mut cmd = Command::new(&self.program);
        cmd.arg(&self.app).env_clear();
        for (k, v) in &self.env {
            cmd.env(k, v);
        }
        for (k, v) in settings {
            cmd.env(k, v);
        }
        let out = cmd.output().expect("run the reference app");
        assert!(
            out.status.success(),
            "{} app failed: {}",
            self.name,
            String::from_utf8_lossy(&out.stderr)
        );
        verdict(&String::from_utf8_lossy(&out.stdout))
    }
}

fn work_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("jwt-reference");
    std::fs::create_dir_all(&dir).expect("create the reference dir");
    dir
}

fn app(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/jwt")
        .join(name)
}

fn ran(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?}: {}",
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .last()
                .unwrap_or("")
        ))
    }
}

/// PyJWT and `cryptography` from `PyPI` in a venv, once per target directory.
fn pyjwt() -> Result<Reference, String> {
    let venv = work_dir().join("venv");
    let python = venv.join("bin/python");
    let ready = |python: &Path| {
        Command::new(python)
            .args(["-c", "import jwt, cryptography"])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !ready(&python) {
        ran(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
        ran(Command::new(&python).args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "pyjwt",
            "cryptography",
        ]))?;
    }
    Ok(Reference {
        name: "PyJWT",
        program: python,
        app: app("app.py"),
        env: Vec::new(),
    })
}

/// jsonwebtoken from npm, once per target directory; needs node.
fn jsonwebtoken() -> Result<Reference, String> {
    let node = which("node").ok_or("node is not on PATH")?;
    let dir = work_dir().join("node");
    let modules = dir.join("node_modules");
    if !modules.join("jsonwebtoken/package.json").exists() {
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        ran(Command::new("npm")
            .args(["install", "--silent", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .arg("jsonwebtoken"))?;
    }
    Ok(Reference {
        name: "jsonwebtoken",
        program: node,
        app: app("app.js"),
        env: vec![("NODE_PATH", modules)],
    })
}

fn which(program: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(program))
            .find(|p| p.is_file())
    })
}

/// railconn's verdict: the jwt check's status and code (failure code, or
/// the first warning finding's).
fn railconn_verdict(settings: &[(&str, &str)]) -> (String, String) {
    let mut run = railconn();
    for (k, v) in settings {
        run.env(k, v);
    }
    let (report, _) = check_json(&mut run, &["--only", "jwt"]);
    let jwt = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "jwt")
        .unwrap()
        .clone();
    let status = jwt["status"].as_str().unwrap().to_string();
    let code = jwt["error"]["code"]
        .as_str()
        .or_else(|| {
            jwt["findings"]
                .as_array()
                .and_then(|f| f.iter().find(|f| f["severity"] == "warn"))
                .and_then(|f| f["code"].as_str())
        })
        .unwrap_or("")
        .to_string();
    (status, code)
}

/// One set of settings, and where railconn is stricter than a library on
/// purpose: (library, documented reason).
struct Case {
    name: &'static str,
    settings: Vec<(&'static str, String)>,
    documented: &'static [(&'static str, &'static str)],
}

fn openssl(dir: &Path, args: &[&str]) {
    let status = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run openssl")
        .status;
    assert!(status.success(), "openssl {args:?}");
}

/// Key pairs made by openssl: (private PEM, public PEM, private key path).
fn keys(dir: &Path, name: &str, genpkey: &[&str]) -> (String, String, String) {
    let key = format!("{name}.pem");
    let public = format!("{name}.pub");
    let mut args = vec!["genpkey"];
    args.extend_from_slice(genpkey);
    args.extend_from_slice(&["-out", &key]);
    openssl(dir, &args);
    openssl(dir, &["pkey", "-in", &key, "-pubout", "-out", &public]);
    let read = |f: &str| std::fs::read_to_string(dir.join(f)).unwrap();
    (
        read(&key),
        read(&public),
        dir.join(&key).display().to_string(),
    )
}

fn one_line(pem: &str) -> String {
    pem.trim_end().replace('\n', "\\n")
}

const SECRET: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const WEAK: &[(&str, &str)] = &[
    ("PyJWT", "weak_secret: RFC 7518 §3.2 key length"),
    ("jsonwebtoken", "weak_secret: RFC 7518 §3.2 key length"),
];

#[allow(clippy::too_many_lines)]
fn cases(dir: &Path) -> Vec<Case> {
    let rsa = keys(dir, "rsa", &["-algorithm", "RSA"]);
    let other = keys(dir, "other", &["-algorithm", "RSA"]);
    let small = keys(
        dir,
        "small",
        &["-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
    );
    let ec = keys(
        dir,
        "ec",
        &["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"],
    );
    let ed = keys(dir, "ed", &["-algorithm", "ed25519"]);
    openssl(dir, &["ec", "-in", "ec.pem", "-out", "sec1.pem"]);
    openssl(
        dir,
        &[
            "req", "-new", "-x509", "-key", "rsa.pem", "-subj", "/CN=app", "-days", "30", "-out",
            "cert.pem",
        ],
    );
    let cert = std::fs::read_to_string(dir.join("cert.pem")).unwrap();
    let sec1 = std::fs::read_to_string(dir.join("sec1.pem")).unwrap();
    let s = |v: &str| v.to_string();
    let hs =
        |alg: &str, secret: &str| vec![("JWT_ALGORITHM", s(alg)), ("JWT_SECRET_KEY", s(secret))];
    let pair = |alg: &str, private: &str, public: &str| {
        vec![
            ("JWT_ALGORITHM", s(alg)),
            ("JWT_PRIVATE_KEY", s(private)),
            ("JWT_PUBLIC_KEY", s(public)),
        ]
    };
    let case = |name, settings, documented| Case {
        name,
        settings,
        documented,
    };
    let ssh =
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl app@host";
    vec![
        case("HS256 secret", hs("HS256", SECRET), &[]),
        case("HS384 secret", hs("HS384", SECRET), &[]),
        case("HS512 secret", hs("HS512", SECRET), &[]),
        case(
            "HS256 default algorithm",
            vec![("JWT_SECRET_KEY", s(SECRET))],
            &[],
        ),
        case(
            "HS256 via SECRET_KEY and ALGORITHM",
            vec![("ALGORITHM", s("HS256")), ("SECRET_KEY", s(SECRET))],
            &[],
        ),
        case("algorithm with a trailing space", hs("HS256 ", SECRET), &[]),
        case("algorithm with a leading space", hs(" RS256", SECRET), &[]),
        case("algorithm in lower case", hs("hs256", SECRET), &[]),
        case(
            "algorithm none",
            hs("none", SECRET),
            &[
                (
                    "PyJWT",
                    "unsupported_algorithm: unsigned tokens are refused by design",
                ),
                (
                    "jsonwebtoken",
                    "unsupported_algorithm: unsigned tokens are refused by design",
                ),
            ],
        ),
        case("12-byte secret", hs("HS256", "short-secret"), WEAK),
        case(
            "HS512 with a 32-byte secret",
            hs("HS512", &SECRET[..32]),
            WEAK,
        ),
        case(
            "tutorial placeholder",
            hs("HS256", "your-256-bit-secret"),
            WEAK,
        ),
        case("public PEM as HMAC secret", hs("HS256", &rsa.1), &[]),
        case("private PEM as HMAC secret", hs("HS256", &rsa.0), &[]),
        case(
            "one-line public PEM as HMAC secret",
            hs("HS256", &one_line(&rsa.1)),
            &[(
                "jsonwebtoken",
                "invalid_key: PyJWT's algorithm-confusion guard",
            )],
        ),
        case(
            "OpenSSH key as HMAC secret",
            hs("HS256", ssh),
            &[(
                "jsonwebtoken",
                "invalid_key: PyJWT's algorithm-confusion guard",
            )],
        ),
        case("RS256 pair", pair("RS256", &rsa.0, &rsa.1), &[]),
        case("RS512 pair", pair("RS512", &rsa.0, &rsa.1), &[]),
        case("PS256 pair", pair("PS256", &rsa.0, &rsa.1), &[]),
        case(
            "RS256 private key only",
            vec![
                ("JWT_ALGORITHM", s("RS256")),
                ("JWT_PRIVATE_KEY", s(&rsa.0)),
            ],
            &[],
        ),
        case(
            "RS256 literal \\n private key",
            pair("RS256", &one_line(&rsa.0), &rsa.1),
            &[],
        ),
        case(
            "RS256 literal \\n public key",
            pair("RS256", &rsa.0, &one_line(&rsa.1)),
            &[],
        ),
        case("RS256 private key path", pair("RS256", &rsa.2, &rsa.1), &[]),
        case(
            "RS256 public key of another pair",
            pair("RS256", &rsa.0, &other.1),
            &[],
        ),
        case(
            "RS256 public key as private key",
            pair("RS256", &rsa.1, &rsa.1),
            &[],
        ),
        case(
            "RS256 private key as public key",
            pair("RS256", &rsa.0, &rsa.0),
            &[(
                "jsonwebtoken",
                "invalid_key: a private key in JWT_PUBLIC_KEY, as in PyJWT",
            )],
        ),
        case(
            "RS256 certificate as public key",
            pair("RS256", &rsa.0, &cert),
            &[("jsonwebtoken", "key_format: PyJWT refuses a certificate")],
        ),
        case("ES384 with a P-256 key", pair("ES384", &ec.0, &ec.1), &[]),
        case(
            "HS256 secret with a trailing newline",
            hs("HS256", &format!("{SECRET}\n")),
            &[],
        ),
        case("RS256 1024-bit key", pair("RS256", &small.0, &small.1), &[]),
        case("ES256 pair", pair("ES256", &ec.0, &ec.1), &[]),
        case("ES256 with an RSA key", pair("ES256", &rsa.0, &rsa.1), &[]),
        case("RS256 with an EC key", pair("RS256", &ec.0, &ec.1), &[]),
        case(
            "EdDSA pair",
            pair("EdDSA", &ed.0, &ed.1),
            &[("jsonwebtoken", "pass: jsonwebtoken 9 has no EdDSA")],
        ),
        case("ES256 SEC1 private key", pair("ES256", &sec1, &ec.1), &[]),
        case(
            "key text that is not PEM",
            pair("RS256", "not a key", &rsa.1),
            &[],
        ),
    ]
}

#[test]
fn jwt_settings_are_judged_as_pyjwt_and_jsonwebtoken_judge_them() {
    let mut references = Vec::new();
    for (name, reference) in [("PyJWT", pyjwt()), ("jsonwebtoken", jsonwebtoken())] {
        match reference {
            Ok(r) => references.push(r),
            Err(why) => println!("skipping {name}: {why}"),
        }
    }
    if references.is_empty() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut agree = 0;
    let mut documented = 0;
    let mut disagreements = Vec::new();
    let cases = cases(dir.path());
    for case in &cases {
        let settings: Vec<(&str, &str)> = case
            .settings
            .iter()
            .map(|(k, v)| (*k, v.as_str()))
            .collect();
        let (status, code) = railconn_verdict(&settings);
        let outcome = if code.is_empty() { &status } else { &code };
        for reference in &references {
            let theirs = reference.judge(&settings);
            let fine = match &theirs {
                Verdict::Ok => status == "pass",
                Verdict::Warned(_) | Verdict::Refused(_) => status != "pass",
            };
            let reason = case
                .documented
                .iter()
                .find(|(lib, _)| *lib == reference.name)
                .map(|(_, why)| *why);
            match (fine, reason) {
                (true, _) => agree += 1,
                (false, Some(why)) if why.starts_with(outcome.as_str()) => {
                    documented += 1;
                }
                _ => disagreements.push(format!(
                    "{}: {} says {theirs:?}, railconn {status} {code} (documented: {reason:?})",
                    case.name, reference.name
                )),
            }
        }
    }
    println!(
        "{} cases x {} libraries: {agree} agree, {documented} documented differences, {} disagree",
        cases.len(),
        references.len(),
        disagreements.len()
    );
    assert!(disagreements.is_empty(), "{disagreements:#?}");
}
