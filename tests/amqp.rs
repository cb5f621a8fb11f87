//! The RabbitMQ check (issue 21) against the machine's RabbitMQ, through
//! a throw-away user and vhosts: a Celery app's `CELERY_BROKER_URL` that
//! passes, one with a wrong password, an unknown vhost, a forbidden one;
//! a broker in a memory alarm (a node of our own); a peer that is not AMQP
//! (a protocol-level fake peer: no real server answers that way).

use crate::harness::{assert_failure, assert_passed, check, check_json, detail};
use crate::support::rabbitmq::{RABBITMQ_PORT, RabbitScratch, rabbit_alarmed, rabbit_tls};
use crate::support::{Fault, fault, pki::pki, railconn};

/// `railconn check` with `CELERY_BROKER_URL` set, and only that check.
fn celery(url: &str) -> serde_json::Value {
    let mut run = railconn();
    run.env("CELERY_BROKER_URL", url);
    check_json(&mut run, &["--only", "CELERY_BROKER_URL"]).0
}

#[test]
fn a_celery_broker_url_passes_and_a_wrong_password_fails_under_its_name() {
    let rabbit = RabbitScratch::new();
    let r = celery(&rabbit.url(&rabbit.vhost));
    assert_passed(&r, "CELERY_BROKER_URL");
    assert_eq!(check(&r, "CELERY_BROKER_URL")["kind"], "amqp", "{r:#}");
    assert!(
        detail(&r, "CELERY_BROKER_URL", "auth").contains("RabbitMQ"),
        "{r:#}"
    );
    assert!(
        detail(&r, "CELERY_BROKER_URL", "open").contains(&rabbit.vhost),
        "{r:#}"
    );
    assert!(!r.to_string().contains(&rabbit.password), "{r:#}");

    let wrong = format!(
        "amqp://{}:wrong-pw@127.0.0.1:{RABBITMQ_PORT}/{}",
        rabbit.user, rabbit.vhost
    );
    let r = celery(&wrong);
    assert_failure(&r, "CELERY_BROKER_URL", "auth", "auth_failed");
    assert!(r.to_string().contains("ACCESS_REFUSED"), "{r:#}");
    assert!(!r.to_string().contains("wrong-pw"), "{r:#}");
}

#[test]
fn an_unknown_and_a_forbidden_vhost_are_named() {
    let rabbit = RabbitScratch::new();
    let r = celery(&rabbit.url("railconn_no_such_vhost"));
    assert_failure(&r, "CELERY_BROKER_URL", "open", "database_not_found");
    assert!(r.to_string().contains("railconn_no_such_vhost"), "{r:#}");
    let r = celery(&rabbit.url(&rabbit.forbidden));
    assert_failure(&r, "CELERY_BROKER_URL", "open", "access_denied");
    assert!(r.to_string().contains(&rabbit.forbidden), "{r:#}");
}

/// RabbitMQ tells a publishing connection that an alarm blocks it: the
/// check still passes, with a warning that publishing will hang.
#[test]
fn a_memory_alarm_is_a_finding() {
    let node = rabbit_alarmed();
    let r = celery(&format!("amqp://guest:guest@127.0.0.1:{}/", node.port));
    assert_passed(&r, "CELERY_BROKER_URL");
    let findings = check(&r, "CELERY_BROKER_URL")["findings"].to_string();
    assert!(findings.contains("low on memory"), "{r:#}");
}

/// amqps:// to a TLS-only node of our own: py-amqp verifies the chain
/// against OpenSSL's default store (the test CA only through
/// `SSL_CERT_FILE`); `ssl_cert_reqs=` in the URL makes it fail with a
/// `TypeError`; amqp:// to the TLS port is told to use amqps://.
#[test]
fn amqps_verifies_the_chain_as_kombu_does() {
    let port = rabbit_tls().port;
    let url = format!("amqps://guest:guest@127.0.0.1:{port}/");
    let r = celery(&format!("{url}?ssl_cert_reqs=CERT_NONE"));
    assert_failure(&r, "CELERY_BROKER_URL", "config", "invalid_url");
    let r = celery(&url);
    assert_failure(&r, "CELERY_BROKER_URL", "tls", "certificate_invalid");
    let mut run = railconn();
    run.env("CELERY_BROKER_URL", &url);
    run.env("SSL_CERT_FILE", pki().ca_cert.to_str().unwrap());
    let r = check_json(&mut run, &["--only", "CELERY_BROKER_URL"]).0;
    assert_passed(&r, "CELERY_BROKER_URL");
    assert!(
        detail(&r, "CELERY_BROKER_URL", "tls").contains("TLS"),
        "{r:#}"
    );
    let r = celery(&format!("amqp://guest:guest@127.0.0.1:{port}/"));
    let (step, code) = crate::harness::failure(&r, "CELERY_BROKER_URL").expect("a failure");
    assert_eq!(code, "tls_required", "{step}: {r:#}");
}

