//! The provider table: one row per provider (and endpoint kind where a
//! provider has two with different rules). Each row cites the page it was
//! written from; the words of each [`Tip`] are chosen by
//! [`provider_tip`](super::provider_tip).

use super::PoolMode::{Session, Transaction};
use super::PoolerKind::{Pgbouncer, Supavisor};
use super::{Hint, HostRule::*, PoolerRule, Provider, Tip, amqp, any, mysql, pg, redis};
use crate::model::Code::*;

/// Every known provider. Order does not matter: the most specific match
/// wins (see the module docs).
pub(crate) static PROVIDERS: &[Provider] = &[
    // Private names exist only inside a running deployment of the same
    // project and environment; legacy environments are IPv6-only, so a
    // service must listen on `::`. Railway's MySQL template names its
    // database `railway` (MYSQLDATABASE) and its public twin
    // MYSQL_PUBLIC_URL (https://docs.railway.com/guides/mysql); the
    // RabbitMQ template's private name is `rabbitmq.railway.internal` style
    // like every service's, its public variable name is not documented, so
    // its tip names `*_PUBLIC_URL` (https://railway.com/template/rabbitmq).
    Provider {
        id: "railway_private",
        doc: "https://docs.railway.com/reference/private-networking",
        hosts: &[Suffix(".railway.internal")],
        pooler: &[],
        tips: &[
            pg(DnsNotFound, Tip::RailwayPrivateDnsPostgres),
            redis(DnsNotFound, Tip::RailwayPrivateDnsRedis),
            mysql(DnsNotFound, Tip::RailwayPrivateDnsMysql),
            amqp(DnsNotFound, Tip::RailwayPrivateDnsAmqp),
            mysql(DatabaseNotFound, Tip::RailwayMysqlDatabase),
            any(ConnectionRefused, Tip::RailwayPrivateRefused),
        ],
        heals: &[],
        tls_only: false,
    },
    // The TCP proxy forwards raw TCP to the service's internal port; its
    // name and port are the service's as long as Public Networking is on.
    Provider {
        id: "railway_proxy",
        doc: "https://docs.railway.com/reference/tcp-proxy",
        hosts: &[Suffix(".proxy.rlwy.net")],
        pooler: &[],
        tips: &[
            pg(ConnectionClosed, Tip::RailwayProxyClosedPostgres),
            pg(ConnectionReset, Tip::RailwayProxyClosedPostgres),
            redis(ConnectionClosed, Tip::RailwayProxyClosedRedis),
            redis(ConnectionReset, Tip::RailwayProxyClosedRedis),
            mysql(DatabaseNotFound, Tip::RailwayMysqlDatabase),
            any(ConnectionRefused, Tip::RailwayProxyRefused),
            any(DnsNotFound, Tip::RailwayProxyGone),
        ],
        heals: &[(DnsNotFound, false)],
        tls_only: false,
    },
    // TLS with SNI is required (the endpoint id is read from it); computes
    // scale to zero and wake on the next connection; `-pooler` endpoints
    // are PgBouncer in transaction mode.
    Provider {
        id: "neon",
        doc: "https://neon.com/docs/connect/connection-errors",
        hosts: &[Suffix(".neon.tech")],
        pooler: &[PoolerRule::LabelEnds(
            "-pooler",
            Pgbouncer,
            Some(Transaction),
        )],
        tips: &[
            pg(TlsRequired, Tip::NeonTlsAndSni),
            pg(ProtocolError, Tip::NeonTlsAndSni),
            pg(ConnectTimeout, Tip::NeonColdStart),
            pg(Timeout, Tip::NeonColdStart),
            pg(DnsNotFound, Tip::NeonGone),
            pg(TooManyConnections, Tip::NeonTooManyConnections),
        ],
        heals: &[
            (DnsNotFound, false),
            (Timeout, true),
            (ConnectTimeout, true),
        ],
        tls_only: true,
    },
    // The direct host is IPv6-only unless the project buys the IPv4
    // add-on; free projects pause after a week without activity.
    Provider {
        id: "supabase_direct",
        doc: "https://supabase.com/docs/guides/database/connecting-to-postgres",
        hosts: &[FirstLabel("db", ".supabase.co")],
        pooler: &[],
        tips: &[
            any(NetworkUnreachable, Tip::SupabaseIpv6Only),
            any(DnsNotFound, Tip::SupabasePausedOrGone),
            any(ConnectTimeout, Tip::SupabasePausedOrGone),
        ],
        heals: &[(DnsNotFound, false), (NetworkUnreachable, false)],
        tls_only: false,
    },
    // Supavisor: session mode on 5432, transaction mode on 6543; the user
    // is `postgres.<project-ref>`.
    Provider {
        id: "supabase_pooler",
        doc: "https://supabase.com/docs/guides/database/connecting-to-postgres#shared-pooler",
        hosts: &[Suffix(".pooler.supabase.com")],
        pooler: &[
            PoolerRule::Port(6543, Supavisor, Some(Transaction)),
            PoolerRule::Port(5432, Supavisor, Some(Session)),
        ],
        tips: &[
            pg(AuthFailed, Tip::SupabaseTenant),
            pg(TooManyConnections, Tip::SupabaseSessionFull),
            pg(DatabaseNotFound, Tip::SupabasePoolerDatabase),
            pg(DnsNotFound, Tip::SupabasePausedOrGone),
        ],
        heals: &[(DnsNotFound, false)],
        tls_only: false,
    },
    // TLS only; the password is the database's token; a plaintext client
    // sees its connection reset (their ECONNRESET troubleshooting page).
    Provider {
        id: "upstash",
        doc: "https://upstash.com/docs/redis/troubleshooting/econn_reset",
        hosts: &[Suffix(".upstash.io")],
        pooler: &[],
        tips: &[
            redis(ConnectionClosed, Tip::UpstashTls),
            redis(ConnectionReset, Tip::UpstashTls),
            redis(TlsRequired, Tip::UpstashTls),
            redis(AuthFailed, Tip::UpstashToken),
            redis(ProtocolError, Tip::UpstashRestUrl),
            redis(Timeout, Tip::UpstashNoAnswer),
            any(DnsNotFound, Tip::UpstashGone),
        ],
        heals: &[(DnsNotFound, false)],
        tls_only: true,
    },
    // Each database has its own endpoint name; a CIDR allow list drops
    // other sources; TLS is off unless enabled, then with Redis's CA.
    Provider {
        id: "redis_cloud",
        doc: "https://redis.io/docs/latest/operate/rc/databases/connect/",
        hosts: &[Suffix(".redis-cloud.com"), Suffix(".redislabs.com")],
        pooler: &[],
        tips: &[
            any(DnsNotFound, Tip::RedisCloudGone),
            any(ConnectTimeout, Tip::RedisCloudAllowList),
            redis(TlsRequired, Tip::RedisCloudTls),
            redis(CertificateInvalid, Tip::RedisCloudTls),
            redis(ConnectionClosed, Tip::RedisCloudTls),
        ],
        heals: &[(DnsNotFound, false), (ConnectTimeout, false)],
        tls_only: false,
    },
    // Internal URLs use one-label names that resolve inside Render only.
    Provider {
        id: "render_internal",
        doc: "https://render.com/docs/postgresql-creating-connecting",
        hosts: &[SingleLabel("dpg-"), SingleLabel("red-")],
        pooler: &[],
        tips: &[any(DnsNotFound, Tip::RenderInternalOnly)],
        heals: &[],
        tls_only: false,
    },
    // External URLs need TLS and pass an IP allow list; free databases
    // expire 30 days after creation.
    Provider {
        id: "render",
        doc: "https://render.com/docs/postgresql-creating-connecting",
        hosts: &[Suffix(".render.com")],
        pooler: &[],
        tips: &[
            any(DnsNotFound, Tip::RenderExpired),
            any(ConnectionClosed, Tip::RenderExpired),
            any(ConnectTimeout, Tip::RenderAllowList),
            any(AccessDenied, Tip::RenderAllowList),
            any(TlsRequired, Tip::RenderTls),
        ],
        heals: &[(DnsNotFound, false), (ConnectTimeout, false)],
        tls_only: false,
    },
    // Heroku's hosts are plain AWS names: only the dyno's environment
    // tells. Credentials rotate and DATABASE_URL follows; TLS is required;
    // Heroku Redis uses self-signed certificates.
    Provider {
        id: "heroku",
        doc: "https://devcenter.heroku.com/articles/connecting-heroku-postgres",
        hosts: &[WithHint(".amazonaws.com", Hint::Heroku)],
        pooler: &[],
        tips: &[
            pg(AuthFailed, Tip::HerokuRotated),
            redis(AuthFailed, Tip::HerokuRotated),
            pg(TlsRequired, Tip::HerokuTls),
            pg(AccessDenied, Tip::HerokuTls),
            redis(CertificateInvalid, Tip::HerokuRedisCertificate),
        ],
        heals: &[],
        tls_only: false,
    },
    // IP filters drop other sources; TLS is required and verified with the
    // project's own CA.
    Provider {
        id: "aiven",
        doc: "https://aiven.io/docs/platform/howto/restrict-access",
        hosts: &[Suffix(".aivencloud.com")],
        pooler: &[],
        tips: &[
            // Aiven for MySQL: TLS is required (ssl-mode=REQUIRED, the
            // project CA to verify) and each service has its own port, not
            // 3306 (https://aiven.io/docs/products/mysql/howto/connect-with-command-line).
            mysql(TlsRequired, Tip::AivenMysqlTls),
            mysql(CertificateInvalid, Tip::AivenMysqlTls),
            mysql(ConnectionRefused, Tip::AivenMysqlPort),
            any(ConnectTimeout, Tip::AivenIpFilter),
            any(TlsRequired, Tip::AivenTls),
            any(CertificateInvalid, Tip::AivenTls),
            any(DnsNotFound, Tip::AivenGone),
        ],
        heals: &[(DnsNotFound, false), (ConnectTimeout, false)],
        tls_only: false,
    },
    // `.internal` names live on Fly's IPv6 private network (6PN).
    Provider {
        id: "fly_private",
        doc: "https://fly.io/docs/networking/private-networking/",
        hosts: &[Suffix(".internal")],
        pooler: &[],
        tips: &[
            any(DnsNotFound, Tip::FlyPrivateOnly),
            any(ConnectionRefused, Tip::FlyListenIpv6),
        ],
        heals: &[],
        tls_only: false,
    },
    // Flycast goes through Fly's proxy, which starts stopped machines.
    Provider {
        id: "fly_flycast",
        doc: "https://fly.io/docs/networking/flycast/",
        hosts: &[Suffix(".flycast")],
        pooler: &[],
        tips: &[
            any(DnsNotFound, Tip::FlyPrivateOnly),
            any(ConnectionRefused, Tip::FlycastNoService),
            any(ConnectionClosed, Tip::FlycastNoService),
        ],
        heals: &[(ConnectionClosed, true), (Timeout, true)],
        tls_only: false,
    },
    // Security groups drop what they do not allow (a timeout); newer
    // engines force TLS with Amazon's CA.
    Provider {
        id: "aws_rds",
        doc: "https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_Troubleshooting.html",
        hosts: &[Suffix(".rds.amazonaws.com")],
        pooler: &[],
        tips: &[
            any(ConnectTimeout, Tip::RdsSecurityGroup),
            // RDS for MySQL forces TLS with require_secure_transport
            // (https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/mysql-ssl-connections.html);
            // its refusal is not PostgreSQL's sslmode.
            mysql(TlsRequired, Tip::RdsMysqlTls),
            mysql(CertificateInvalid, Tip::RdsMysqlTls),
            any(TlsRequired, Tip::RdsTls),
            // PostgreSQL's pg_hba refusal of an unencrypted connection; a
            // MySQL or AMQP access_denied is a grant, not TLS.
            pg(AccessDenied, Tip::RdsTls),
            any(CertificateInvalid, Tip::RdsTls),
            any(DnsNotFound, Tip::RdsGone),
        ],
        heals: &[(DnsNotFound, false), (ConnectTimeout, false)],
        tls_only: false,
    },
    // Reachable from inside its VPC only; in-transit encryption means TLS.
    Provider {
        id: "aws_elasticache",
        doc: "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/accessing-elasticache.html",
        hosts: &[Suffix(".cache.amazonaws.com")],
        pooler: &[],
        tips: &[
            any(ConnectTimeout, Tip::ElastiCacheVpcOnly),
            any(TlsRequired, Tip::ElastiCacheTls),
            any(ConnectionClosed, Tip::ElastiCacheTls),
            any(DnsNotFound, Tip::RdsGone),
        ],
        heals: &[(DnsNotFound, false), (ConnectTimeout, false)],
        tls_only: false,
    },
    // Trusted sources drop other addresses; TLS is required; connection
    // pools (PgBouncer) listen on 25061 and are named in the URL path.
    Provider {
        id: "digitalocean",
        doc: "https://docs.digitalocean.com/products/databases/postgresql/how-to/secure/",
        hosts: &[Suffix(".db.ondigitalocean.com")],
        pooler: &[PoolerRule::Port(25061, Pgbouncer, None)],
        tips: &[
            any(ConnectTimeout, Tip::DigitalOceanTrustedSources),
            any(TlsRequired, Tip::DigitalOceanTls),
            pg(DatabaseNotFound, Tip::DigitalOceanPoolName),
            any(DnsNotFound, Tip::RdsGone),
        ],
        heals: &[(DnsNotFound, false), (ConnectTimeout, false)],
        tls_only: false,
    },
    // TLS only, with a certificate from a public CA (the system's roots);
    // a branch's database exists already and cannot be created over the
    // MySQL protocol (https://planetscale.com/docs/concepts/secure-connections,
    // https://planetscale.com/docs/reference/planetscale-system-limits).
    Provider {
        id: "planetscale",
        doc: "https://planetscale.com/docs/concepts/secure-connections",
        hosts: &[Suffix(".psdb.cloud")],
        pooler: &[],
        tips: &[
            mysql(TlsRequired, Tip::PlanetScaleTls),
            mysql(CertificateInvalid, Tip::PlanetScaleTls),
            mysql(DatabaseNotFound, Tip::PlanetScaleDatabase),
            any(DnsNotFound, Tip::RdsGone),
        ],
        heals: &[(DnsNotFound, false)],
        tls_only: true,
    },
    // The vhost is the user name on shared plans; amqp:// on 5672, amqps://
    // on 5671; each plan caps concurrent connections
    // (https://www.cloudamqp.com/docs/amqp.html,
    // https://www.cloudamqp.com/plans.html).
    Provider {
        id: "cloudamqp",
        doc: "https://www.cloudamqp.com/docs/amqp.html",
        hosts: &[Suffix(".cloudamqp.com")],
        pooler: &[],
        tips: &[
            amqp(DatabaseNotFound, Tip::CloudAmqpVhost),
            amqp(AccessDenied, Tip::CloudAmqpVhost),
            amqp(TooManyConnections, Tip::CloudAmqpConnectionLimit),
            amqp(ProtocolError, Tip::CloudAmqpPorts),
            amqp(TlsHandshakeFailed, Tip::CloudAmqpPorts),
            any(DnsNotFound, Tip::RdsGone),
        ],
        heals: &[(DnsNotFound, false)],
        tls_only: false,
    },
];

