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
