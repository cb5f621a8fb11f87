//! The machine's RabbitMQ (127.0.0.1:5672, issue 21: every development and
//! CI machine runs it), used only through throw-away vhosts and users with
//! unique names, made with `rabbitmqctl` and deleted when the value drops.
//! Nothing global of the shared node is changed: no alarm, no limit, no
//! setting.

use std::process::Command;
use std::sync::atomic::{AtomicU32, Ordering};

/// The shared broker's AMQP port.
pub const RABBITMQ_PORT: u16 = 5672;

/// A vhost the user may use, a vhost it may not, and the user.
pub struct RabbitScratch {
    pub user: String,
    pub password: String,
    /// The user has every permission here.
    pub vhost: String,
    /// Exists, but the user has no permission here.
    pub forbidden: String,
}

fn rabbitmqctl(args: &[&str]) {
    let output = Command::new("rabbitmqctl")
        .args(args)
        .output()
        .expect("run rabbitmqctl (RabbitMQ is installed on every machine of the project)");
    assert!(
        output.status.success(),
        "rabbitmqctl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

impl RabbitScratch {
    /// A new user and two vhosts, named after the process and a counter.
    pub fn new() -> RabbitScratch {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let tag = format!(
            "railconn_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let scratch = RabbitScratch {
            user: format!("{tag}_user"),
            password: format!("{tag}-secret-pw"),
            vhost: format!("{tag}_vhost"),
            forbidden: format!("{tag}_forbidden"),
        };
        rabbitmqctl(&["add_vhost", &scratch.vhost]);
        rabbitmqctl(&["add_vhost", &scratch.forbidden]);
        rabbitmqctl(&["add_user", &scratch.user, &scratch.password]);
        rabbitmqctl(&[
            "set_permissions",
            "-p",
            &scratch.vhost,
            &scratch.user,
            ".*",
            ".*",
            ".*",
        ]);
        scratch
    }

    /// `amqp://user:password@127.0.0.1:5672/VHOST`.
    pub fn url(&self, vhost: &str) -> String {
        format!(
            "amqp://{}:{}@127.0.0.1:{RABBITMQ_PORT}/{vhost}",
            self.user, self.password
        )
    }
}

impl Drop for RabbitScratch {
    fn drop(&mut self) {
        for args in [
            ["delete_user", self.user.as_str()],
            ["delete_vhost", self.vhost.as_str()],
            ["delete_vhost", self.forbidden.as_str()],
        ] {
            let _ = Command::new("rabbitmqctl").args(args).output();
        }
    }
}

/// A RabbitMQ node of our own: the shared broker must never be put in an
/// alarm or given a TLS listener. It listens on a free loopback port and
/// stops when the test process is gone.
pub struct OwnNode {
    pub port: u16,
}

/// A node in a memory alarm from its start
/// (`vm_memory_high_watermark.absolute = 1MB`), started once per test
/// process (about 10 s).
pub fn rabbit_alarmed() -> &'static OwnNode {
    static NODE: std::sync::OnceLock<OwnNode> = std::sync::OnceLock::new();
    NODE.get_or_init(|| {
        start_node(
            |port, _| {
                format!(
                    "listeners.tcp.default = 127.0.0.1:{port}\n\
                     vm_memory_high_watermark.absolute = 1MB\n"
                )
            },
            |node, port| {
                std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() && in_alarm(node)
            },
        )
    })
}

/// A node that speaks AMQP only over TLS (`listeners.tcp = none`), with
/// the test PKI's server certificate for `localhost` and `127.0.0.1`.
pub fn rabbit_tls() -> &'static OwnNode {
    static NODE: std::sync::OnceLock<OwnNode> = std::sync::OnceLock::new();
    NODE.get_or_init(|| {
        start_node(
            |port, dir| {
                let pki = super::pki::pki();
                for (from, to) in [
                    (&pki.server_cert, "server.crt"),
                    (&pki.server_key, "server.key"),
                ] {
                    std::fs::copy(from, dir.join(to)).expect("copy the server certificate");
                }
                format!(
                    "listeners.tcp = none\n\
                     listeners.ssl.default = 127.0.0.1:{port}\n\
                     ssl_options.certfile = {}\n\
                     ssl_options.keyfile = {}\n\
                     ssl_options.verify = verify_none\n\
                     ssl_options.fail_if_no_peer_cert = false\n",
                    dir.join("server.crt").display(),
                    dir.join("server.key").display()
                )
            },
            |_, port| std::net::TcpStream::connect(("127.0.0.1", port)).is_ok(),
        )
    })
}

/// Starts `rabbitmq-server` with the config `conf` writes (given the
/// port and the node's directory), and waits until `ready`.
fn start_node(
    conf: impl Fn(u16, &std::path::Path) -> String,
    ready: impl Fn(&str, u16) -> bool,
) -> OwnNode {
    use super::lifecycle;
    let dir = lifecycle::scratch_dir("railconn-rabbit-");
    let port = lifecycle::free_port();
    let dist = lifecycle::free_port();
    let node = format!("railconn_{}_{port}@localhost", std::process::id());
    std::fs::write(dir.join("rabbitmq.conf"), conf(port, &dir)).expect("write rabbitmq.conf");
    std::fs::write(dir.join("enabled_plugins"), "[].\n").expect("write enabled_plugins");
    // rabbitmq-server runs the node as the `rabbitmq` user: it writes its
    // database and logs in our directory, and reads the key there.
    lifecycle::run_checked(
        "chown the node's directory",
        Command::new("chown").args(["-R", "rabbitmq"]).arg(&dir),
    );
    let path = |name: &str| format!("{}", dir.join(name).display());
    let vars = [
        format!("RABBITMQ_NODENAME={node}"),
        format!("RABBITMQ_NODE_PORT={port}"),
        format!("RABBITMQ_DIST_PORT={dist}"),
        format!("RABBITMQ_CONFIG_FILE={}", path("rabbitmq.conf")),
        format!("RABBITMQ_ENABLED_PLUGINS_FILE={}", path("enabled_plugins")),
        format!("RABBITMQ_MNESIA_BASE={}", path("mnesia")),
        format!("RABBITMQ_FEATURE_FLAGS_FILE={}", path("feature_flags")),
        format!("RABBITMQ_LOG_BASE={}", dir.display()),
        format!("RABBITMQ_PID_FILE={}", path("rabbit.pid")),
    ];
    let log = dir.join("watchdog.log");
    let stop = format!(r#"rabbitmqctl -n {node} stop >/dev/null 2>&1; kill -TERM "$spid""#);
    let mut command: Vec<&std::ffi::OsStr> = vec!["env".as_ref()];
    command.extend(vars.iter().map(std::ffi::OsStr::new));
    command.push("rabbitmq-server".as_ref());
    lifecycle::supervise(&dir, &log, &stop, &command);
    lifecycle::wait_ready(&format!("rabbitmq node {node}"), &dir, &log, || {
        ready(&node, port)
    });
    OwnNode { port }
}

fn in_alarm(node: &str) -> bool {
    Command::new("rabbitmq-diagnostics")
        .args(["-q", "-n", node, "alarms"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("Memory alarm"))
}