#[cfg(test)]
mod tests {
    use super::super::{Evidence, Hints, PoolMode, PoolerKind, identify};
    use crate::model::{Code, Kind};

    fn id(host: &str) -> &'static str {
        identify(host, Hints::default()).id
    }

    #[test]
    fn railway_private_and_proxy() {
        assert_eq!(id("postgres.railway.internal"), "railway_private");
        assert_eq!(id("Redis.Railway.Internal."), "railway_private");
        assert_eq!(id("roundhouse.proxy.rlwy.net"), "railway_proxy");
        // Not Railway: a look-alike suffix, and the HTTP edge.
        assert_eq!(id("railway.internal.example.com"), "unknown");
        assert_eq!(id("app.up.railway.app"), "unknown");
    }

    #[test]
    fn the_most_specific_row_wins() {
        assert_eq!(id("postgres.railway.internal"), "railway_private");
        assert_eq!(id("my-db.internal"), "fly_private");
        assert_eq!(id("top1.nearest.of.my-db.internal"), "fly_private");
        assert_eq!(id("fly-my-cache.upstash.io"), "upstash");
    }

    #[test]
    fn neon_and_its_pooler() {
        let direct = identify(
            "ep-cool-darkness-123456.us-east-2.aws.neon.tech",
            Hints::default(),
        );
        assert_eq!(direct.id, "neon");
        assert_eq!(
            direct.pooler_at("ep-cool-darkness-123456.us-east-2.aws.neon.tech", 5432),
            None
        );
        let host = "ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech";
        let pooler = identify(host, Hints::default())
            .pooler_at(host, 5432)
            .unwrap();
        assert_eq!(
            (pooler.kind, pooler.mode),
            (PoolerKind::Pgbouncer, Some(PoolMode::Transaction))
        );
        assert_eq!(pooler.evidence, Evidence::Host);
    }

    #[test]
    fn supabase_direct_and_pooler_modes() {
        assert_eq!(id("db.abcdefghijklmnop.supabase.co"), "supabase_direct");
        assert_eq!(id("abcdefghijklmnop.supabase.co"), "unknown");
        let host = "aws-0-eu-central-1.pooler.supabase.com";
        let row = identify(host, Hints::default());
        assert_eq!(row.id, "supabase_pooler");
        assert_eq!(
            row.pooler_at(host, 6543).unwrap().mode,
            Some(PoolMode::Transaction)
        );
        assert_eq!(
            row.pooler_at(host, 5432).unwrap().mode,
            Some(PoolMode::Session)
        );
        assert_eq!(
            row.pooler_at(host, 5432).unwrap().kind,
            PoolerKind::Supavisor
        );
    }

    #[test]
    fn redis_providers() {
        assert_eq!(id("usw1-brave-owl-12345.upstash.io"), "upstash");
        assert_eq!(
            id("redis-12821.c14.us-east-1-3.ec2.redns.redis-cloud.com"),
            "redis_cloud"
        );
        assert_eq!(
            id("redis-12345.c1.us-east-1-2.ec2.cloud.redislabs.com"),
            "redis_cloud"
        );
        assert_eq!(
            id("master.my-cache.abc123.use1.cache.amazonaws.com"),
            "aws_elasticache"
        );
    }

    #[test]
    fn render_internal_and_external() {
        assert_eq!(id("dpg-cq1abc2j1k6c73d0abcd-a"), "render_internal");
        assert_eq!(id("red-cq1abc2j1k6c73d0abcd"), "render_internal");
        assert_eq!(
            id("dpg-cq1abc2j1k6c73d0abcd-a.oregon-postgres.render.com"),
            "render"
        );
        assert_eq!(id("oregon-keyvalue.render.com"), "render");
        // A one-label name that is not Render's.
        assert_eq!(id("postgres"), "unknown");
    }

    #[test]
    fn heroku_needs_an_environment_hint() {
        let host = "ec2-54-0-0-1.compute-1.amazonaws.com";
        assert_eq!(id(host), "unknown");
        let heroku = Hints { heroku: true };
        assert_eq!(identify(host, heroku).id, "heroku");
        // On a dyno, even an RDS-style name Heroku hands out is Heroku's.
        let cluster = "c5abc.cluster-xyz.us-east-1.rds.amazonaws.com";
        assert_eq!(id(cluster), "aws_rds");
        assert_eq!(identify(cluster, heroku).id, "heroku");
    }

    #[test]
    fn aiven_fly_aws_digitalocean() {
        assert_eq!(id("pg-1a2b3c4d-myproject.a.aivencloud.com"), "aiven");
        assert_eq!(id("my-db.flycast"), "fly_flycast");
        assert_eq!(id("mydb.abc123xyz.us-east-1.rds.amazonaws.com"), "aws_rds");
        let host = "db-postgresql-nyc3-12345-do-user-1-0.b.db.ondigitalocean.com";
        let row = identify(host, Hints::default());
        assert_eq!(row.id, "digitalocean");
        assert_eq!(
            row.pooler_at(host, 25061).unwrap().kind,
            PoolerKind::Pgbouncer
        );
        assert_eq!(row.pooler_at(host, 25060), None);
    }

    #[test]
    fn unknown_hosts_get_no_tips() {
        let row = identify("db.example.com", Hints::default());
        assert_eq!(row.id, "unknown");
        assert_eq!(row.tip(Kind::Postgresql, Code::DnsNotFound), None);
        assert_eq!(row.heals(Code::DnsNotFound), None);
    }

    #[test]
    fn tips_are_per_kind_and_code() {
        let proxy = identify("roundhouse.proxy.rlwy.net", Hints::default());
        assert!(
            proxy
                .tip(Kind::Postgresql, Code::ConnectionClosed)
                .is_some()
        );
        assert_ne!(
            proxy.tip(Kind::Postgresql, Code::ConnectionClosed),
            proxy.tip(Kind::Redis, Code::ConnectionClosed)
        );
        assert_eq!(proxy.heals(Code::DnsNotFound), Some(false));
        let cloud = identify(
            "redis-12821.c14.us-east-1-3.ec2.redns.redis-cloud.com",
            Hints::default(),
        );
        assert!(cloud.tip(Kind::Redis, Code::DnsNotFound).is_some());
    }

    fn cause(host: &str, kind: Kind, code: Code) -> String {
        let row = identify(host, Hints::default());
        let step = crate::model::StepName::Dns;
        row.tip(kind, code)
            .map(crate::provider::provider_tip)
            .or_else(|| kind.advise(step, code, &crate::i18n::Message::default()))
            .map(|a| format!("{} {}", a.cause, a.fix))
            .unwrap_or_default()
    }

    /// The seed report's Redis: an unresolvable Redis Cloud endpoint got
    /// Railway-private advice before the table existed.
    #[test]
    fn private_network_words_only_for_railway_internal() {
        let cloud = "redis-12821.c14.us-east-1-3.ec2.redns.redis-cloud.com";
        let words = cause(cloud, Kind::Redis, Code::DnsNotFound);
        assert!(
            words.contains("Redis Cloud") && !words.contains("railway.internal"),
            "{words}"
        );
        let generic = cause("cache.example.com", Kind::Redis, Code::DnsNotFound);
        assert!(
            !generic.contains("railway.internal") && !generic.contains("Railway"),
            "{generic}"
        );
        let private = cause("redis.railway.internal", Kind::Redis, Code::DnsNotFound);
        assert!(private.contains("*.railway.internal") && private.contains("REDIS_PUBLIC_URL"));
        let generic_pg = cause("db.example.com", Kind::Postgresql, Code::DnsNotFound);
        assert!(!generic_pg.contains("Railway"), "{generic_pg}");
    }

    #[test]
    fn every_tip_names_its_provider_or_place() {
        let proxy = cause(
            "roundhouse.proxy.rlwy.net",
            Kind::Postgresql,
            Code::ConnectionClosed,
        );
        assert!(proxy.contains("Railway's TCP proxy") && proxy.contains("DATABASE_PUBLIC_URL"));
        let supabase = cause(
            "db.abcdefghijklmnop.supabase.co",
            Kind::Postgresql,
            Code::NetworkUnreachable,
        );
        assert!(supabase.contains("pooler.supabase.com:5432"), "{supabase}");
        let upstash = cause("brave-owl-1.upstash.io", Kind::Redis, Code::ConnectionReset);
        assert!(upstash.contains("rediss://"), "{upstash}");
    }

    #[test]
    fn railway_mysql_and_rabbitmq() {
        let private = cause("mysql.railway.internal", Kind::Mysql, Code::DnsNotFound);
        assert!(private.contains("MYSQL_PUBLIC_URL"), "{private}");
        let rabbit = cause("rabbitmq.railway.internal", Kind::Amqp, Code::DnsNotFound);
        assert!(
            rabbit.contains("*.railway.internal") && rabbit.contains("RabbitMQ"),
            "{rabbit}"
        );
        for host in ["mysql.railway.internal", "roundhouse.proxy.rlwy.net"] {
            let db = cause(host, Kind::Mysql, Code::DatabaseNotFound);
            assert!(db.contains("railway (MYSQLDATABASE)"), "{db}");
            // PostgreSQL's missing database keeps the generic words.
            assert!(!cause(host, Kind::Postgresql, Code::DatabaseNotFound).contains("MYSQL"));
        }
        let proxy = identify("roundhouse.proxy.rlwy.net", Hints::default());
        assert_eq!(
            proxy.tip(Kind::Mysql, Code::DnsNotFound),
            Some(crate::model::Tip::RailwayProxyGone)
        );
    }

    #[test]
    fn planetscale_aiven_rds_for_mysql() {
        for host in [
            "aws.connect.psdb.cloud",
            "eu-west.connect.psdb.cloud",
            "xyz.us-east-3.psdb.cloud",
        ] {
            assert_eq!(id(host), "planetscale", "{host}");
        }
        let ps = identify("aws.connect.psdb.cloud", Hints::default());
        assert!(ps.tls_only);
        assert!(
            cause("aws.connect.psdb.cloud", Kind::Mysql, Code::TlsRequired)
                .contains("ssl-mode=VERIFY_IDENTITY")
        );
        assert!(
            cause(
                "aws.connect.psdb.cloud",
                Kind::Mysql,
                Code::DatabaseNotFound
            )
            .contains("CREATE DATABASE")
        );
        assert_eq!(ps.heals(Code::DnsNotFound), Some(false));

        let aiven = "mysql-1a2b3c4d-myproject.a.aivencloud.com";
        assert!(cause(aiven, Kind::Mysql, Code::TlsRequired).contains("ssl-mode=REQUIRED"));
        assert!(cause(aiven, Kind::Postgresql, Code::TlsRequired).contains("sslmode="));
        assert!(cause(aiven, Kind::Mysql, Code::ConnectionRefused).contains("3306"));
        // The IP filter is the same for every kind.
        assert!(cause(aiven, Kind::Mysql, Code::ConnectTimeout).contains("IP"));

        let rds = "mydb.abc123xyz.us-east-1.rds.amazonaws.com";
        assert!(cause(rds, Kind::Mysql, Code::TlsRequired).contains("require_secure_transport"));
        assert!(cause(rds, Kind::Postgresql, Code::TlsRequired).contains("rds.force_ssl"));
        // A MySQL access_denied is a grant: no TLS words.
        assert_eq!(
            identify(rds, Hints::default()).tip(Kind::Mysql, Code::AccessDenied),
            None
        );
        assert_eq!(
            identify(rds, Hints::default()).tip(Kind::Postgresql, Code::AccessDenied),
            Some(crate::model::Tip::RdsTls)
        );
    }

    #[test]
    fn cloudamqp() {
        let host = "hawk.rmq.cloudamqp.com";
        assert_eq!(id(host), "cloudamqp");
        assert_eq!(id("cloudamqp.com.example.org"), "unknown");
        let row = identify(host, Hints::default());
        assert!(!row.tls_only);
        for code in [Code::DatabaseNotFound, Code::AccessDenied] {
            assert!(cause(host, Kind::Amqp, code).contains("vhost"), "{code:?}");
        }
        assert!(cause(host, Kind::Amqp, Code::TooManyConnections).contains("plan"));
        let ports = cause(host, Kind::Amqp, Code::ProtocolError);
        assert!(ports.contains("5671") && ports.contains("5672"), "{ports}");
        // Only AMQP checks: a Redis URL at the same name gets no broker words.
        assert_eq!(row.tip(Kind::Redis, Code::TooManyConnections), None);
    }

    /// No tip falls through to another's words (the word functions hand
    /// over family by family).
    #[test]
    fn every_tip_has_words_of_its_own() {
        let causes: std::collections::HashSet<String> = crate::model::Tip::ALL
            .iter()
            .map(|&t| crate::provider::provider_tip(t).cause.to_string())
            .collect();
        // Railway's private-name cause is shared by its PostgreSQL, Redis,
        // MySQL and AMQP tips, which differ in the fix.
        assert_eq!(causes.len(), crate::model::Tip::ALL.len() - 3);
    }

    /// Every row is reachable, cites a page, and has a tip.
    #[test]
    fn every_row_is_complete() {
        let mut ids = std::collections::HashSet::new();
        for row in super::PROVIDERS {
            assert!(ids.insert(row.id), "duplicate id {}", row.id);
            assert!(row.doc.starts_with("https://"), "{} cites no page", row.id);
            assert!(!row.hosts.is_empty() && !row.tips.is_empty(), "{}", row.id);
            // The report's schema lists every id (a new row missed it once).
            assert!(
                include_str!("../../schema/report.schema.json")
                    .contains(&format!("\"{}\"", row.id)),
                "{} is not in schema/report.schema.json",
                row.id
            );
            // The catalogs name each row by its id (the fallback is the id).
            let name = crate::i18n::msg::provider_name(row.id);
            for lang in [crate::i18n::Lang::En, crate::i18n::Lang::Ru] {
                assert_ne!(lang.render(&name), row.id, "{lang:?} has no name");
            }
        }
        assert_eq!(ids.len(), 18);
    }
}
