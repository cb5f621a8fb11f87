"""The Python side of the differential matrix (tests/matrix.rs): one
long-lived process that runs each case the way a small app does.

Reads one JSON case per line on stdin: {"name", "driver", "url", "env"}.
Writes one JSON line per case: {"name", "ok", "said"}. `ok` means the app
works: it connected and ran `SELECT 1` ten times, each in a transaction of
its own as a web app's requests do (psycopg 3 prepares a statement from
its fifth run, so a transaction pooler's failure shows), or
PING answered, or an AMQP channel opened, or the JWT was signed and verified. `said` is the error's
class and message, or the warning the driver printed.

`env` is set in os.environ for the case and removed after it: libpq reads
PGSSLMODE/PGSSLROOTCERT at connect time and OpenSSL reads SSL_CERT_FILE
when a default context loads its store, so one process serves every case.
"""

import asyncio
import json
import os
import sys
import time
import warnings

QUERIES = 10
# Each driver's own connect timeout; a whole case (connect and queries) gets
# twice as long, so a loaded CI machine does not turn a slow pass into a
# failure.
TIMEOUT = 10


def run_psycopg2(url):
    import psycopg2

    conn = psycopg2.connect(url)
    try:
        cur = conn.cursor()
        for _ in range(QUERIES):
            cur.execute("SELECT 1")
            cur.fetchone()
            conn.commit()
    finally:
        conn.close()


def run_psycopg(url):
    import psycopg

    with psycopg.connect(url) as conn:
        for _ in range(QUERIES):
            conn.execute("SELECT 1").fetchone()
            conn.commit()


async def asyncpg_app(url):
    import asyncpg

    conn = await asyncpg.connect(url, timeout=TIMEOUT)
    try:
        for _ in range(QUERIES):
            await conn.fetchval("SELECT 1")
    finally:
        await conn.close()


def run_asyncpg(url):
    asyncio.run(asyncio.wait_for(asyncpg_app(url), 2 * TIMEOUT))


def run_sqlalchemy(url):
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            for _ in range(QUERIES):
                conn.execute(text("SELECT 1")).scalar()
                conn.commit()
    finally:
        engine.dispose()


async def sqlalchemy_async_app(url):
    from sqlalchemy import text
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(url)
    try:
        async with engine.connect() as conn:
            for _ in range(QUERIES):
                (await conn.execute(text("SELECT 1"))).scalar()
                await conn.commit()
    finally:
        await engine.dispose()


def run_sa_asyncpg(url):
    asyncio.run(asyncio.wait_for(sqlalchemy_async_app(url), 2 * TIMEOUT))


def run_sa_aiomysql(url):
    asyncio.run(asyncio.wait_for(sqlalchemy_async_app(url), 2 * TIMEOUT))


def run_redis_py(url):
    import redis

    client = redis.Redis.from_url(
        url, socket_timeout=TIMEOUT, socket_connect_timeout=TIMEOUT
    )
    try:
        client.ping()
    finally:
        client.close()


def run_celery(url):
    """A Celery producer: the broker URL read by Celery and kombu (kombu's
    pyamqp transport on py-amqp), connected, with a channel open."""
    import celery

    app = celery.Celery("matrix", broker=url)
    conn = app.connection_for_write()
    try:
        conn.ensure_connection(max_retries=1, timeout=TIMEOUT)
        conn.default_channel
    finally:
        conn.release()


def run_pika(url):
    import pika

    params = pika.URLParameters(url)
    params.socket_timeout = TIMEOUT
    params.connection_attempts = 1
    conn = pika.BlockingConnection(params)
    try:
        conn.channel()
    finally:
        conn.close()


def first(*names):
    for name in names:
        value = os.environ.get(name)
        if value is not None:
            return value
    return None


def run_pyjwt(_url):
    """As tests/jwt/app.py: the settings straight from the environment."""
    import jwt

    algorithm = first("JWT_ALGORITHM", "ALGORITHM") or "HS256"
    if algorithm.startswith("HS"):
        key = first("JWT_SECRET_KEY", "JWT_SECRET", "SECRET_KEY")
        verify = key
    else:
        key = os.environ.get("JWT_PRIVATE_KEY")
        verify = os.environ.get("JWT_PUBLIC_KEY")
    token = jwt.encode(
        {"sub": "app", "exp": int(time.time()) + 900}, key, algorithm=algorithm
    )
    if verify is not None:
        jwt.decode(token, verify, algorithms=[algorithm])


DRIVERS = {
    "psycopg2": run_psycopg2,
    "psycopg": run_psycopg,
    "asyncpg": run_asyncpg,
    "sa_psycopg2": run_sqlalchemy,
    "sa_psycopg": run_sqlalchemy,
    "sa_asyncpg": run_sa_asyncpg,
    "sa_pymysql": run_sqlalchemy,
    "sa_aiomysql": run_sa_aiomysql,
    "redis_py": run_redis_py,
    "celery": run_celery,
    "pika": run_pika,
    "pyjwt": run_pyjwt,
}


def one(case):
    saved = {k: os.environ.get(k) for k in case["env"]}
    os.environ.update(case["env"])
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            DRIVERS[case["driver"]](case["url"])
        said = f"{caught[0].category.__name__}: {caught[0].message}" if caught else ""
        return {"ok": True, "said": said}
    except BaseException as error:  # the app would crash here
        said = f"{type(error).__name__}: {error}".replace("\n", " ")
        return {"ok": False, "said": said[:300]}
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def main():
    for line in sys.stdin:
        case = json.loads(line)
        started = time.monotonic()
        result = one(case)
        result["ms"] = round(1000 * (time.monotonic() - started))
        result["name"] = case["name"]
        print(json.dumps(result), flush=True)


main()