/// amqplib trusts Node's store: the CA in `NODE_EXTRA_CA_CERTS` passes,
/// the same CA through `SSL_CERT_FILE` does not (amqplib 2.3.1 fails
/// with `UNABLE_TO_VERIFY_LEAF_SIGNATURE`, the matrix's
/// `amqps_tls_ssl_cert_file`).
#[test]
fn amqplib_verifies_against_nodes_store() {
    let port = rabbit_tls().port;
    let ca = pki().ca_cert.to_str().unwrap().to_string();
    let amqplib = |var: &str| {
        let mut run = railconn();
        run.env(
            "CELERY_BROKER_URL",
            format!("amqps://guest:guest@127.0.0.1:{port}/"),
        );
        run.env(var, &ca);
        let args = ["--only", "CELERY_BROKER_URL", "--driver", "amqplib@2.3.1"];
        check_json(&mut run, &args).0
    };
    assert_passed(&amqplib("NODE_EXTRA_CA_CERTS"), "CELERY_BROKER_URL");
    let r = amqplib("SSL_CERT_FILE");
    assert_failure(&r, "CELERY_BROKER_URL", "tls", "certificate_invalid");
    assert!(r.to_string().contains("NODE_EXTRA_CA_CERTS"), "{r:#}");
}

/// A fake peer at the protocol level: an HTTP server on the broker's
/// address (the management UI's port, say) answers with HTTP.
#[test]
fn a_peer_that_is_not_amqp_is_a_protocol_error() {
    let port = fault(Fault::RespondAfterRead(
        b"HTTP/1.1 400 Bad Request\r\ncontent-length: 0\r\n\r\n",
    ));
    let r = celery(&format!("amqp://guest:guest@127.0.0.1:{port}/"));
    assert_failure(&r, "CELERY_BROKER_URL", "auth", "protocol_error");
}

/// Issue 21, item 4: a Celery app on RabbitMQ has no Redis. When its
/// manifests name no Redis client, a missing `REDIS_URL` is not checked
/// (no failure, no JWT memory-fallback warning) and a note says why; when
/// they name one, it stays critical.
#[test]
fn a_missing_redis_url_is_not_critical_when_the_manifests_name_no_redis_client() {
    let redis_of = |requirements: &str| {
        let mut run = railconn();
        std::fs::write(run.dir.path().join("requirements.txt"), requirements).unwrap();
        run.env("CELERY_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/");
        let r = check_json(&mut run, &[]).0;
        check(&r, "redis").clone()
    };
    let redis = redis_of("celery==5.4.0\npsycopg2-binary\n");
    assert_eq!(redis["status"], "skip", "{redis:#}");
    assert_eq!(redis["required"], false, "{redis:#}");
    assert!(
        redis["findings"].to_string().contains("requirements.txt"),
        "{redis:#}"
    );
    let redis = redis_of("celery[redis]==5.4.0\n");
    assert_eq!(redis["required"], true, "{redis:#}");
}

/// The printed fix for an unknown vhost, typed as printed (NAME and USER
/// filled in), makes the check pass: `add_vhost` alone would leave the
/// user without permissions there (seen by a new user).
#[test]
fn the_unknown_vhost_fix_works_as_printed() {
    let rabbit = RabbitScratch::new();
    let made = format!("{}_made", rabbit.vhost);
    let r = celery(&rabbit.url(&made));
    assert_failure(&r, "CELERY_BROKER_URL", "open", "database_not_found");
    let fix = check(&r, "CELERY_BROKER_URL")["fix"]
        .as_str()
        .unwrap()
        .to_string();
    let commands: Vec<String> = fix
        .split("rabbitmqctl ")
        .skip(1)
        .map(|c| {
            let c = c.split([',', '(']).next().unwrap().trim();
            c.replace("NAME", &made).replace("USER", &rabbit.user)
        })
        .collect();
    assert_eq!(commands.len(), 2, "{fix}");
    for command in &commands {
        let args: Vec<&str> = command.split(' ').map(|a| a.trim_matches('"')).collect();
        let status = std::process::Command::new("rabbitmqctl")
            .args(&args)
            .output()
            .unwrap()
            .status;
        assert!(status.success(), "rabbitmqctl {args:?}");
    }
    let r = celery(&rabbit.url(&made));
    let _ = std::process::Command::new("rabbitmqctl")
        .args(["delete_vhost", &made])
        .output();
    assert_passed(&r, "CELERY_BROKER_URL");
}
