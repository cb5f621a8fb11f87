# Сообщения railconn на русском. Каждый id есть и в en.ftl, с теми же
# переменными (это проверяют тесты каталогов в src/i18n). Термины — по
# i18n/glossary.tsv: учётные данные, переменная окружения, приватная сеть,
# деплой, тайм-аут. Коды ошибок, имена проверок и шагов, имена переменных,
# команды и ответы серверов не переводятся.

## Оформление

decimal_point = ,
duration_ms = { $value } мс
duration_s = { $value } с
duration_min = { $value } мин
duration_h = { $value } ч
either = { $first } или { $second }
verbatim = { $text }

## Разбор URL

url_empty = значение пустое
url_whitespace = в начале или в конце значения есть пробельный символ (пробел, табуляция или перевод строки — обычно от копирования или из .env, сохранённого в Windows); удалите его
url_quoted = значение взято в кавычки, и они становятся частью URL; уберите их
url_unresolved_reference = в значении осталась неподставленная ссылка Railway `${"{{"}…{"}}"}`: её подставляет только сам Railway (или `railway run`); вставьте готовый URL или запускайте через `railway run`
url_no_scheme = значение не похоже на URL: оно должно начинаться с { $schemes }
url_bad_scheme = схема `{ $scheme }://` здесь не поддерживается: используйте { $schemes }
url_unencoded_char = в { $part ->
    [user] имени пользователя
    [password] пароле
    [host] имени хоста
    [port] порте
    [dbname] имени базы данных
    [query_key] имени параметра запроса
    [query_value] значении параметра запроса
    [query_secret] значении секретного параметра запроса
    [path] пути
   *[query] параметрах запроса
} есть незакодированный символ `{ $special }`, на котором эта часть URL обрывается; запишите его как `{ $encoded }` (все спецсимволы в учётных данных нужно кодировать через %)
url_not_utf8 = { $part ->
    [user] имя пользователя
    [password] пароль
    [host] имя хоста
    [port] порт
    [dbname] имя базы данных
    [query_key] имя параметра запроса
    [query_value] значение параметра запроса
    [query_secret] значение секретного параметра запроса
    [path] путь
   *[query] параметры запроса
} после декодирования %-последовательностей — некорректный UTF-8
url_no_host = в URL нет хоста (`@:port` или `@/`): похоже, ссылочная переменная Railway оказалась пустой; пересоздайте ссылку на сервис
url_bad_host_chars = в имени хоста есть пробелы, управляющие символы или один из символов @ / ? # (лишний перевод строки или незакодированный спецсимвол в учётных данных?)
url_many_hosts = в URL указано несколько хостов, а railconn проверяет один хост на URL: передайте URL каждого хоста отдельно
url_bad_ipv6 = IPv6-адрес записан неверно: его нужно взять в квадратные скобки, например `[::1]:5432`
url_empty_port = порт после `:` пустой: похоже, ссылочная переменная оказалась пустой
url_port_range = порт `{ $port }` вне допустимого диапазона (1–65535)
url_port_not_number = порт — не число (значение не показано: если хоста нет, `user:PASSWORD` читается как `host:port`; незакодированный `/` или `?` в пароле тоже разрезает URL в этом месте)
url_nul = в { $part ->
    [user] имени пользователя
    [password] пароле
    [host] имени хоста
    [port] порте
    [dbname] имени базы данных
    [query_key] имени параметра запроса
    [query_value] значении параметра запроса
    [query_secret] значении секретного параметра запроса
    [path] пути
   *[query] параметрах запроса
} есть %00, а libpq такое отвергает (`forbidden value %00 in percent-encoded value`)
url_socket = в URL нет хоста: он указывает на Unix-сокет (postgresql:///db), а такие railconn не проверяет; укажите TCP-хост и порт, к которым подключается приложение
pg_env_defaults = в URL указано не всё; недостающее взято из { $vars }, как это делают libpq и node-postgres (у приложения, которое читает только URL, этих значений не будет)
pg_bad_param_value = у параметра `{ $key }` значение, которое libpq не принимает (допустимые значения — в документации libpq по параметрам подключения)
pg_bad_env_sslmode = PGSSLMODE содержит недопустимый sslmode (libpq его отвергнет): используйте disable, allow, prefer, require, verify-ca или verify-full
pg_scheme_case = схема должна быть в нижнем регистре: libpq понимает только postgresql:// и postgres://
pg_param_unsupported = параметр `{ $key }` заставляет libpq читать файл, который railconn не читает (так задумано): укажите хост, порт, пользователя и пароль прямо в URL
pg_no_host = в URL нет хоста перед портом (`@:5432`): похоже, ссылочная переменная Railway оказалась пустой; пересоздайте ссылку на сервис (без хоста libpq подключается к Unix-сокету по умолчанию, а в контейнере приложения на платформе этот сокет никто не слушает; если сокет нужен намеренно, укажите ?host=/path)
pg_many_ports = в URL несколько хостов или портов, и их число не сходится: libpq принимает либо один порт для всех хостов, либо по порту на каждый хост («could not match … port numbers to … hosts»)
pg_bad_hostaddr = `hostaddr` — не IP-адрес (libpq: `could not parse network address`); имя хоста укажите в `host`
pg_uri_prefix = URL должен начинаться с postgresql:// или postgres://
pg_uri_ipv6_unterminated = у IPv6-адреса нет закрывающей `]` (libpq такой URL отвергает)
pg_uri_ipv6_empty = между `[` и `]` пусто, IPv6-адреса нет (libpq такой URL отвергает)
pg_uri_after_ipv6 = неожиданный символ в позиции { $position } после IPv6-адреса: libpq ждёт там `:`, `/`, `?` или `,`
pg_uri_missing_equals = в параметре запроса № { $pair } нет `=` (libpq: `missing key/value separator`); запишите его как `name=value`
pg_uri_extra_equals = в значении параметра запроса `{ $keyword }` есть второй `=` (libpq: `extra key/value separator`); `=` внутри значения записывайте как `%3D`
pg_uri_bad_percent = в { $part ->
    [user] имени пользователя
    [password] пароле
    [host] имени хоста
    [port] порте
    [dbname] имени базы данных
    [query_key] имени параметра запроса
    [query_value] значении параметра запроса
    [query_secret] значении секретного параметра запроса
    [path] пути
   *[query] параметрах запроса
} есть `%`, за которым не идут две шестнадцатеричные цифры (libpq: `invalid percent-encoded token`); сам символ `%` записывайте как `%25`
pg_portability_credential = в { $part ->
    [user] имени пользователя
    [password] пароле
    [host] имени хоста
    [port] порте
    [dbname] имени базы данных
    [query_key] имени параметра запроса
    [query_value] значении параметра запроса
    [query_secret] значении секретного параметра запроса
    [path] пути
   *[query] параметрах запроса
} есть незакодированный `{ $special }`: libpq его прочитает, но node-postgres, asyncpg, SQLAlchemy и другие парсеры URL обрежут эту часть URL на нём; запишите его как `{ $encoded }`
pg_portability_hash = в URL есть `#`: libpq читает его как часть значения, а другие парсеры URL обрезают URL на нём; запишите его как `%23`
pg_param_unknown = libpq отвергает неизвестный параметр `{ $key }` (`invalid URI query parameter`); параметры только для ORM, например `schema` или `pgbouncer` у Prisma, для других клиентов нужно убрать
pg_bad_sslmode = недопустимый sslmode `{ $value }`: используйте disable, allow, prefer, require, verify-ca или verify-full
pg_bad_channel_binding = недопустимый channel_binding `{ $value }`: используйте disable, prefer или require
pg_system_root_needs_verify_full = sslrootcert=system работает только с sslmode=verify-full (с sslmode={ $mode } libpq его отвергнет)
redis_socket_refused = URL указывает на Unix-сокет: railconn проверяет только TCP-подключения (отказ намеренный); укажите хост и порт, к которым приложение подключается по сети
redis_unparsable = redis-rs не может разобрать этот URL (правила WHATWG URL): проверьте хост и порт и закодируйте спецсимволы в имени пользователя и пароле
redis_bad_protocol = протокол `{ $value }` redis-rs не принимает (`Invalid protocol version`): используйте resp2 (или 2) либо resp3 (или 3)
redis_wildcard_host = хост — 0.0.0.0 или ::, то есть «все интерфейсы»: на таком адресе сервер слушает, но клиент подключиться к нему не может (redis-rs его отвергает); укажите настоящий адрес сервера, например 127.0.0.1
redis_rs_refuses = redis-rs отвергает этот URL: { $reason }
redis_no_resp3 = сервер не поддерживает RESP3 ({ $reply }): приложение с protocol=resp3 не подключится; используйте protocol=resp2 или Redis 6 и новее
redis_bad_fragment = после `#` в URL Redis допустимо только `#insecure`; если `#` — часть пароля, запишите его как `%23`
redis_bad_db = номер базы в пути `/{ $path }` должен быть числом, например `/0`

## Нормализация

norm_whitespace = вокруг значения { $var } есть пробелы или перевод строки; railconn их отбросил, но приложение может и не отбросить (перевод строки в конце окажется в пароле или имени базы): уберите их из переменной
norm_quotes = значение { $var } взято в кавычки; railconn их убрал, но платформа или docker --env-file могут оставить их в значении: храните значение без кавычек
norm_driver = URL в формате SQLAlchemy: приложение использует драйвер `{ $driver }`, railconn проверил тот же сервер через `postgresql://`. Для psql, pg_dump и других утилит на libpq префикс драйвера нужно убрать
norm_asyncpg_sslmode = asyncpg не принимает `sslmode` (`TypeError: connect() got an unexpected keyword argument 'sslmode'`): используйте `?ssl=require` или connect_args={"{"}"ssl": ...{"}"}
norm_postgres_scheme = { $var } начинается с postgres://, а SQLAlchemy 1.4+ такую схему отвергает (NoSuchModuleError: ...dialects:postgres): если URL читает приложение на SQLAlchemy, используйте postgresql://
norm_prisma = параметры только для Prisma ({ $names }) убраны на время проверки: libpq, psql и psycopg их отвергают (`invalid URI query parameter`)

## Шаг config

config_from = из { $source }
config_missing = { $count ->
    [one] переменная { $vars } не задана (и { $flag } не передан)
   *[other] не задана ни одна из переменных { $vars } (и { $flag } не передан)
}
config_invalid = { $source }: { $message }
target_missing = не настроено ({ $vars })
target_invalid = некорректный URL в { $source }

## DNS и TCP

dns_timeout = нет ответа DNS для { $host } за { $limit }
dns_failed = { $host }: { $error ->
    [EAI_NONAME] такого имени нет (EAI_NONAME)
    [EAI_NODATA] имя есть, но адресов у него нет (EAI_NODATA)
    [EAI_AGAIN] временный сбой разрешения имён (EAI_AGAIN)
    [EAI_FAIL] неустранимая ошибка резолвера (EAI_FAIL)
    [EAI_MEMORY] резолверу не хватило памяти (EAI_MEMORY)
    [EAI_SYSTEM] системная ошибка при разрешении имени (EAI_SYSTEM)
   *[other] резолвер отказал ({ $error })
}
dns_zoned_address = { $host } — IPv6-адрес с зоной, которую резолвер не принимает: getaddrinfo (его вызывают libpq и redis-py) принимает имя интерфейса только для адреса link-local (fe80::/10), в остальных случаях — номер зоны
dns_no_addresses = у { $host } нет адресов
dns_family = { $family } { $addrs }
joined = { $first }; { $second }
listed = { $first }, { $second }
source_variable = { $variable } ({ $origin })
ipv6_only = у { $host } только IPv6-адреса: клиенты, которые ищут только IPv4, падают с ENOTFOUND (ioredis/BullMQ до 5.8.2: добавьте ?family=0 в URL; старая приватная сеть Railway работает только по IPv6)
ipv6_unreachable = { $host }: по IPv6 отсюда нет маршрута, а по IPv4 всё работает; клиенты, которые сначала пробуют IPv6 и не откатываются на IPv4, не подключатся (на Railway исходящий IPv6 по умолчанию выключен)
tcp_timeout = { $addr }: нет ответа за { $limit }
tcp_failed = { $addr }: { $error ->
    [ECONNREFUSED] в подключении отказано (ECONNREFUSED)
    [ENETUNREACH] сеть недоступна (ENETUNREACH)
    [EHOSTUNREACH] нет маршрута до хоста (EHOSTUNREACH)
    [ECONNRESET] соединение сброшено (ECONNRESET)
    [ETIMEDOUT] тайм-аут подключения (ETIMEDOUT)
    [EADDRNOTAVAIL] адрес здесь недоступен (EADDRNOTAVAIL)
    [EACCES] подключение запрещено (EACCES)
   *[other] { $error }
}
tcp_connected = подключено к { $addr }
tcp_connected_after = подключено к { $addr } (до этого: { $earlier })

## TLS

tls_timeout = TLS-рукопожатие не завершилось за { $limit }
tls_bad_server_name = `{ $host }` не годится как имя сервера для TLS
tls_alert = сервер прервал TLS-рукопожатие, прислав TLS alert { $alert }
tls_reset = соединение сброшено во время TLS-рукопожатия
tls_closed = сервер закрыл соединение во время TLS-рукопожатия
tls_peer_plaintext = сервер ответил на TLS-рукопожатие открытым текстом: на этом порту TLS не работает
tls_failed = TLS-рукопожатие не удалось: { $error }
peer_too_much = удалённая сторона продолжает присылать данные: больше { $kib } КиБ без законченного ответа
peer_is_http = на порту отвечает HTTP-сервер
cert_unknown_issuer = выдан неизвестным центром сертификации (самоподписанный или частный CA)
cert_expired = просрочен
cert_not_yet_valid = ещё не действителен (проверьте часы на этой машине)
cert_wrong_name = выдан для другого имени хоста
cert_other = отклонён ({ $reason })
cert_failure = сертификат { $reason }
cert_failure_with = сертификат { $reason }: субъект { $subject }, издатель { $issuer }, действует до { $expires }
root_file_unreadable = не удаётся прочитать файл корневого сертификата { $path }: { $error }
roots_empty_system = в системе не найдено ни одного доверенного корневого сертификата (установите ca-certificates или задайте SSL_CERT_FILE)
roots_empty_file = в { $path } нет ни одного сертификата
tls_detail = { $version }, сертификат { $verified ->
    [yes] проверен
   *[no] не проверяется
}
tls_detail_cert = { $version }, сертификат { $verified ->
    [yes] проверен
   *[no] не проверяется
}: субъект { $subject }, издатель { $issuer }, { $named ->
    [yes] имена [{ $names }]
   *[no] имён в subjectAltName нет
}, действует до { $expires } ({ $days ->
    [one] остался { $days } день
    [few] осталось { $days } дня
   *[many] осталось { $days } дней
})
cert_expired_unverified = сертификат сервера истёк { $not_after }: это подключение его не проверяет, но любой клиент, который проверяет (verify-ca, verify-full, rediss://), подключиться не сможет
cert_expires_soon = сертификат сервера истекает через { $days ->
    [one] { $days } день
    [few] { $days } дня
   *[many] { $days } дней
} ({ $not_after }): обновите его, пока клиенты с проверкой сертификата не начали падать
cert_self_signed = сертификат сервера самоподписанный (для [{ $names }]): шифрование работает, но клиенты с проверкой (PostgreSQL verify-ca/verify-full, rediss://) примут его, только если этот самый сертификат указан у них как доверенный корневой и имя хоста совпадает; у PostgreSQL на Railway сертификат самоподписанный, для localhost
connection_reset = соединение сброшено другой стороной

## PostgreSQL

pg_tls_not_tried = sslmode={ $mode }: подключение без TLS
pg_tls_declined = сервер не предлагает TLS; при sslmode=prefer подключение продолжается без шифрования
pg_prefer_fallback = TLS не удался ({ $code }: { $message }); при sslmode=prefer railconn переподключился без TLS, как это делает libpq
pg_server_refused_tls = сервер ответил на SSLRequest `N`: TLS он не поддерживает
pg_no_answer_to_ssl_request = нет ответа на SSLRequest
pg_peer_is_redis = на порту отвечает Redis
pg_peer_is_tls = удалённая сторона ждёт TLS с первого байта (порт или прокси только для TLS), а не SSLRequest протокола PostgreSQL
pg_peer_unknown = удалённая сторона прислала байты не из протокола PostgreSQL ({ $bytes })
pg_no_root_cert = для sslmode={ $mode } нужен корневой сертификат: в sslrootcert он не указан, а ~/.postgresql/root.crt нет
pg_cert_not_verified = sslmode={ $mode } шифрует соединение, но не проверяет сертификат сервера
pg_unencrypted = соединение с { $host } не зашифровано: пароли и данные идут по сети открытым текстом
pg_auth_detail = вход выполнен как { $user }
pg_auth_detail_anonymous = вход выполнен
pg_auth_timeout = сервер не ответил на запуск сессии за { $limit }
pg_closed_during_startup = сервер закрыл соединение, не прислав ни одного ответа PostgreSQL
pg_closed_during_query = сервер закрыл соединение во время запроса
pg_server_said = { $severity } { $sqlstate }: { $message }
pg_refused_role_limit = { $said }
pg_refused_database_limit = { $said }
pg_refused_database_closed = { $said }
pg_query_timeout = нет результата запроса за { $limit }
pg_no_row = служебный запрос не вернул ни одной строки
pg_query_detail = PostgreSQL { $version }, база { $database }, пользователь { $user }
pg_connections = занято { $used } из { $usable } слотов подключений (max_connections за вычетом резерва): пул следующего деплоя или вторая реплика могут получить `sorry, too many clients already`
pg_facts_denied = этой роли нельзя читать pg_stat_activity и системные каталоги: запас подключений и число таблиц узнать не удалось (вход и запрос работают)
pg_no_tables = в базе { $database } нет таблиц: миграции не применялись (запускайте их в pre-deploy-команде или команде запуска, например `alembic upgrade head`, `prisma migrate deploy`)
pg_facts_detail = { $detail }, подключений { $used }/{ $usable }
pg_read_only = { $facts }: сервер — реплика только для чтения, либо в базе по умолчанию включены транзакции только для чтения
pg_ignored_parameter = параметр `{ $key }` принят, но в этой проверке не используется
pg_role_limit = занято { $used } из { $limit } подключений, разрешённых CONNECTION LIMIT этой роли (ALTER ROLE … CONNECTION LIMIT): пул следующего деплоя может получить `too many connections for role`
pg_database_limit = занято { $used } из { $limit } подключений, разрешённых CONNECTION LIMIT этой базы (ALTER DATABASE … CONNECTION LIMIT): пул следующего деплоя может получить `too many connections for database`
pg_malformed = сервер прислал искажённое сообщение PostgreSQL ({ $what }): { $bytes }
pg_bad_length = сообщение `{ $kind }` с длиной { $len }
pg_md5_salt = запрос пароля MD5 с солью длиной { $len ->
    [one] { $len } байт
    [few] { $len } байта
   *[many] { $len } байт
} вместо 4
pg_empty_error_response = ErrorResponse без единого поля: ни уровня, ни кода, ни текста
pg_empty_notice_response = NoticeResponse без единого поля
redis_malformed = сервер прислал искажённый ответ Redis ({ $what }): { $bytes }
redis_last_words = сервер ответил `{ $text }` и закрыл соединение
redis_nested_too_deep = глубина вложенности массивов больше { $limit }
redis_not_utf8 = строка `{ $kind }` не в UTF-8
redis_bulk_length_wrong = bulk-строка длиннее заявленной длины
redis_unknown_type = неизвестный тип ответа, байт { $kind }
redis_not_a_number = после `{ $kind }` идёт `{ $line }`, а не число

## Redis

redis_tls_off = redis:// без шифрования
redis_unencrypted = соединение с { $host } не зашифровано (redis://): в приватной сети это нормально, через интернет — нет
redis_insecure = #insecure: сертификат сервера не проверяется
redis_timeout = нет ответа Redis за { $limit }
redis_auth_detail = AUTH как { $user }
redis_auth_detail_default = AUTH по паролю (пользователь default)
redis_no_credentials = в URL нет учётных данных
redis_ping_detail = PONG, Redis { $version }, база { $db }
redis_ping_detail_no_version = PONG, база { $db }
redis_replica = { $detail }: сервер — реплика (role:slave), и любая запись, например сохранение отозванного токена, упадёт с READONLY
redis_evicts_all = maxmemory-policy = { $policy }: когда память кончится, Redis может вытеснить любой ключ, включая отозванные токены и сессии (используйте volatile-lru и TTL только на ключах кэша, или noeviction)
redis_memory_full = Redis занимает { $used_mib } из { $max_mib } МиБ maxmemory: когда память кончится, запись будет падать с OOM (noeviction или volatile-* при слишком малом числе ключей с TTL)
redis_clients = занято { $clients } из { $max } клиентских подключений (maxclients): новые подключения получат `max number of clients reached`
redis_peer_is_tls = сервер ответил TLS-записью: на этом порту нужен TLS
redis_port_speaks_tls = сервер закрыл соединение без TLS, ничего не ответив, а на тот же порт TLS-рукопожатие проходит: нужен TLS
redis_peer_unknown = удалённая сторона прислала байты не из протокола Redis ({ $bytes })
redis_closed = сервер закрыл соединение, не прислав ответа Redis
first_bytes = первые байты { $bytes }
no_bytes = ничего

## JWT

jwt_target = JWT { $algorithm }
jwt_target_hidden = JWT { $value }
jwt_config_detail = { $algorithm }, ключ из { $key_var }
jwt_public_key_missing = переменная JWT_PUBLIC_KEY не задана: токены подписываются, но проверку открытым ключом railconn не выполнил
jwt_bad_algorithm = { $var }={ $value } — неподдерживаемый алгоритм (HS256/384/512, RS256/384/512, PS256/384/512, ES256/384, EdDSA; регистр важен)
shown_value = `{ $value }`
hidden_value = (значение из { $chars ->
    [one] { $chars } символа
   *[other] { $chars } символов
}, не показано)
jwt_missing_secret = нет HMAC-секрета: не задана ни одна из переменных { $vars }
jwt_missing_private_key = для { $algorithm } нужен закрытый ключ в { $var } (текст PEM или путь к PEM-файлу)
jwt_bad_lifetime = { $var }={ $value } — не целое число минут
jwt_lifetime_expired = срок жизни токенов доступа — { $minutes } мин: они истекают сразу, и каждый запрос падает
jwt_lifetime_long = срок жизни токенов доступа — { $minutes } мин (больше суток): украденный токен всё это время остаётся действительным
jwt_lifetime_overflow = { $var } уводит срок жизни за 9999 год: приложение, которое считает exp через datetime в Python, получает OverflowError и не выпускает токен; задайте срок в минутах, например 30
value_not_utf8 = в { $var } есть байты не в UTF-8: драйвер или библиотека JWT приложения не прочтёт значение как задумано (Python хранит их суррогатами, которые не кодируются обратно, Node заменяет их); запишите значение в UTF-8 (в URL остальные байты кодируйте через %)
jwt_secret_detail = секрет { $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
   *[many] { $bytes } байт
}
jwt_placeholder = { $var } — известная заглушка или значение из примеров: подделать токен с ним может кто угодно
jwt_short_secret = в { $var } { $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
   *[many] { $bytes } байт
}, а для { $algorithm } нужно не меньше { $needed } (RFC 7518 §3.2)
jwt_key_file = { $var } — не текст PEM и не читаемый файл: { $error }
jwt_bad_private_key = { $var } — некорректный закрытый ключ { $algorithm } в PEM
jwt_bad_public_key = { $var } — некорректный открытый ключ { $algorithm } в PEM
jwt_rsa_too_small = { $var } — RSA-ключ короче 2048 бит (RFC 7518 §3.3 требует не меньше 2048)
jwt_algorithm_whitespace = в { $var } вокруг { $algorithm } есть пробелы или переводы строк: PyJWT и jsonwebtoken для Node ищут алгоритм по имени буквально и отказывают (`Algorithm not supported`); задайте { $var }={ $algorithm } без лишних символов
jwt_secret_is_key = в { $var } лежит PEM- или SSH-ключ, а не секрет: PyJWT не принимает асимметричный ключ как HMAC-секрет (`should not be used as an HMAC secret`), а jsonwebtoken для Node не проверит им токен; возьмите случайный секрет (openssl rand -hex 32) или алгоритм RS*/ES* с JWT_PRIVATE_KEY
jwt_key_escaped_newlines = { $var } — PEM с буквальными \n вместо переводов строк: railconn его прочитал, но PyJWT (`Could not parse the provided key`) и jsonwebtoken для Node такое значение не принимают, если приложение само не заменяет \n; сохраните PEM с настоящими переводами строк (в .env значение в двойных кавычках превращает \n в переводы строк)
jwt_key_certificate = { $var } — сертификат X.509, а не открытый ключ: jsonwebtoken для Node проверяет им токены, а PyJWT отказывает (`Could not parse the provided public key`); для приложения на Python положите в { $var } открытый ключ: openssl x509 -in cert.pem -pubkey -noout
jwt_key_path = { $var } — путь, а не текст PEM: railconn прочитал файл, но PyJWT и jsonwebtoken для Node считают ключом само значение и отказывают, если приложение само не читает файл; положите в { $var } текст PEM
jwt_key_detail = закрытый ключ { $algorithm }{ $bits ->
    [0] {""}
    [one] , { $bits } бит
    [few] , { $bits } бита
   *[many] , { $bits } бит
}{ $public ->
    [yes] , открытый ключ есть
   *[no] {""}
}
jwt_sign_failed = подписать токен не удалось: { $kind }
jwt_signed_only = токен подписан (открытого ключа для проверки нет)
jwt_roundtrip_detail = токен подписан и проверен (exp через { $minutes } мин)
jwt_key_mismatch = JWT_PUBLIC_KEY не соответствует JWT_PRIVATE_KEY: токены, подписанные приложением, не пройдут проверку
jwt_verify_failed = подписанный токен не прошёл проверку: { $kind }

## Находки, затрагивающие несколько проверок

memory_fallback = Redis { $state ->
    [failing] недоступен
   *[unset] не настроен
}: список отозванных токенов (blacklist) и кэш будут храниться в памяти процесса — они теряются при каждом перезапуске, и у каждого инстанса и воркера они свои, так что токен, отозванный при выходе пользователя на одном из них, продолжит действовать на остальных
steps_not_run = { $steps }: { $count ->
    [one] не выполнялся
   *[other] не выполнялись
}
optional_failed = проверка { $check } не прошла ({ $code }), но она необязательная: деплой она не блокирует
jwt_secret_reused = JWT-секрет совпадает с паролем базы данных или Redis: одна утечка открывает оба, а смена одного ломает другой
pooled_url = задана DATABASE_UNPOOLED_URL, значит DATABASE_URL идёт через PgBouncer (transaction pooling): миграции, LISTEN и advisory-блокировки выполняйте через DATABASE_UNPOOLED_URL
loopback_on_railway = цель проверки { $check } — localhost, а переменные Railway заданы: внутри деплоя на Railway там ничего не слушает (используйте ссылочную переменную сервиса); под `railway run` на ноутбуке это нормально

## SQLite

sqlite_no_network = SQLite: локальный файл, подключаться некуда
sqlite_in_memory_target = база SQLite в памяти
sqlite_in_memory = DATABASE_URL — база SQLite в памяти: у каждого процесса своя, и при каждом запуске она пустая
sqlite_missing = файла SQLite { $path } здесь нет: приложение создаст его пустым при первой записи
sqlite_not_a_file = { $path } — не обычный файл
sqlite_not_sqlite = { $path } — не база SQLite (заголовок файла не `SQLite format 3`)
sqlite_unreadable = не удаётся прочитать { $path }: { $error }
sqlite_ok = файл SQLite { $path }, { $kib } КиБ
sqlite_outside_volume = файл SQLite лежит вне тома Railway ({ $volume }): его данные пропадают при каждом редеплое; перенесите его на том или используйте PostgreSQL
sqlite_no_volume = на Railway файл SQLite пропадает вместе с контейнером при каждом редеплое, если он не лежит на томе (RAILWAY_VOLUME_MOUNT_PATH); продакшен-приложениям здесь обычно нужен PostgreSQL

## wait, watch, env

wait_timed_out = railconn wait: за { $timeout } готовности не дождались; последний отчёт — выше
wait_stopped_early = railconn wait: ожидание прервано — проверка { $check } завершилась ошибкой { $code }, а ожидание её не исправит; смотрите отчёт выше
wait_stopped_on_warnings = railconn wait: ожидание прервано — остались только предупреждения (--strict), а от ожидания они не исчезнут; смотрите отчёт выше
wait_failing = { $check } ({ $code })
wait_progress = ждём { $failing } — { $elapsed } / { $timeout }
command_not_started = railconn wait: не удаётся запустить { $command }: { $error }
watch_change = { $time } { $check }: { $before ->
    [pass] норма
    [warn] предупреждение
    [fail] сбой
   *[skip] пропуск
} -> { $now ->
    [pass] норма
    [warn] предупреждение
    [fail] сбой
   *[skip] пропуск
}{ $code } ({ $took })
watch_first = { $time } { $check }: { $now ->
    [pass] норма
    [warn] предупреждение
    [fail] сбой
   *[skip] пропуск
}{ $code } ({ $took })
watch_check_state = { $check } { $status ->
    [pass] норма
    [warn] предупреждение
    [fail] сбой
   *[skip] пропуск
} { $took }
watch_heartbeat = { $time } сводка (раунд { $round }): { $states }
watch_no_failures = сбоев нет
watch_failure_count = { $code } ×{ $count }
watch_failures = сбои: { $list }
watch_summary = { $check }: доступность { $availability } % за { $rounds ->
    [one] { $rounds } раунд
    [few] { $rounds } раунда
   *[many] { $rounds } раундов
}, { $failures }; задержка от { $min } до { $max }, медиана { $median }
env_variables = Переменные (в каждой группе действует первая заданная; переменные окружения процесса важнее файлов .env)
env_targets = Цели
env_default = по умолчанию
env_invalid_url = (некорректный URL: { $message })
env_secret = *** ({ $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
   *[many] { $bytes } байт
})
env_key_pem = *** (текст PEM, { $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
   *[many] { $bytes } байт
})
env_key_path = *** (не текст PEM: railconn читает его как путь к файлу; PyJWT и jsonwebtoken считают ключом само значение и отказывают)
env_key_escaped = *** (текст PEM с буквальными \n, { $bytes ->
    [one] { $bytes } байт
    [few] { $bytes } байта
   *[many] { $bytes } байт
}: PyJWT и jsonwebtoken в таком виде его не принимают)
env_file_committable = { $path } лежит в рабочем дереве git и не игнорируется: настоящие учётные данные из него могут попасть в коммит (добавьте его в .gitignore; заглушки держите в .env.example)
origin_environment = окружение
env_value_too_large = запись { $entry }: после подстановок значение больше { $kib } КиБ
env_file_too_large = больше { $kib } КиБ
env_too_many_dollars = больше { $limit } подстановок `$`
env_entry = запись { $entry }: { $problem }
env_line_not_pair = строка не в формате KEY=VALUE (сама строка не показана: в ней может быть секрет)
env_unclosed_quote = у значения в кавычках нет закрывающей кавычки, и оно тянется до конца файла: добавьте закрывающую кавычку (строка не показана: в ней может быть секрет)
env_not_utf8 = некорректный UTF-8
env_unparsable = не удалось разобрать

## --resolve HOST:PORT:ADDR

resolve_form = укажите HOST:PORT:ADDR, например db.example.com:5432:127.0.0.1 (IPv6-адрес в ADDR можно взять в квадратные скобки)
resolve_bad_port = `{ $port }` — не номер порта (1–65535): укажите HOST:PORT:ADDR
resolve_bad_addr = `{ $addr }` — не IP-адрес: укажите HOST:PORT:ADDR, где ADDR — адрес вроде 127.0.0.1 или [::1]

## Ошибки, из-за которых проверка не запустилась (код выхода 2)

error_prefix = railconn: ошибка: { $error }
error_resolve = --resolve { $value }: { $problem }
error_nothing_selected = проверять нечего: после --only/--skip не осталось ни одной проверки
error_app_dir = --app-dir { $path } — не каталог: укажите каталог, где лежат package.json, requirements.txt или pyproject.toml приложения
driver_unknown = неизвестный драйвер `{ $name }`: укажите один из { $known }, при желании с @ВЕРСИЕЙ (например, pg@8.23.1)
driver_bad_version = `{ $arg }`: версия после @ должна начинаться с числа (например, pg@8.23.1)
drivers_found = Проверено так, как подключатся драйверы приложения: { $list }
drivers_none = В манифестах приложения не найдено ни драйверов PostgreSQL, Redis, MySQL или AMQP, ни библиотеки JWT: проверено по правилам libpq, redis-rs, kombu и PyJWT, а URL MySQL — по параметрам в самом URL (см. --app-dir, --driver)
driver_manifest_unreadable = не удалось прочитать { $file }, чтобы узнать драйверы приложения: { $reason }
driver_manifest_malformed = файл некорректен: { $error }
driver_manifest_not_utf8 = это не текст в UTF-8
driver_node_pg_verify_full = { $driver } понимает sslmode={ $mode } как verify-full (pg-connection-string 2.x), поэтому railconn проверил цепочку сертификатов и имя хоста — так, как подключится приложение
driver_node_pg_cause = { $driver } понимает sslmode={ $mode } как verify-full: проверяет сертификат сервера по хранилищу CA Node.js (или по sslrootcert) и сверяет имя хоста. Сертификат этого сервера проверку не проходит, и приложение не подключится, хотя libpq, psql и psycopg подключаются без проверки.
driver_node_pg_fix = Дайте node-postgres сертификат CA сервера: добавьте в URL sslrootcert=/path/to/ca.pem. Либо добавьте uselibpqcompat=true, чтобы sslmode=require значил то же, что в libpq (шифрование без проверки), либо укажите sslmode=no-verify; в обоих случаях любой, кто окажется между приложением и сервером, сможет выдать себя за сервер.
driver_node_pg_compat = node-postgres с uselibpqcompat=true понимает sslmode так же, как libpq: проверено по правилам libpq
driver_node_pg_plaintext = { $driver } включает TLS, только если в URL есть sslmode (или задана PGSSLMODE): без этого он подключается без шифрования — и railconn проверил подключение так же
driver_node_pg_plaintext_cause = { $driver } включает TLS, только если в URL есть sslmode (или задана PGSSLMODE): без этого он подключается без шифрования, а этот сервер незашифрованные подключения отклоняет, хотя libpq, psql и psycopg подключаются (они предпочитают TLS).
driver_node_pg_plaintext_fix = Добавьте в URL sslmode: sslmode=verify-full&sslrootcert=/path/to/ca.pem, чтобы проверять сервер, или sslmode=no-verify, чтобы шифровать без проверки.
driver_node_pg_no_verify = node-postgres с sslmode=no-verify шифрует соединение, но не проверяет сертификат сервера: любой на пути к серверу может выдать себя за него
driver_node_pg_verifies = { $driver } для этого URL проверяет цепочку сертификатов и имя хоста по хранилищу CA Node.js (или по sslrootcert): проверено так же
driver_node_pg_verifies_cause = { $driver } проверяет сертификат сервера по хранилищу CA Node.js (или по sslrootcert) и сверяет имя хоста. Сертификат этого сервера проверку не проходит, и приложение не подключится; sslmode=require не поможет: node-postgres проверяет сертификат и при нём.
driver_node_pg_system_root = { $driver } понимает sslrootcert=system как файл с именем «system» и падает до подключения (ENOENT)
driver_node_pg_system_root_cause = { $driver } понимает sslrootcert только как путь к файлу (pg-connection-string читает его через fs.readFileSync): при sslrootcert=system (libpq, PostgreSQL 16+) он открывает файл «system», которого нет, и приложение падает, не подключившись.
driver_node_pg_term_refused = { $term } понимает только { $node }; другие драйверы PostgreSQL приложения ({ $others }) читают URL так же, как libpq, и отвергают его, поэтому код, который ими пользуется, упадёт.
driver_node_pg_term_refused_fix = Используйте URL, который понимают все драйверы: sslmode=verify-full&sslrootcert=/path/to/ca.pem проверяет сервер во всех. Чтобы шифровать без проверки, уберите sslmode из URL (libpq тогда предпочтёт TLS без проверки) и передайте node-postgres ssl: { "{" } rejectUnauthorized: false { "}" } в параметрах Client.
driver_node_pg_system_root_fix = Уберите sslrootcert=system: при sslmode=verify-full node-postgres и так проверяет сертификат по хранилищу CA Node.js. Для собственного CA укажите путь к его файлу (sslrootcert=/path/to/ca.pem).
driver_asyncpg_system_root = { $driver } понимает sslrootcert=system как файл с именем «system» и падает до подключения (FileNotFoundError)
driver_asyncpg_system_root_cause = { $driver } понимает sslrootcert только как путь к файлу: при sslrootcert=system (libpq, PostgreSQL 16+) он загружает файл «system», которого нет, и приложение падает, не подключившись.
driver_asyncpg_system_root_fix = Дайте asyncpg файл: sslrootcert=/etc/ssl/certs/ca-certificates.crt (системный набор в Debian и Ubuntu) вместе с sslmode=verify-full, или передайте ssl=ssl.create_default_context() в asyncpg.connect.
driver_asyncpg_prefer = { $driver } понимает sslrootcert=system без sslmode как sslmode=prefer, без проверки сертификата (libpq проверил бы его полностью): проверено так, как подключится asyncpg
driver_ioredis_ipv4_only = { $driver } ищет для { $host } только адреса IPv4 (family 4), а у имени есть только адреса IPv6: getaddrinfo ENOTFOUND
driver_ioredis_cause = { $driver } резолвит имена хостов только в IPv4 (family 4, по умолчанию до версии 5.8.2), а у этого имени есть только адреса IPv6 (старая приватная сеть Railway — только IPv6): приложение упадёт с ENOTFOUND, хотя redis-py, node-redis и redis-rs подключаются.
driver_ioredis_fix = Добавьте в URL family=0 (redis://…?family=0), передайте family: 0 в параметрах ioredis или обновите ioredis до 5.8.2 или новее.
driver_redis_query_password_read = Пароль из ?password= читают: { $drivers }; railconn тоже его отправляет. redis-rs и node-redis его не читают; пароль в userinfo (redis://:PASSWORD@host) понимают все клиенты.
driver_redis_query_password_ignored = ?password= в URL не читают: { $drivers } — подключение идёт без пароля (его читают только redis-py и ioredis). Перенесите пароль в userinfo: redis://:PASSWORD@host:port/0 (redis://USER:PASSWORD@… для пользователя ACL).
error_env_file = не удаётся прочитать файл переменных { $path }: { $reason }. Исправьте файл или передайте --no-env-file
error_env_file_named = не удаётся прочитать файл переменных { $path }: { $reason }. Исправьте файл или уберите --env-file { $path }
error_env_pipe = не удаётся прочитать переменные из { $path } (канала вроде <(railway variable list --kv)): { $reason }
error_runtime = не удаётся запустить асинхронный рантайм: { $error }
error_output = не удаётся записать отчёт: { $error }
error_output_file = не удаётся записать отчёт в { $path }: { $reason }
url_not_shown = <URL не показан: в нём может быть пароль>
duration_zero = должно быть больше нуля
duration_too_long = должно быть не больше 24h
bad_duration = { $error }: укажите длительность, например 500ms, 10s или 1m
not_a_regular_file = не обычный файл
file_too_large = больше { $kib } КиБ
arguments_not_shown = <аргументы, которые отправил railconn, не показаны>
message_withheld = <сообщение не показано: в нём есть настроенный секрет, который вернула удалённая сторона>
fifo_without_reader = это FIFO (именованный канал), из которого никто не читает
pipe_stalled = это канал или устройство, которое не приняло или не отдало данные за { $limit }
fifo_without_writer = это FIFO (именованный канал), в который никто ничего не записал за { $limit }: сначала запустите программу, которая в него пишет
output_dash = `-` здесь не означает stdout: отчёт и так выводится в stdout; передайте --output имя файла
pipe_empty = канал закрылся, не передав ни одного байта: команда, которая должна была в него писать, ничего не вывела (запустите её отдельно, чтобы увидеть причину)

## Цели и выбор проверок

selector_bad_kind = `kind:{ $kind }` — неизвестный вид проверки: укажите kind:postgresql, kind:sqlite, kind:redis, kind:mysql, kind:amqp или kind:jwt
selector_empty = пустое имя проверки: укажите имя проверки (postgres, redis, jwt или переменную, например CELERY_BROKER_URL) или kind:ВИД
target_form = укажите ИМЯ=URL, например --target replica=postgresql://replica.example:5432/app (ИМЯ: буквы, цифры, _ - .)
target_name_space = в ИМЕНИ (до =) есть пробел: используйте только буквы, цифры, _ - и ., например --target read_replica=postgresql://replica.example:5432/app
target_name_char = в ИМЕНИ (до =) есть `{ $char }`: используйте только буквы, цифры, _ - и ., например --target read_replica=postgresql://replica.example:5432/app
target_default_name = `{ $name }` — проверка по умолчанию: чтобы проверить для неё другой URL, используйте --database-url или --redis-url, либо выберите другое ИМЯ
target_bad_scheme = URL цели `{ $name }` — не URL PostgreSQL, MySQL, Redis или AMQP: укажите postgresql://…, mysql://…, redis://… (rediss:// для TLS) или amqp://… (amqps:// для TLS)
warning_unknown_check = railconn: предупреждение: проверки `{ $name }` нет, и этот флаг ничего не выбирает (доступные проверки: { $checks })
warning_unknown_check_near = railconn: предупреждение: проверки `{ $name }` нет, и этот флаг ничего не выбирает; возможно, имелась в виду проверка `{ $meant }` (доступные проверки: { $checks })
warning_merged_name = railconn: предупреждение: в { $name } тот же URL, что у проверки `{ $check }`, и он проверяется в её составе; --skip, --optional и --allow действуют на имена проверок, поэтому это имя ничего не меняет: укажите `{ $check }`, чтобы изменить, как этот URL влияет на деплой
error_flag = { $flag } { $value }: { $problem }
allow_form = укажите --allow КОД или --allow КОД@ПРОВЕРКА, например --allow no_tables или --allow connection_refused@CACHE_URL
allow_bad_code = `{ $code }` — не код ошибки или замечания: укажите --allow КОД[@ПРОВЕРКА] с кодом из отчёта (все коды перечисляет railconn explain --list), например no_tables или connection_refused@CACHE_URL
allowed = { $message } — допущено флагом --allow { $code }
label_not_checked = Другие сервисы (не проверяются)
not_checked = { $variable } ({ $origin }): URL { $scheme }:// — такие URL railconn не проверяет

## Подписи в отчёте

header = railconn { $version }: проверка заняла { $took }
label_works = Что работает
label_allowed = Допущенные сбои (--allow) — деплой не блокируют, но сервисы не работают
label_problems = Проблемы
label_limitations = Предупреждения
label_skipped = Не проверялось
label_error = Ошибка
label_cause = Причина
label_fix = Решение
label_source = Источник
label_provider = Провайдер
# Названия строк таблицы провайдеров по их id (в src/provider/table.rs — только id и ссылки на документацию).
provider_name = { $id ->
    [railway_private] приватная сеть Railway
    [railway_proxy] TCP-прокси Railway
    [neon] Neon
    [supabase_direct] Supabase, прямое подключение
    [supabase_pooler] пулер Supabase (Supavisor)
    [upstash] Upstash
    [redis_cloud] Redis Cloud
    [render_internal] приватная сеть Render
    [render] Render
    [heroku] Heroku
    [aiven] Aiven
    [fly_private] приватная сеть Fly.io
    [fly_flycast] Fly.io Flycast
    [aws_rds] AWS RDS
    [aws_elasticache] AWS ElastiCache
    [digitalocean] DigitalOcean, управляемые базы данных
    [planetscale] PlanetScale
    [cloudamqp] CloudAMQP
   *[other] { $id }
}
provider_with_doc = { $name } ({ $doc })
provider_tls_only_redis = URL без шифрования (redis://), а { $provider } принимает только TLS и оборвёт такое соединение; используйте rediss://
provider_tls_only_pg = соединение без шифрования, а { $provider } принимает только TLS и такое соединение отклонит; используйте sslmode=require или строже
pooler_transaction = перед базой стоит { $name } в режиме транзакций (определено по { $evidence }): подготовленные запросы, LISTEN/NOTIFY, SET на сессию и advisory-блокировки действуют только до конца транзакции: следующая может попасть на другое соединение с сервером (asyncpg: statement_cache_size=0; psycopg 3: prepare_threshold=None; Prisma: ?pgbouncer=true); миграции запускайте по прямому URL или URL в режиме сессий
pooler_session = перед базой стоит { $name } в режиме сессий (определено по { $evidence }): каждый клиент держит соединение с базой, пока подключён
pooler_unknown_mode = перед базой стоит { $name } (определено по { $evidence }): в режиме транзакций подготовленные запросы, LISTEN/NOTIFY и SET на сессию действуют только до конца транзакции
pooler_by_port = порту
pooler_by_host = имени хоста
pooler_by_error = его ошибке
dns_pinned = { $addresses } (из --resolve, не из DNS)
label_critical = критичная проверка
label_optional = необязательная проверка
skipped_by_flag = пропущено (--skip/--only)
interrupted = прервано ({ $signal ->
    [SIGTERM] SIGTERM
   *[other] Ctrl-C
}) до завершения
junit_suite = railconn check
junit_strict_warning = предупреждение (--strict): { $codes }
markdown_table_header = | Проверка | Статус | Цель | Результат |
annotation_title = railconn { $check }: { $code }
annotation_title_at = railconn { $check }: { $code } на шаге { $step }
code_at_step = `{ $code }` на шаге { $step }
error_at_step = { $code } на шаге { $step }: { $message }
badge_pass = ✅ пройдена
badge_warn = ⚠️ предупреждение
badge_fail = ❌ не пройдена
badge_skip = ⏭️ пропущена
badge_allowed = ☑️ сбой допущен
verdict_ready = { $limitations ->
    [0] Итог: можно деплоить
    [one] Итог: можно деплоить, есть { $limitations } предупреждение
    [few] Итог: можно деплоить, есть { $limitations } предупреждения
   *[many] Итог: можно деплоить, есть { $limitations } предупреждений
}
verdict_not_ready = { $critical ->
    [one] Итог: деплоить нельзя — { $critical } критическая проблема
    [few] Итог: деплоить нельзя — { $critical } критические проблемы
   *[many] Итог: деплоить нельзя — { $critical } критических проблем
}
verdict_not_ready_strict = { $limitations ->
    [one] Итог: деплоить нельзя — { $limitations } предупреждение (--strict)
    [few] Итог: деплоить нельзя — { $limitations } предупреждения (--strict)
   *[many] Итог: деплоить нельзя — { $limitations } предупреждений (--strict)
}
verdict_interrupted = Итог: деплоить нельзя — прервано ({ $signal ->
    [SIGTERM] SIGTERM
   *[other] Ctrl-C
}) до завершения всех проверок

## serve: логи, здоровье, ответы HTTP

serve_listening = railconn serve: слушаю http://{ $addr } (/metrics, /healthz, /livez, /); проверяю { $interval }
serve_open = railconn serve: токен не задан (RAILCONN_SERVE_TOKEN или --token-file): все эндпоинты открыты любому, кто доберётся до этого порта; держите его в приватной сети или задайте токен
serve_token_on = railconn serve: на всех эндпоинтах, кроме /livez, нужен bearer-токен
serve_ipv4_only = railconn serve: IPv6 здесь недоступен, слушаю только IPv4 ({ $addr })
health_no_round = ни один раунд проверок ещё не завершился
health_stale = результаты устарели: последний раунд завершился { $age } назад
http_unauthorized = 401 — нужен токен: передайте заголовок Authorization: Bearer <token>
http_not_found = 404 — такой страницы нет; попробуйте /, /metrics, /healthz или /livez
error_listen = не удаётся слушать { $addr }: { $reason }. Укажите другой адрес или порт в --listen
error_port = PORT должен быть номером порта (1–65535), а не { $value }: исправьте PORT или передайте --listen
error_token_file = не удаётся использовать файл токена { $path }: { $reason }
token_empty = он пустой

## Страница состояния serve

page_title = railconn: состояние
page_waiting = Ни один раунд проверок ещё не завершён; страница обновляется сама.
page_updated = Последний раунд завершён { $time }; проверки идут { $interval }, и страница обновляется так же часто.
page_column_check = Проверка
page_column_status = Статус
page_column_target = Цель
page_column_result = Результат

## Причины и решения

advice_redis_tls_timeout =
    .cause = Сервер принял соединение, но так и не ответил на TLS-рукопожатие: скорее всего, это Redis без TLS (у Redis на Railway и у обычного redis-server TLS нет).
    .fix = Используйте redis:// вместо rediss://.
advice_pg_tls_timeout =
    .cause = Порт принял соединение, но не ответил на 8-байтный SSLRequest протокола PostgreSQL: скорее всего, там сервер другого типа, который ждёт продолжения ввода (так делает Redis), а не PostgreSQL.
    .fix = Проверьте хост и порт в { $variable }: копируйте их вместе из параметров подключения базы (на Railway — её DATABASE_URL, а снаружи — DATABASE_PUBLIC_URL).
advice_pg_tls_closed =
    .cause = На этом порту соединения принимаются, но после первого же сообщения PostgreSQL соединение закрылось: базы за ним нет (сервис остановлен, спит или удалён), либо порт принадлежит серверу другого типа.
    .fix = Скопируйте актуальный URL из панели управления базы данных и посмотрите логи базы.
advice_pg_missing_config =
    .cause = URL PostgreSQL не задан: переменных окружения, из которых он берётся (их называет ошибка), нет или они пустые — и в окружении, и во всех прочитанных файлах .env.
    .fix = { $variable ->
        [DATABASE_PUBLIC_URL] Задайте DATABASE_PUBLIC_URL — публичный URL базы (его выводит railway variable list --service Postgres --kv) — или передайте --database-url; без --public railconn проверяет DATABASE_URL, URL, которым приложение пользуется внутри Railway.
       *[other] Задайте { $variable } (на Railway — ссылкой: { $variable }=${"{{"}Postgres.DATABASE_URL{"}}"}; с ноутбука или из CI — DATABASE_PUBLIC_URL базы) или передайте --database-url. Если базы у приложения нет, используйте --skip postgres.
    }
advice_pg_unsupported_scheme =
    .cause = URL начинается не с postgresql:// и не с postgres://, поэтому клиенты на libpq его отвергнут.
    .fix = Возьмите URL postgresql:// из Variables сервиса базы данных.
advice_pg_dns_not_found =
    .cause = Такого имени хоста резолвер этой машины не знает: опечатка, база или сервис переименованы или удалены, либо это приватное имя, которое резолвится только внутри своей сети.
    .fix = Сверьте хост с указанным в панели управления базы и скопируйте URL заново; с ноутбука или из CI используйте публичный URL базы.
advice_pg_connection_refused =
    .cause = Хост ответил, но на этом порту никто не слушает: база остановлена, падает или перезапускается, либо порт не от этого хоста (на Railway — порт прокси с приватным хостом или 5432 с хостом прокси).
    .fix = Проверьте, что база работает (её логи в панели провайдера); скопируйте хост и порт вместе из параметров подключения базы в { $variable }.
advice_pg_tls_unsupported =
    .cause = Сервер не поддерживает TLS, а sslmode в URL его требует (локальный PostgreSQL или PostgreSQL в docker, PgBouncer без TLS).
    .fix = Включите TLS на сервере или используйте sslmode=prefer (или disable) в доверенной приватной сети.
advice_pg_tls_required =
    .cause = Сервер пускает этого пользователя только по TLS (в pg_hba.conf для него есть только записи hostssl), а соединение было без шифрования.
    .fix = Добавьте ?sslmode=require в { $variable }.
advice_pg_certificate_invalid =
    .cause = Сертификат сервера не проходит проверку, которую требует sslmode: он самоподписанный или от частного CA, просрочен или выдан на другое имя. У PostgreSQL на Railway сертификат самоподписанный, для `localhost`, поэтому verify-ca и verify-full с системными корневыми сертификатами не пройдут.
    .fix = Используйте sslmode=require (шифрует без проверки, как libpq) или укажите CA сервера: sslrootcert=/path/root.crt и sslmode=verify-ca.
advice_pg_connection_closed =
    .cause = На этом порту соединения принимаются, но базы за ним нет: сервис остановлен, спит или удалён, либо URL указывает на старый деплой.
    .fix = Скопируйте актуальный URL из панели управления базы данных и посмотрите логи базы.
advice_pg_protocol_error =
    .cause = На этом порту не PostgreSQL: HTTP-эндпоинт (домен приложения *.up.railway.app), сервер Redis или порт только для TLS.
    .fix = Укажите в { $variable } хост и порт самой базы из её параметров подключения (на Railway — её DATABASE_URL, а снаружи — DATABASE_PUBLIC_URL).
advice_pg_auth_failed =
    .cause = Сервер отверг учётные данные: неверный или устаревший пароль (URL скопирован до смены пароля; POSTGRES_PASSWORD поменяли после инициализации тома, а это ничего не меняет), неверный пользователь или роль с паролем в MD5, когда сервер требует SCRAM.
    .fix = Используйте ссылочную переменную { $variable }=${"{{"}Postgres.DATABASE_URL{"}}"} вместо скопированного значения или сбросьте пароль: ALTER ROLE <user> PASSWORD '…'.
advice_pg_auth_required =
    .cause = Сервер требует пароль, а в URL его нет (например, URL собран из ссылки, которая оказалась пустой).
    .fix = Добавьте пароль в URL, закодировав спецсимволы через %: postgresql://user:PASSWORD@host:5432/db.
advice_pg_access_denied =
    .cause = Сервер не пускает этого пользователя, в эту базу или с этого адреса (нет подходящей записи в pg_hba.conf или права CONNECT).
    .fix = Используйте учётные данные, которые сгенерировала платформа, или выдайте доступ (pg_hba.conf, GRANT CONNECT ON DATABASE …).
advice_pg_database_not_found =
    .cause = Базы, указанной в пути URL, на этом сервере нет (на Railway она называется `railway`; без пути берётся имя пользователя).
    .fix = Исправьте часть /dbname в URL или создайте базу: createdb <name>.
advice_pg_too_many_connections =
    .cause = Все слоты подключений заняты (max_connections): размер пула × воркеры × реплики, пересекающиеся деплои или утёкшие соединения.
    .fix = Уменьшите пул в приложении, поставьте перед базой PgBouncer или завершите простаивающие сессии: SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE state = 'idle';
advice_pg_server_starting =
    .cause = База запускается, останавливается или восстанавливается (SQLSTATE 57P03) — так бывает сразу после редеплоя или падения.
    .fix = Подождите несколько секунд и проверьте снова; если не проходит, проверьте свободное место на томе и логи сервиса.
advice_pg_read_only =
    .cause = Сервер принимает подключения, но не запись: это реплика в режиме восстановления (эндпоинт для чтения или standby после failover), либо включён default_transaction_read_only. Первый же INSERT приложения упадёт с SQLSTATE 25006.
    .fix = Направьте { $variable } на основной эндпоинт (чтение и запись); после failover скопируйте URL нового основного сервера.
advice_pg_invalid_value =
    .cause = Сервер отверг параметр запуска из URL (настройку options=-c или другой параметр), так что подключение приложения упадёт так же.
    .fix = Исправьте или уберите параметр, названный в сообщении сервера.
advice_pg_query_failed =
    .cause = Подключение и вход прошли, но служебный запрос не выполнился.
    .fix = Прочитайте сообщение сервера выше; проверьте права пользователя.
advice_pg_prepared_statements =
    .cause = URL ведёт к пулеру соединений в режиме транзакций (PgBouncer до 1.21 или без max_prepared_statements, транзакционный порт Supavisor), а драйвер приложения использует подготовленные запросы: там подготовленный запрос действует только до конца своей транзакции, и запросы приложения падают с «prepared statement … does not exist», хотя подключение проходит.
    .fix = Укажите в { $variable } сессионный порт пулера или прямой URL либо отключите подготовку запросов в драйвере (asyncpg: statement_cache_size=0; SQLAlchemy с asyncpg: ?prepared_statement_cache_size=0; psycopg 3: prepare_threshold=None), затем --allow prepared_statements@ПРОВЕРКА.
advice_pg_role_limit =
    .cause = Исчерпан собственный лимит подключений роли (ALTER ROLE … CONNECTION LIMIT, pg_roles.rolconnlimit), даже если в max_connections место есть.
    .fix = Уменьшите пул приложения для этой роли или поднимите лимит: ALTER ROLE <user> CONNECTION LIMIT <n>; (-1 снимает его).
advice_pg_database_limit =
    .cause = Исчерпан собственный лимит подключений базы (ALTER DATABASE … CONNECTION LIMIT, pg_database.datconnlimit), даже если в max_connections место есть.
    .fix = Уменьшите пул приложения или поднимите лимит: ALTER DATABASE <db> CONNECTION LIMIT <n>; (-1 снимает его).
advice_pg_database_closed =
    .cause = База вообще не принимает подключения (ALLOW_CONNECTIONS false, pg_database.datallowconn) — как template0 или база, которую переносят или выводят из эксплуатации.
    .fix = Направьте { $variable } на базу приложения или снова откройте эту: ALTER DATABASE <db> ALLOW_CONNECTIONS true;
advice_malformed_reply =
    .cause = Удалённая сторона отвечает по нужному протоколу, но прислала ответ, который не разберёт ни один клиент: сломанный прокси или туннель перед сервером, несовместимый форк или тестовая заглушка на этом порту. Ожидание тут не поможет.
    .fix = Проверьте, что слушает этот хост и порт (URL провайдера, а не локальный туннель), и для сравнения подключитесь к серверу напрямую.
advice_redis_missing_config =
    .cause = URL Redis не задан: переменных окружения, из которых он берётся (их называет ошибка), нет или они пустые — и в окружении, и во всех прочитанных файлах .env.
    .fix = { $variable ->
        [REDIS_PUBLIC_URL] Задайте REDIS_PUBLIC_URL — публичный URL сервиса Redis (его выводит railway variable list --service Redis --kv) — или передайте --redis-url; без --public railconn проверяет REDIS_URL, URL, которым приложение пользуется внутри Railway.
       *[other] Задайте { $variable } (на Railway — ссылкой: { $variable }=${"{{"}Redis.REDIS_URL{"}}"}; с ноутбука или из CI — REDIS_PUBLIC_URL сервиса) или передайте --redis-url. Если приложение может работать без Redis, разрешите работу с кэшем в памяти флагом --optional redis.
    }
advice_redis_unsupported_scheme =
    .cause = URL начинается не с redis:// и не с rediss://.
    .fix = Возьмите URL redis:// из Variables сервиса Redis (rediss:// — для провайдеров с TLS, например Upstash).
advice_redis_dns_not_found =
    .cause = Такого имени хоста резолвер этой машины не знает: опечатка, Redis или сервис переименованы или удалены, либо это приватное имя, которое резолвится только внутри своей сети.
    .fix = Сверьте хост с указанным в панели управления провайдера Redis и заново скопируйте URL в { $variable }; с ноутбука или из CI используйте публичный URL.
advice_redis_connection_refused =
    .cause = Хост ответил, но на этом порту никто не слушает: Redis остановлен, падает или перезапускается, либо порт указан неверно.
    .fix = Проверьте, что Redis работает (его логи в панели провайдера); скопируйте хост и порт вместе из параметров подключения Redis в { $variable }.
advice_redis_tls_unsupported =
    .cause = URL требует TLS (rediss://), а сервер работает без шифрования (у Redis на Railway и у обычного redis-server TLS нет).
    .fix = Используйте redis:// вместо rediss://.
advice_redis_tls_required =
    .cause = Сервер на этом порту ждёт TLS, а в URL указан redis:// без шифрования (Upstash и Redis Cloud с включённым TLS принимают только TLS).
    .fix = Используйте rediss:// вместо redis://.
advice_redis_certificate_invalid =
    .cause = Сертификат сервера не удалось проверить по доверенным корневым сертификатам этой машины: он самоподписанный или от частного CA, просрочен или выдан на другое имя.
    .fix = Укажите в SSL_CERT_FILE набор CA провайдера (Redis Cloud его публикует); только для тестов можно добавить #insecure в конец URL rediss://.
advice_redis_connection_closed =
    .cause = На этом порту соединения принимаются, но закрываются без ответа Redis: сервис за прокси остановлен или удалён, достигнут лимит клиентов сервера, либо сервер ждёт TLS.
    .fix = Посмотрите логи сервиса Redis и скопируйте актуальный REDIS_URL из его Variables; если провайдер требует TLS, используйте rediss://.
advice_redis_protocol_error =
    .cause = На этом порту не Redis: HTTP-эндпоинт (REST URL, домен приложения *.up.railway.app) или сервер другого типа.
    .fix = Возьмите хост и порт Redis из REDIS_URL (для Upstash — эндпоинт rediss://, а не REST URL).
advice_redis_auth_failed =
    .cause = Redis отверг учётные данные: неверный или устаревший пароль, неверное имя пользователя, или пароль отправлен серверу, у которого пароля нет (какой из случаев — видно из ответа сервера выше).
    .fix = Скопируйте URL из Variables сервиса Redis (REDIS_URL: redis://default:PASSWORD@host:port) в { $variable }; если у сервера нет пароля, уберите его из URL.
advice_redis_auth_required =
    .cause = Сервер требует пароль (NOAUTH), а в URL его нет — например, URL собран только из REDISHOST и REDISPORT.
    .fix = Используйте полный URL с учётными данными: redis://default:PASSWORD@host:port.
advice_redis_access_denied =
    .cause = ACL-пользователю нельзя выполнять команду, которую отправляет проверка (NOPERM её называет: PING, INFO или SELECT для /db, отличной от 0), либо сервер в защищённом режиме (DENIED).
    .fix = Разрешите команду из ответа (например, ACL SETUSER <user> +ping +info +select), используйте /0 или задайте пароль на сервере.
advice_redis_database_not_found =
    .cause = Номер базы в пути URL вне допустимого для этого сервера диапазона (многие управляемые Redis дают только базу 0).
    .fix = Используйте /0 или уберите путь из URL.
advice_redis_too_many_connections =
    .cause = Достигнут лимит клиентов Redis (maxclients): клиенты создаются на каждый запрос или утекают.
    .fix = Используйте один клиент (пул) на процесс и закрывайте простаивающие; поднимите maxclients или лимит тарифа.
advice_redis_server_starting =
    .cause = Redis загружает данные в память (LOADING), как после перезапуска.
    .fix = Подождите несколько секунд и проверьте снова.
advice_redis_read_only =
    .cause = Подключение к реплике Redis (role:slave): запись, например сохранение отозванного токена, падает с READONLY. Так бывает после failover или с эндпоинтом только для чтения.
    .fix = Направьте { $variable } на основной эндпоинт (для записи).
advice_redis_query_failed =
    .cause = Подключение есть, но PING не прошёл.
    .fix = Прочитайте ответ сервера выше.
advice_jwt_missing_config =
    .cause = Ключ подписи не настроен: не заданы JWT_SECRET_KEY, JWT_SECRET и SECRET_KEY (HS*) или JWT_PRIVATE_KEY (RS*, PS*, ES*, EdDSA). Если приложение генерирует случайный секрет при каждом старте, то после каждого деплоя все пользователи разлогиниваются, а при нескольких репликах токен одной не принимает другая.
    .fix = Сгенерируйте секрет и задайте его: railway variable set JWT_SECRET_KEY=$(openssl rand -hex 32)
advice_jwt_invalid_value =
    .cause = У одной из настроек JWT значение, с которым приложение работать не сможет.
    .fix = Задайте ACCESS_TOKEN_EXPIRE_MINUTES целым числом минут, например 30.
advice_jwt_weak_secret =
    .cause = HMAC-секрет короче выхода хеш-функции (RFC 7518 §3.2: 32, 48, 64 байта для HS256, HS384, HS512) или это опубликованная заглушка: токены можно подделать.
    .fix = Замените его случайным значением: railway variable set JWT_SECRET_KEY=$(openssl rand -hex 32), затем сделайте редеплой (выданные токены станут недействительными).
advice_jwt_invalid_key =
    .cause = Ключ не годится: PEM не разбирается для этого алгоритма, это RSA-ключ короче 2048 бит, открытый ключ не от этого закрытого, HMAC-секрет — это PEM- или SSH-ключ, или значение не в UTF-8.
    .fix = Сохраните PEM со строками BEGIN/END и настоящими переводами строк (не буквальными \n); RSA-ключ сгенерируйте так: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048
advice_jwt_unsupported_algorithm =
    .cause = Библиотеки JWT не знают алгоритма с таким именем (регистр важен, а `none` запрещён).
    .fix = Задайте JWT_ALGORITHM=HS256 или RS256/ES256/EdDSA с парой ключей.
advice_jwt_roundtrip_failed =
    .cause = Токен, подписанный с этими настройками, не проходит проверку с ними же.
    .fix = Сделайте так, чтобы приложение подписывало и проверяло токены одним алгоритмом и одной парой ключей.
advice_net_invalid_url =
    .cause = URL составлен неверно: драйвер приложения его отвергнет или подключится не туда.
    .fix = Исправьте значение, как сказано в ошибке. Закодировать пароль для URL можно так: python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' 'PASSWORD'
advice_dns_zoned_address =
    .cause = В URL указан IPv6-адрес с зоной (`%25` и интерфейс), которую резолвер этой машины не принимает; libpq и драйвер приложения отказывают так же. Это не отсутствующее имя хоста.
    .fix = Уберите зону (`[::1]`), укажите её номером (`[::1%251]`) или используйте имя интерфейса только с адресом link-local fe80::.
advice_net_dns_timeout =
    .cause = DNS-резолвер не ответил за тайм-аут подключения.
    .fix = Проверьте DNS на этой машине (/etc/resolv.conf) и повторите; в медленной сети увеличьте --connect-timeout.
advice_net_dns_error =
    .cause = Временный сбой разрешения имён: DNS-резолвер недоступен или ещё не готов (как в первые секунды деплоя на Railway).
    .fix = Повторите через несколько секунд; проверьте настройки DNS на этой машине.
advice_net_connect_timeout =
    .cause = Нет ответа за тайм-аут подключения: файрвол или список разрешённых IP отбрасывает пакеты, адрес недоступен из этой сети, или сервис просыпается.
    .fix = Проверьте списки разрешённых адресов и сетевой путь; повторите или увеличьте --connect-timeout.
advice_net_network_unreachable =
    .cause = У этой машины нет маршрута до адреса: обычно это адрес только с IPv6 в сети без IPv6 (у сервисов Railway исходящий IPv6 по умолчанию выключен).
    .fix = Используйте эндпоинт с IPv4-адресом (например, хост пулера) или включите исходящий IPv6.
advice_net_tls_handshake_failed =
    .cause = TLS-рукопожатие не завершилось: его оборвал прокси, или у клиента и сервера нет общей версии протокола или шифра.
    .fix = Проверьте настройки TLS на сервере и нет ли прокси между клиентом и сервером.
advice_net_connection_reset =
    .cause = Соединение сброшено: его оборвал прокси или файрвол, или сервер упал.
    .fix = Посмотрите логи сервиса и повторите.
advice_net_timeout =
    .cause = Сервер принял соединение, но не ответил вовремя: он перегружен или запускается, либо на порту слушает что-то другое, что ждёт первых данных от клиента.
    .fix = Повторите; увеличьте --timeout; проверьте, что порт — именно этого сервиса.

## Подсказки провайдеров и пулеров: причины и решения, которые называют, где живёт база
## (какая подсказка где применяется, решает таблица в src/provider/table.rs)

tip_railway_private_dns_postgres =
    .cause = Имя *.railway.internal резолвится только внутри запущенного деплоя того же проекта и окружения Railway — не с ноутбука, не из CI и не во время сборки (RUN в Dockerfile, postinstall).
    .fix = Вне Railway используйте DATABASE_PUBLIC_URL (railconn check --public); миграции запускайте в pre-deploy-команде или команде запуска, а не при сборке.
tip_railway_private_dns_redis =
    .cause = Имя *.railway.internal резолвится только внутри запущенного деплоя того же проекта и окружения Railway — не с ноутбука, не из CI и не во время сборки (RUN в Dockerfile, postinstall).
    .fix = Вне Railway используйте REDIS_PUBLIC_URL (railconn check --public); внутри оставьте URL приватной сети и подключайтесь во время работы приложения, а не при сборке.
tip_railway_private_refused =
    .cause = Приватное имя резолвится, но сервис отказал в подключении: он не запущен или слушает только IPv4 (0.0.0.0), а приватная сеть Railway обращается к нему по IPv6 (окружения, созданные до 16 октября 2025 года, работают только по IPv6).
    .fix = Сделайте так, чтобы сервис слушал `::` (например, `uvicorn --host ::`, `redis-server --bind '* -::*'`), и посмотрите логи его деплоя.
tip_railway_proxy_closed_postgres =
    .cause = TCP-прокси Railway (*.proxy.rlwy.net) принял соединение и закрыл его, не передав ни одного ответа PostgreSQL: прокси работает, но база за ним не отвечает. Сервис PostgreSQL остановлен, упал, редеплоится или удалён (сюда же попадает URL, оставшийся от удалённого сервиса или проекта). Дело не в пароле: о неверном пароле PostgreSQL сообщил бы сам.
    .fix = Откройте проект в Railway и проверьте деплой и логи сервиса PostgreSQL (railway logs --service Postgres). Если сервиса больше нет, добавьте базу данных и заново скопируйте её DATABASE_PUBLIC_URL (railway variable list --service Postgres --kv); внутри Railway используйте { $variable ->
        [DATABASE_PUBLIC_URL] DATABASE_URL
       *[other] { $variable }
    }=${"{{"}Postgres.DATABASE_URL{"}}"}.
tip_railway_proxy_closed_redis =
    .cause = TCP-прокси Railway (*.proxy.rlwy.net) принял соединение и закрыл его, не передав ни одного ответа Redis: прокси работает, но Redis за ним не отвечает. Сервис Redis остановлен, упал, редеплоится или удалён.
    .fix = Откройте проект в Railway и проверьте деплой и логи сервиса Redis (railway logs --service Redis). Если сервиса больше нет, добавьте Redis и заново скопируйте его REDIS_PUBLIC_URL (railway variable list --service Redis --kv); внутри Railway используйте { $variable ->
        [REDIS_PUBLIC_URL] REDIS_URL
       *[other] { $variable }
    }=${"{{"}Redis.REDIS_URL{"}}"}.
tip_railway_proxy_refused =
    .cause = TCP-прокси Railway не принимает подключения на этом порту: у каждого прокси свой случайный порт, и он меняется, если Public Networking отключить и включить снова.
    .fix = Копируйте хост и порт вместе из переменной *_PUBLIC_URL сервиса (railway variable list --service <name> --kv).
tip_railway_proxy_gone =
    .cause = Имени *.proxy.rlwy.net не существует: у сервиса отключили Public Networking (TCP-прокси) либо удалили сам сервис или проект. Ожиданием имя не вернуть.
    .fix = Включите у сервиса Public Networking (Settings → Networking → TCP Proxy) и скопируйте новый *_PUBLIC_URL; если сервиса больше нет, создайте его заново.
tip_render_internal_only =
    .cause = Внутренние имена хостов Render (dpg-…-a, red-…) резолвятся только внутри сервисов Render в том же регионе и рабочем пространстве (workspace).
    .fix = Вне Render используйте External Database URL (…<region>-postgres.render.com) или внешний URL Key Value.
tip_render_expired =
    .cause = Бесплатные базы Render действуют 30 дней после создания, а после льготного периода удаляются: истёкшая или приостановленная база перестаёт отвечать, а имя удалённой перестаёт резолвиться.
    .fix = Проверьте базу в панели управления Render: переведите её на платный тариф или создайте новую и скопируйте её External Database URL.
tip_render_allow_list =
    .cause = Внешние подключения Render принимает только с адресов из списка доступа (access control list) базы.
    .fix = Добавьте адрес этой машины в Networking → Access Control базы (или используйте внутренний URL из сервиса Render).
tip_render_tls =
    .cause = Для внешних подключений Render требует TLS.
    .fix = Добавьте ?sslmode=require в URL PostgreSQL; для Key Value используйте rediss://.
tip_heroku_rotated =
    .cause = Heroku ротирует учётные данные аддонов с базами данных (при обслуживании или по heroku pg:credentials:rotate) и обновляет DATABASE_URL/REDIS_URL у подключённых приложений, поэтому скопированный URL устаревает.
    .fix = Читайте переменную во время работы приложения, а не копируйте её значение; снаружи (не из dyno) актуальное значение даёт команда heroku config:get { $variable } -a <app>.
tip_heroku_tls =
    .cause = Heroku Postgres принимает только подключения по TLS.
    .fix = Добавьте ?sslmode=require в { $variable }.
tip_heroku_redis_certificate =
    .cause = У Heroku Redis самоподписанный сертификат, поэтому проверка по публичным корневым сертификатам не проходит.
    .fix = Оставьте rediss://, но отключите проверку сертификата, как описано в документации Heroku (ssl_cert_reqs=none в redis-py, tls.rejectUnauthorized=false в Node; здесь — #insecure).
tip_fly_private_only =
    .cause = Имена .internal и .flycast на Fly.io резолвятся только в приватной сети организации: внутри машин Fly или через туннель WireGuard.
    .fix = С ноутбука запустите `fly proxy 5432 -a <db-app>` (или `fly mpg proxy`) и проверяйте localhost либо подключитесь через `fly wireguard`.
tip_fly_listen_ipv6 =
    .cause = Приватная сеть Fly работает по IPv6: имя резолвится, но по IPv6 на этом порту никто не слушает — приложение слушает только 0.0.0.0 (IPv4) или остановлено.
    .fix = Сделайте так, чтобы сервис слушал `::` (или fly-local-6pn), и проверьте `fly status -a <app>`.
tip_flycast_no_service =
    .cause = Flycast работает через прокси Fly: он отказывает в подключении, если этого порта нет ни в одной секции [[services]] в fly.toml, и закрывает соединение, пока запускает остановленную машину.
    .fix = Добавьте сервис для этого порта (internal_port и auto_start_machines) и повторите; railconn wait дождётся запуска машины.
tip_neon_tls_and_sni =
    .cause = Neon принимает только подключения по TLS и находит вычислительный узел (compute) по ID эндпоинта (первая метка хоста, ep-…) в имени сервера TLS (SNI): подключение без шифрования или клиент без SNI (libpq до 14, некоторые старые драйверы) получают отказ.
    .fix = Используйте ?sslmode=require (в строке подключения Neon он уже есть); если клиент не отправляет SNI, добавьте в URL options=endpoint%3D<endpoint-id>.
tip_neon_cold_start =
    .cause = Вычислительный узел Neon, приостановленный после простоя («scale to zero»), запускается при следующем подключении: первое подключение ждёт его — обычно несколько сотен миллисекунд, в загруженном регионе дольше.
    .fix = Повторите проверку или запустите railconn wait — он дождётся запуска; задайте в приложении тайм-аут подключения не меньше 10 с.
tip_neon_gone =
    .cause = Такого имени хоста Neon не существует: в ID эндпоинта опечатка либо его ветка или проект удалены. Ожиданием это не исправить.
    .fix = Скопируйте строку подключения заново в консоли Neon (Connect); если проекта больше нет, создайте новый и обновите { $variable }.
tip_neon_too_many_connections =
    .cause = Прямые подключения исчерпали max_connections вычислительного узла Neon (лимит зависит от размера узла).
    .fix = Подключайтесь через пулер соединений Neon: добавьте -pooler к ID эндпоинта в хосте (ep-…-pooler.<region>.aws.neon.tech); прямой хост оставьте для миграций.
tip_supabase_ipv6_only =
    .cause = У прямого хоста Supabase db.<ref>.supabase.co есть только IPv6-адрес (если у проекта нет аддона IPv4), а в этой сети нет маршрута по IPv6. Исходящий трафик Railway идёт по IPv4, пока не включён исходящий IPv6.
    .fix = Подключайтесь вместо него через пулер Supavisor в режиме сессий: postgresql://postgres.<ref>:PASSWORD@aws-0-<region>.pooler.supabase.com:5432/postgres (панель управления → Connect → Session pooler) или включите исходящий IPv6 на Railway (Settings сервиса → Networking).
tip_supabase_paused_or_gone =
    .cause = Проект Supabase не отвечает: бесплатный проект приостанавливается после недели без активности, имена удалённого проекта перестают резолвиться, а у прямого хоста есть только IPv6-адрес (резолвер или сеть только с IPv4 ничего не находят).
    .fix = Восстановите проект в панели управления Supabase (у приостановленного проекта есть кнопка Restore); из сети только с IPv4 используйте URL пулера в режиме сессий (панель управления → Connect); если проекта больше нет, создайте новый.
tip_supabase_tenant =
    .cause = Supavisor, общий пулер соединений Supabase, находит проект по имени пользователя: оно должно быть postgres.<project-ref>, а хост aws-N-<region> — того же проекта. Ответ «Tenant or user not found» значит, что неверно одно из двух; о неверном пароле сервер сказал бы прямо.
    .fix = Скопируйте строку подключения пулера в панели управления (Connect): postgresql://postgres.<ref>:PASSWORD@aws-0-<region>.pooler.supabase.com:6543/postgres.
tip_supabase_session_full =
    .cause = Пулер Supavisor в режиме сессий (порт 5432) даёт каждому клиенту отдельное соединение с базой, но не больше размера пула (15 на небольших инстансах): пулы, воркеры и реплики приложения вместе заняли их все.
    .fix = Для множества короткоживущих клиентов используйте режим транзакций (порт 6543) или уменьшите размер пула на процесс в приложении.
tip_supabase_pooler_database =
    .cause = Пулер Supabase обслуживает базу проекта, а она называется `postgres`.
    .fix = Укажите в URL базу /postgres.
tip_aiven_ip_filter =
    .cause = Aiven отбрасывает подключения с адресов, которых нет в списке разрешённых IP-адресов сервиса (IP filter), и это выглядит как тайм-аут.
    .fix = Добавьте адрес этой машины в список разрешённых IP-адресов сервиса (консоль → Service settings → Networking или avn service update --ip-filter).
tip_aiven_tls =
    .cause = Aiven требует TLS, а сертификаты подписывает собственный CA проекта.
    .fix = Скачайте CA проекта (ca.pem) и используйте ?sslmode=verify-full&sslrootcert=ca.pem (или sslmode=require — шифрование без проверки); для Valkey/Redis — rediss://.
tip_aiven_gone =
    .cause = Такого имени хоста Aiven не существует: сервис удалён или выключен.
    .fix = Включите сервис (или создайте его заново) в консоли Aiven и заново скопируйте его Service URI.
tip_rds_security_group =
    .cause = RDS отбрасывает пакеты, которые не разрешены группами безопасности (security groups) инстанса, и это выглядит как тайм-аут; инстанс без публичного доступа виден только внутри своего VPC.
    .fix = Добавьте в группу безопасности инстанса входящее правило для этого порта с этого адреса, а для подключения извне VPC включите Publicly accessible.
tip_rds_tls =
    .cause = База в AWS требует TLS (rds.force_ssl включён по умолчанию начиная с PostgreSQL 15); её сертификат подписан CA Amazon RDS, а не публичным корневым сертификатом.
    .fix = Добавьте ?sslmode=require; чтобы проверять сертификат, скачайте у AWS global-bundle.pem и используйте sslmode=verify-full&sslrootcert=global-bundle.pem.
tip_rds_gone =
    .cause = Такого имени эндпоинта у провайдера нет: база или кластер удалены либо переименованы, или в имени опечатка. Ожиданием это не исправить.
    .fix = Скопируйте эндпоинт заново в консоли провайдера; если базы больше нет, восстановите её из снапшота или создайте новую.
tip_digitalocean_trusted_sources =
    .cause = DigitalOcean отбрасывает подключения с адресов, которых нет среди доверенных источников (trusted sources) кластера, и это выглядит как тайм-аут.
    .fix = Добавьте эту машину или приложение в Settings → Trusted sources кластера.
tip_digitalocean_tls =
    .cause = Управляемые базы данных DigitalOcean (Managed Databases) принимают только подключения по TLS.
    .fix = Добавьте ?sslmode=require (для Valkey/Redis — rediss://); чтобы проверять сертификат, скачайте CA-сертификат кластера и укажите его в sslrootcert.
tip_digitalocean_pool_name =
    .cause = На порту 25061 путь в URL — это имя пула соединений (PgBouncer), а не базы, и такого пула нет.
    .fix = Скопируйте строку подключения пула на вкладке Connection Pools кластера или используйте порт 25060 с именем базы.
tip_upstash_tls =
    .cause = Upstash принимает только подключения по TLS: клиенту с redis:// без шифрования соединение закрывают или сбрасывают.
    .fix = Используйте rediss:// с эндпоинтом и токеном из консоли Upstash: rediss://default:TOKEN@<name>.upstash.io:6379.
tip_upstash_gone =
    .cause = Имени *.upstash.io не существует: база удалена (или в эндпоинте опечатка). Ожиданием это не исправить.
    .fix = Откройте консоль Upstash: скопируйте эндпоинт заново или создайте базу и обновите { $variable }.
tip_upstash_token =
    .cause = Upstash отверг пароль: это токен базы, а он меняется при сбросе токена или пересоздании базы.
    .fix = Скопируйте актуальный токен из консоли Upstash: rediss://default:TOKEN@<name>.upstash.io:6379.
tip_upstash_no_answer =
    .cause = Upstash отвечает сразу и по TLS на порту своего эндпоинта: сервер, который молчит, — не Upstash (неверный порт, локальный туннель или прокси либо файрвол, отбрасывающий трафик). Переход на redis:// не поможет: Upstash принимает только TLS.
    .fix = Заново скопируйте эндпоинт и порт из консоли Upstash в { $variable } (rediss://default:TOKEN@<name>.upstash.io:6379) и проверьте, что в этой сети ничто не блокирует исходящий порт 6379.
tip_upstash_rest_url =
    .cause = Это REST-эндпоинт Upstash (HTTPS), а не эндпоинт протокола Redis.
    .fix = Используйте эндпоинт rediss:// на порту 6379 из консоли, а не UPSTASH_REDIS_REST_URL.
tip_redis_cloud_gone =
    .cause = В Redis Cloud у каждой базы своё имя эндпоинта (redis-<port>.<cluster>.redis-cloud.com). Если имя не резолвится, значит, база или её подписка удалена (бесплатные тоже удаляются) либо эндпоинт скопирован с ошибкой; при неверном пароле имя всё равно резолвилось бы. Ожиданием это не исправить.
    .fix = Откройте консоль Redis Cloud (cloud.redis.io) → Databases: если база есть, заново скопируйте её публичный эндпоинт и пароль пользователя default; если нет — создайте базу и задайте { $variable }=redis://default:PASSWORD@<endpoint>:<port> (на Railway: railway variable set { $variable }=…).
tip_redis_cloud_allow_list =
    .cause = Redis Cloud отбрасывает подключения с адресов вне списка разрешённых CIDR базы, и это выглядит как тайм-аут.
    .fix = Добавьте публичный адрес этой машины (или исходящие адреса вашей платформы) в список разрешённых CIDR базы (Security) или уберите этот список.
tip_redis_cloud_tls =
    .cause = На этой базе Redis Cloud включён TLS: клиента без шифрования отключают, а сертификат подписан собственным CA Redis Cloud, не публичным.
    .fix = Используйте rediss:// и укажите в SSL_CERT_FILE набор CA, скачанный в настройках Security базы.
tip_elasticache_vpc_only =
    .cause = У ElastiCache нет публичного эндпоинта: он доступен только изнутри своего VPC (и если пускает группа безопасности), поэтому из любого другого места подключение завершается тайм-аутом.
    .fix = Запускайте проверку изнутри VPC или через туннель (например, ssh -L 6379:<endpoint>:6379 bastion, затем --resolve <endpoint>:6379:127.0.0.1).
tip_elasticache_tls =
    .cause = На кластере включено шифрование трафика (in-transit encryption): он работает только по TLS и отключает клиента без шифрования.
    .fix = Используйте rediss:// (эндпоинт и порт остаются прежними).
tip_pooler_no_such_database =
    .cause = На этом порту отвечает пулер соединений (PgBouncer), и базы из URL в его настройках нет: PgBouncer обслуживает только базы из своей секции [databases] (или те, что пропускает запасная запись `*`), что бы ни было на сервере за ним.
    .fix = Укажите базу, которую знает пулер (у PgBouncer на Railway — ту, что в его DATABASE_URL), или добавьте её в секцию [databases] в pgbouncer.ini и перезагрузите конфигурацию пулера.
tip_pooler_full =
    .cause = Пулер соединений не принял нового клиента: пулы, воркеры и реплики приложения исчерпали его собственный лимит клиентов (max_client_conn у PgBouncer, размер пула у Supavisor), хотя у базы за ним место может быть.
    .fix = Уменьшите размер пула на процесс в приложении или поднимите лимит пулера (у PgBouncer — max_client_conn и соответствующий лимит файловых дескрипторов).
tip_pooler_auth =
    .cause = Пулер соединений сам проверяет пароли (auth_file или auth_query у PgBouncer): этого пользователя там нет, или пароль сменили на сервере, но не в пулере.
    .fix = Обновите список пользователей пулера (auth_file) или auth_query либо используйте учётные данные, которые платформа сгенерировала для URL через пулер.
tip_pooler_cannot_reach_server =
    .cause = Пулер соединений отвечает, но не может открыть соединение с базой за ним: база не работает или перезапускается, либо у пулера неверные учётные данные для неё.
    .fix = Посмотрите логи сервиса базы данных, затем логи пулера (пока подключиться не удаётся, его сообщение server_login_retry повторяется); railconn wait дождётся запуска базы.

## Формулировки отчёта: состояние переменных, детали JWT и сертификатов, время
env_state_set = задана
env_state_missing = не задана
env_state_shadowed = перекрыта
jwt_roundtrip_detail_own_exp = токен подписан и проверен (exp через 1 мин — такой срок выбрал railconn: с заданными { $minutes } мин токен истёк бы сразу)
cert_self_signed_unnamed = сертификат сервера самоподписанный и не называет ни одного хоста (нет subjectAltName): шифрование работает, но клиенты с проверкой (PostgreSQL verify-ca/verify-full, rediss://) примут его, только если этот самый сертификат указан у них как доверенный корневой, а проверке имени хоста не с чем сравнивать
moment = { $day }.{ $month }.{ $year } { $hour }:{ $minute } UTC

## PostgreSQL: запуск сессии, аутентификация, прямой TLS
pg_password_missing = сервер запрашивает пароль, а в URL его нет (и переменная PGPASSWORD не задана)
pg_channel_binding_not_used = задан channel_binding=require, но сервер провёл аутентификацию без привязки к каналу (её даёт только SCRAM-SHA-256-PLUS поверх TLS)
pg_auth_unsupported = сервер требует аутентификацию { $method }, а railconn её не поддерживает (поддерживаются trust, password, md5 и SCRAM-SHA-256)
pg_scram_failed = аутентификация SCRAM не удалась на стороне клиента: { $error }
pg_unexpected_message = сервер прислал сообщение типа `{ $kind }` там, где протокол PostgreSQL (запуск сессии или выполнение запроса) его не допускает
pg_error_fields_missing = сервер прислал ErrorResponse без уровня важности, SQLSTATE или текста
pg_direct_needs_require = для sslnegotiation=direct нужен sslmode=require, verify-ca или verify-full (с sslmode={ $mode } libpq 17 его отвергает, чтобы сервер без прямого TLS не получил пароль открытым текстом)
pg_direct_tls_unsupported = сервер закрыл соединение на первом же байте TLS: прямой TLS (sslnegotiation=direct) он не принимает, а для него нужен PostgreSQL 17 или новее
pg_direct_tls_no_alpn = сервер завершил прямое TLS-рукопожатие, не выбрав протокол ALPN `postgresql`, а libpq 17 этого требует
advice_pg_direct_tls =
    .cause = URL или переменная PGSSLNEGOTIATION требуют прямой TLS (sslnegotiation=direct, libpq 17): клиент сразу начинает TLS, не отправляя сначала SSLRequest. PostgreSQL до версии 17 принимает TLS ClientHello за испорченный стартовый пакет и закрывает соединение; так же поступает пулер или прокси перед базой, если он этого не поддерживает. Ожидание не поможет.
    .fix = Уберите sslnegotiation=direct из URL и PGSSLNEGOTIATION=direct из окружения (вариант по умолчанию, sslnegotiation=postgres, стоит одного лишнего обмена с сервером, зато работает с любым сервером) или обновите сервер до PostgreSQL 17 или новее.

## serve: собственные сокеты railconn и токен доступа

local_resources_failed = { $target }: railconn не смог открыть сокет: { $error ->
    [EMFILE] у процесса не осталось файловых дескрипторов (EMFILE)
    [ENFILE] в системе не осталось файловых дескрипторов (ENFILE)
   *[other] системе не хватило буферов сокетов или памяти ({ $error })
}
advice_net_local_resources =
    .cause = У самого railconn закончились файловые дескрипторы (EMFILE — его собственный лимит, ulimit -n; ENFILE — лимит всей системы) или буферы сокетов, и он не смог открыть сокет: о сервере и о сети это ничего не говорит.
    .fix = Поднимите лимит дескрипторов (ulimit -n или LimitNOFILE= для сервиса systemd) либо найдите, кто их держит (ls /proc/PID/fd | wc -l), и проверьте снова.
error_token_var = не удаётся использовать переменную RAILCONN_SERVE_TOKEN: { $reason }
token_whitespace = в токене на позиции { $at } пробел, табуляция или перевод строки, а токен — одно слово из видимых символов ASCII
token_not_visible_ascii = в токене на позиции { $at } байт, который не является видимым символом ASCII: HTTP-клиент не сможет передать его в заголовке Authorization, и на каждый запрос будет ответ 401

## Страница состояния serve: история и строки лога

page_title_of = { $headline } · railconn
page_headline_ready = { $limitations ->
    [0] Можно деплоить
    [one] Можно деплоить, есть { $limitations } предупреждение
    [few] Можно деплоить, есть { $limitations } предупреждения
   *[many] Можно деплоить, есть { $limitations } предупреждений
}
page_headline_not_ready = { $critical ->
    [one] Деплоить нельзя — { $critical } критическая проблема
    [few] Деплоить нельзя — { $critical } критические проблемы
   *[many] Деплоить нельзя — { $critical } критических проблем
}
page_headline_strict = { $limitations ->
    [one] Деплоить нельзя — { $limitations } предупреждение (--strict)
    [few] Деплоить нельзя — { $limitations } предупреждения (--strict)
   *[many] Деплоить нельзя — { $limitations } предупреждений (--strict)
}
page_state_pass = работает
page_state_warn = работает, есть предупреждение
page_state_fail = не работает
page_state_skip = пропущена
page_column_history = Последние раунды
page_column_uptime = Доступность
page_column_duration = Длительность
page_history_label = { $rounds ->
    [one] последний { $rounds } раунд, старые слева
    [few] последние { $rounds } раунда, старые слева
   *[many] последние { $rounds } раундов, старые слева
}
page_cells_pass = { $rounds ->
    [1] { $from } — успешно
    [one] с { $from } по { $to } — успешно, { $rounds } раунд
    [few] с { $from } по { $to } — успешно, { $rounds } раунда
   *[many] с { $from } по { $to } — успешно, { $rounds } раундов
}
page_cells_warn = { $rounds ->
    [1] { $from } — успешно, с предупреждением
    [one] с { $from } по { $to } — успешно, с предупреждением, { $rounds } раунд
    [few] с { $from } по { $to } — успешно, с предупреждением, { $rounds } раунда
   *[many] с { $from } по { $to } — успешно, с предупреждением, { $rounds } раундов
}
page_cell_failed = { $time } — { $code } на шаге { $step }
page_uptime = { $rounds ->
    [one] { $percent } % за { $rounds } раунд
    [few] { $percent } % за { $rounds } раунда
   *[many] { $percent } % за { $rounds } раундов
}
page_latency = медиана { $median }, p95 { $p95 }
page_failing_since = не работает с { $time }
page_last_failure = последний сбой { $time }
log_pass = railconn serve: { $check } — проверка пройдена ({ $duration })
log_warn = railconn serve: { $check } — проверка пройдена с предупреждением ({ $duration })
log_warn_failed = railconn serve: { $check } — ошибка { $code } на шаге { $step } ({ $duration }); проверка необязательная, деплой она не блокирует
log_fail = railconn serve: { $check } — ошибка { $code } на шаге { $step } ({ $duration })

## railconn explain и переменные, которые читает railconn (docs/environment.md)
explain_heading = { $code } — { $meaning }
explain_steps = Где возникает: { $steps }
explain_heals = railconn wait продолжает попытки: такой сбой может пройти сам (сервис запускается, сеть поднимается).
explain_does_not_heal = railconn wait останавливается сразу: ожидание такой сбой не исправит.
explain_allow_error = --allow { $code } (или { $code }@ПРОВЕРКА) допускает этот сбой: он остаётся в отчёте как заметка и больше не проваливает проверку.
explain_finding_note = Это замечание: шаг оно не проваливает. Предупреждение переводит статус проверки в warn (а с --strict останавливает деплой), заметка ничего не меняет. --allow { $code } допускает его.
explain_example = Пример — так это выглядит в текстовом отчёте:
explain_said = (ответ сервера или системы как есть)
explain_list_errors = Коды ошибок — проверка не пройдена
explain_list_findings = Коды замечаний — предупреждения и заметки
explain_list_more = Подробнее о любом из них: railconn explain КОД.
explain_unknown = неизвестный код { $code } (все коды перечисляет railconn explain --list)
explain_unknown_near = неизвестный код { $code }; может быть, имелся в виду { $near }? (все коды перечисляет railconn explain --list)
explain_missing_config = Проверять нечего: ни URL, ни настройка для этой проверки не заданы, и флагом их тоже не передали.
explain_invalid_url = URL составлен неверно: драйвер приложения его отвергнет или подключится не туда.
explain_unsupported_scheme = Схема URL не подходит для такого сервиса.
explain_invalid_value = Значение настройки нельзя использовать: срок жизни JWT — не целое число, или PostgreSQL отверг параметр подключения.
explain_dns_not_found = Для резолвера этой машины такого имени хоста нет.
explain_dns_timeout = Резолвер не ответил за --connect-timeout.
explain_dns_error = Временный сбой разрешения имён: DNS-сервер недоступен или ещё не готов.
explain_connection_refused = Хост ответил, но на этом порту никто не слушает.
explain_connect_timeout = TCP-подключение не получило ответа за --connect-timeout.
explain_network_unreachable = До адреса нет маршрута (обычно IPv6 в сети без IPv6).
explain_local_resources = Самому railconn не хватило локальных ресурсов (открытых файлов, сокетов, памяти), и до сервера он не добрался: сеть тут ни при чём.
explain_tls_unsupported = Требовался TLS, но сервер его не поддерживает.
explain_tls_required = Сервер требует TLS, а подключение шло без шифрования.
explain_tls_handshake_failed = TLS-рукопожатие не завершилось.
explain_certificate_invalid = Сертификат сервера не прошёл запрошенную проверку.
explain_connection_closed = Подключение приняли, но закрыли, не ответив по протоколу сервиса (PostgreSQL, MySQL, Redis или AMQP).
explain_connection_reset = Соединение сбросили посреди обмена.
explain_timeout = Подключение установлено, но сервер не ответил за время --timeout (тайм-аут).
explain_protocol_error = Удалённая сторона отвечает не по ожидаемому протоколу (PostgreSQL, MySQL, Redis или AMQP).
explain_auth_failed = Сервер отверг учётные данные.
explain_auth_required = Сервер требует пароль, а в URL его нет.
explain_access_denied = Учётные данные верны, но этому пользователю нельзя подключаться сюда или выполнять эту команду.
explain_database_not_found = Базы из URL не существует (PostgreSQL, MySQL), номер базы Redis выбрать нельзя или vhost RabbitMQ не существует.
explain_too_many_connections = Свободных слотов подключений на сервере не осталось.
explain_server_starting = Сервер запускается, останавливается или загружает данные.
explain_query_failed = Вход выполнен, но проверочный запрос (PostgreSQL) или PING (Redis) не прошёл.
explain_read_only = Вход выполнен, но запись не пройдёт: сервер — реплика только для чтения.
explain_prepared_statements = Драйвер приложения использует подготовленные запросы (prepared statements), а пулер соединений перед базой работает в режиме транзакций, где подготовленный запрос действует только до конца своей транзакции: подключение проходит, но первые же запросы приложения падают.
explain_weak_secret = HMAC-секрет короче хеша или взят из общедоступных примеров.
explain_invalid_key = Ключ JWT нельзя использовать: он не читается, предназначен для другого алгоритма, слишком короткий или не составляет пару с закрытым ключом.
explain_unsupported_algorithm = Алгоритм JWT не из тех, что принимают railconn и распространённые библиотеки.
explain_roundtrip_failed = Не удалось подписать или проверить тестовый токен.
explain_memory_fallback = Redis недоступен или не настроен, и список отозванных токенов JWT и кэш хранятся в памяти процесса.
explain_unencrypted = Трафик к хосту вне loopback идёт без шифрования.
explain_token_lifetime = Срок жизни access-токена нулевой или отрицательный либо больше суток.
explain_public_key_missing = Задан только закрытый ключ JWT: токен подписан, но открытым ключом не проверен.
explain_ignored_parameter = Параметр URL, который railconn принимает, но не учитывает.
explain_certificate_expiry = Сертификат сервера истекает в ближайшие 14 дней или уже истёк.
explain_self_signed = Сертификат сервера самоподписанный.
explain_hygiene = Секрет под угрозой или настройка не на своём месте: .env, который попадёт в коммит, повторно использованный секрет, loopback-адрес на Railway.
explain_sqlite = DATABASE_URL указывает на SQLite в памяти, на ещё не созданный файл или на файл вне тома.
explain_pooler = Перед базой стоит пулер соединений (PgBouncer, Supavisor).
explain_ipv6 = У хоста только IPv6-адреса, или до IPv6-адреса не нашлось маршрута, а по IPv4 подключение прошло.
explain_env_defaults = Недостающие части URL взяты из переменных окружения PG*.
explain_tls_fallback = При sslmode=prefer TLS не удался, и подключение повторили без него.
explain_trimmed = Кавычки или пробелы вокруг значения убраны для проверки; приложение может их не убирать.
explain_sqlalchemy_driver = URL SQLAlchemy вида postgresql+ДРАЙВЕР://, проверен как postgresql://.
explain_sqlalchemy_scheme = URL начинается с postgres://, а SQLAlchemy начиная с 1.4 такую схему отвергает.
explain_prisma_parameter = Параметры URL, которые понимает только Prisma, убраны для проверки; клиенты на libpq их отвергают.
explain_url_portability = Символ, который libpq читает буквально, а другие парсеры URL считают разделителем (? или # в пароле, # в имени базы).
explain_connection_headroom = Подключений (PostgreSQL) или клиентов (Redis) почти столько, сколько допускает сервер.
explain_no_tables = В базе нет таблиц: миграции не запускались.
explain_memory_headroom = Память Redis близка к maxmemory, или политика вытеснения может удалить отозванные токены и сессии.
explain_certificate_not_verified = TLS используется, но сертификат сервера не проверяется.
explain_key_format = Ключ JWT записан в виде, который railconn читает, а PyJWT или jsonwebtoken (Node) отвергают.
explain_allowed = Сбой или замечание, допущенные через --allow: видны в отчёте, но проверку больше не проваливают.
explain_driver = Правило драйвера, которым подключается приложение, изменило оценку проверки.
var_database_url = URL PostgreSQL для проверки postgres (URL SQLite проверяется как файл).
var_database_private_url = URL PostgreSQL в приватной сети Railway; используется, если переменная DATABASE_URL не задана.
var_database_public_url = Публичный URL PostgreSQL на Railway (TCP-прокси); с --public проверяется вместо приватного.
var_database_unpooled_url = Задана рядом с DATABASE_URL — значит, DATABASE_URL идёт через PgBouncer (заметка о пулере).
var_pghost = Хост PostgreSQL, если переменная DATABASE_URL не задана: тогда URL собирается из переменных libpq.
var_pgport = Порт PostgreSQL для URL, собранного из PGHOST, или для URL без порта — так его читают libpq и драйверы.
var_pguser = Пользователь PostgreSQL: подставляется в URL без пользователя, как в libpq.
var_user = Пользователь ОС: node-postgres входит как $USER, если ни URL, ни PGUSER не называют пользователя (libpq и остальные драйверы берут учётную запись, от имени которой запущен процесс).
var_pgpassword = Пароль PostgreSQL: подставляется в URL без пароля, как в libpq.
var_pgdatabase = База PostgreSQL: подставляется в URL без базы, как в libpq.
var_pgsslmode = sslmode для PostgreSQL, если в URL его нет, как в libpq; драйверы, которые эту переменную не читают, называются в отчёте.
var_pgsslrootcert = Файл корневого сертификата для PostgreSQL, если в URL его нет, как в libpq.
var_redis_url = URL Redis для проверки redis.
var_redis_private_url = URL Redis в приватной сети Railway; используется, если переменная REDIS_URL не задана.
var_redis_public_url = Публичный URL Redis на Railway (TCP-прокси); с --public проверяется вместо приватного.
var_redishost = Хост Redis, если переменная REDIS_URL не задана: тогда URL собирается из переменных REDIS* от Railway.
var_redisport = Порт Redis для URL, собранного из REDISHOST.
var_redisuser = Пользователь Redis для URL, собранного из REDISHOST.
var_redispassword = Пароль Redis для URL, собранного из REDISHOST.
var_jwt_secret = HMAC-секрет для проверки jwt (берётся первая заданная переменная).
var_jwt_algorithm = Алгоритм JWT (по умолчанию HS256).
var_jwt_private_key = Закрытый ключ (PEM или путь к нему) для RS*, PS*, ES* и EdDSA.
var_jwt_public_key = Открытый ключ (PEM или путь к нему), которым проверяется тестовый токен.
var_token_lifetime = Срок жизни access-токена в минутах; railconn проверяет, что он в разумных пределах.
var_railway_marker = Показывает, что запуск идёт на Railway: тогда loopback-адрес в URL попадает в замечания.
var_railway_name = Имена окружения и сервиса на Railway: метки метрик и страницы статуса у serve.
var_railway_volume = Куда Railway монтирует том: файл SQLite вне тома теряется при редеплое.
var_heroku = Показывает, что запуск идёт на Heroku: тогда действуют советы для Heroku.
var_node_options = Параметры Node: --use-openssl-ca и --use-system-ca меняют то, как драйверы Node проверяют сертификаты.
var_node_extra_ca_certs = Дополнительные корневые сертификаты для драйверов Node.
var_ssl_cert_file = Корневые сертификаты для проверки TLS вместо системных.
var_home = Домашний каталог: корневой сертификат libpq по умолчанию — ~/.postgresql/root.crt.
var_port = Порт, на котором слушает serve, если --listen не указан (по умолчанию 8740).
var_serve_token = Bearer-токен, который требует serve (или --token-file).
var_github_step_summary = С --format github — файл, в который дописывается сводка в Markdown.
var_no_color = Задана и не пуста — без цвета (при --color auto).
var_force_color = Задана и не равна 0 — цвет даже не в терминале (при --color auto).
var_term = dumb — без цвета (при --color auto).
var_columns = Ширина, по которой текстовый отчёт переносит строки в терминале (не больше 100).
var_locale = Язык, если --lang не указан: первая заданная из LC_ALL, LC_MESSAGES, LANG.
var_rust_log = Отладочные логи в stderr (например, RUST_LOG=railconn=debug); по умолчанию выключены.

## Проверка ввода: имена целей, версии драйверов, терминал, виды проверок
target_twice = имя `{ $name }` указано в --target дважды: дайте каждой цели своё ИМЯ
warning_renamed_check = railconn: предупреждение: две проверки называются { $name } — имя остаётся за { $kept }, а { $other } проверяется как { $renamed }
driver_version_too_large = `{ $arg }`: слишком большое число в версии после @ (например, pg@8.23.1)
tty_without_terminal = это устройство терминала, а у процесса терминала нет (его запустил cron, CI или менеджер служб): укажите в --output имя файла
selector_unknown_kind = неизвестный вид проверки после kind: — укажите kind:postgresql, kind:sqlite, kind:redis, kind:mysql, kind:amqp или kind:jwt

## Что драйверы отвергают или читают по-своему: SQLAlchemy, asyncpg, Node.js, psycopg
driver_sa_asyncpg_kwarg = Диалект asyncpg в SQLAlchemy передаёт `{ $param }` из URL в asyncpg.connect() именованным аргументом, которого там нет: первое подключение падает с `TypeError: connect() got an unexpected keyword argument '{ $param }'`
driver_sa_asyncpg_kwarg_cause = С postgresql+asyncpg:// SQLAlchemy передаёт каждый параметр запроса в asyncpg.connect() как именованный аргумент; у asyncpg нет аргумента `{ $param }` (это имя из libpq), поэтому приложение падает на первом подключении, хотя сервер в порядке.
driver_sa_asyncpg_kwarg_fix = Уберите `{ $param }` из URL и передайте настройку asyncpg в коде: create_async_engine(url, connect_args={"{"}…{"}"}) с именами asyncpg (timeout= вместо connect_timeout, server_settings={"{"}"application_name": …{"}"} для application_name и options).
driver_sa_asyncpg_kwarg_fix_sslmode = Напишите в URL ssl= вместо sslmode= (например, ssl=require или ssl=disable): SQLAlchemy передаёт его в asyncpg.connect(ssl=…), а тот понимает названия режимов libpq.
driver_sa_ssl_option = SQLAlchemy передаёт `ssl` из URL в libpq как параметр подключения, а libpq его не знает: invalid connection option "ssl"
driver_sa_ssl_option_cause = libpq понимает ssl=true только внутри URI; диалекты psycopg2 и psycopg в SQLAlchemy передают параметры запроса по отдельности, а параметра ssl у libpq нет, поэтому приложение падает на первом подключении.
driver_sa_ssl_option_fix = Напишите sslmode=require вместо ssl=true (sslmode=disable вместо ssl=false).
driver_sa_postgres_scheme = В SQLAlchemy нет диалекта `postgres`: create_engine() падает с NoSuchModuleError: Can't load plugin: sqlalchemy.dialects:postgres
driver_sa_postgres_scheme_cause = SQLAlchemy 1.4 убрал псевдоним `postgres`: с URL вида postgres:// (такие выдают Heroku и Render) приложение останавливается уже при создании engine, до всякого подключения.
driver_sa_postgres_scheme_fix = Напишите postgresql:// (или postgresql+asyncpg://, postgresql+psycopg://) вместо postgres://; если переменную задаёт платформа, замените схему в коде перед create_engine().
driver_asyncpg_setting = { $driver } отправляет `{ $param }` из URL серверу как настройку, и сервер отвергает её при первом подключении
driver_asyncpg_setting_cause = { $driver } берёт из URL только свои параметры, а все остальные отправляет серверу как настройки сессии; `{ $param }` — параметр подключения libpq, а не настройка сервера, поэтому сервер его отвергает (`unrecognized configuration parameter` или `cannot be changed now`).
driver_asyncpg_setting_fix = Уберите `{ $param }` из URL; если у asyncpg есть такая настройка, задайте её в коде (connect_timeout — это asyncpg.connect(timeout=…)).
driver_asyncpg_setting_fix_ssl = Напишите sslmode=require вместо ssl=true (asyncpg читает sslmode из URL; sslmode=disable вместо ssl=false).
driver_raw_hash = { $driver } считает незакодированный # в пароле началом фрагмента URL и падает, не подключившись
driver_raw_hash_cause = { $driver } разбирает URL по правилам WHATWG/RFC 3986, где # завершает адрес: остаток пароля теряется, и URL становится недействительным (asyncpg: ValueError, node-postgres: TypeError Invalid URL). libpq тот же URL читает.
driver_raw_hash_fix = Закодируйте # в пароле как %23 (и так же @ : / ? %).
driver_redis_fragment_ignored = { $drivers }: фрагмент #insecure не читается, сертификат сервера проверяется — railconn тоже его проверил
driver_redis_fragment_cause = #insecure — переключатель только redis-rs. В { $drivers } фрагмент URL не читается: сертификат проверяется по собственному хранилищу корневых сертификатов, и самоподписанный сертификат или частный CA проверку не проходят.
driver_redis_fragment_fix_node = Уберите #insecure и сделайте CA доверенным для Node: NODE_EXTRA_CA_CERTS=/path/to/ca.pem в окружении приложения (Node читает её при запуске; SSL_CERT_FILE он не читает).
driver_redis_fragment_fix_python = Уберите #insecure и укажите redis-py CA в URL: rediss://…?ssl_ca_certs=/path/to/ca.pem (ssl_cert_reqs=none отключает проверку); драйверам на Node вместо этого нужна NODE_EXTRA_CA_CERTS=/path/to/ca.pem.
driver_prepared_transaction = { $driver } подготавливает запросы, а { $pooler } здесь работает в режиме транзакций: следующий запрос приложения может попасть на другое соединение с сервером, где подготовленного запроса нет (`prepared statement "…" does not exist`)
driver_prepared_cause = { $pooler } в режиме транзакций после каждой транзакции отдаёт соединение с сервером другому клиенту; { $driver } подготавливает запросы на одном соединении и выполняет их позже, когда пулер мог его уже сменить: проверка подключения проходит, а запросы приложения падают.
driver_prepared_unknown_mode = { $driver } подготавливает запросы, а в каком режиме здесь работает { $pooler }, railconn определить не может: в режиме транзакций запросы приложения будут падать (`prepared statement "…" does not exist`). Если пулер работает в режиме транзакций: { $fix }
driver_prepared_fix_asyncpg = Отключите кэш запросов asyncpg в коде: asyncpg.connect(url, statement_cache_size=0) или asyncpg.create_pool(url, statement_cache_size=0) (в URL его не передать: неизвестные параметры asyncpg отправляет серверу); или подключайтесь к сессионному порту либо по прямому URL. Код railconn не видит: когда настройка задана, добавьте --allow prepared_statements@ПРОВЕРКА.
driver_prepared_fix_sa_asyncpg = Добавьте в URL prepared_statement_cache_size=0 (postgresql+asyncpg://…?prepared_statement_cache_size=0) или подключайтесь к сессионному порту либо по прямому URL.
driver_prepared_fix_psycopg = Отключите подготовку запросов psycopg в коде: psycopg.connect(url, prepare_threshold=None) (из URL psycopg 3 её не читает); или подключайтесь к сессионному порту либо по прямому URL. Код railconn не видит: когда настройка задана, добавьте --allow prepared_statements@ПРОВЕРКА.
pg_portability_space = в пароле есть незакодированный пробел: libpq 17 (psycopg2) его читает, а libpq 18 (в колёсах psycopg 3) отвергает с ошибкой `unexpected spaces found`; запишите его как `%20`
driver_psycopg_space = { $driver } отвергает незакодированный пробел в пароле ещё до подключения: `unexpected spaces found, use percent-encoded spaces (%20) instead`
driver_psycopg_space_cause = { $driver } разбирает URL встроенной в его колёса libpq 18, а она не принимает пробел в URI как есть; psycopg2 и более старые libpq читают тот же URL.
driver_psycopg_space_fix = Запишите каждый пробел в пароле как %20.

## Ошибки операционной системы по errno
os_error = { $error ->
    [ENOENT] нет такого файла или каталога (ENOENT)
    [EACCES] доступ запрещён (EACCES)
    [EPERM] операция не разрешена (EPERM)
    [EISDIR] это каталог (EISDIR)
    [ENOTDIR] часть пути — не каталог (ENOTDIR)
    [ELOOP] слишком много уровней символических ссылок (ELOOP)
    [ENAMETOOLONG] слишком длинное имя файла (ENAMETOOLONG)
    [EROFS] файловая система только для чтения (EROFS)
    [ENOSPC] на устройстве не осталось места (ENOSPC)
    [EADDRINUSE] адрес уже занят (EADDRINUSE)
    [EADDRNOTAVAIL] адрес здесь недоступен (EADDRNOTAVAIL)
    [ENOEXEC] файл не в исполняемом формате (ENOEXEC)
   *[other] { $error }
}

## Проверка MySQL и MariaDB (issue 21)
mysql_bad_parameter = в URL { $key }={ $value } — такое значение драйверы MySQL не принимают
mysql_refused_before_tls = не выполнялся: сервер отказал в подключении первым же пакетом
mysql_tls_off = не запрашивался (ssl-mode={ $mode })
mysql_tls_not_offered = сервер не предлагает TLS; если в URL нет TLS-параметра, драйверы подключаются без шифрования (ssl-mode=PREFERRED)
mysql_server_without_tls = ssl-mode={ $mode } требует TLS, а сервер его не предлагает (в приветствии нет флага SSL)
mysql_no_greeting = нет приветствия MySQL за { $limit }
mysql_cert_not_verified = ssl-mode={ $mode } шифрует соединение, но не проверяет сертификат сервера
mysql_unencrypted = соединение с { $host } не зашифровано: пароли и данные идут по сети открытым текстом
mysql_auth_timeout = сервер не ответил на попытку входа за { $limit }
mysql_auth_detail = вход выполнен как { $user } ({ $plugin })
mysql_public_key_retrieval = сервер потребовал полной аутентификации caching_sha2_password по соединению без TLS, и railconn, как и PyMySQL, запросил его открытый RSA-ключ; mysql2 и Connector/J в этом случае падают с ошибкой «Public Key Retrieval is not allowed», если в URL нет allowPublicKeyRetrieval=true (лучше подключаться через TLS: ssl-mode=REQUIRED)
mysql_unsupported_plugin = учётная запись аутентифицируется плагином { $plugin }, а railconn поддерживает только mysql_native_password, caching_sha2_password, sha256_password и client_ed25519 из MariaDB
mysql_bad_public_key = не удалось прочитать открытый RSA-ключ сервера
mysql_auth_rounds = сервер снова и снова запрашивает данные для входа — больше, чем нужно любому плагину аутентификации
mysql_denied_plaintext = { $said } (соединение без TLS: этот же ответ MariaDB даёт не только при неверных имени пользователя или пароле, но и учётной записи, созданной с REQUIRE SSL)
mysql_server_said = ERROR { $number } ({ $sqlstate }): { $message }
mysql_closed_silently = сервер закрыл соединение, не прислав приветствия MySQL
mysql_closed = сервер закрыл соединение, не дав завершить вход в MySQL
mysql_closed_during_query = сервер закрыл соединение во время запроса
mysql_peer_is_tls = удалённая сторона ждёт TLS с первого байта (порт или прокси только для TLS), а не приветствия MySQL
mysql_peer_unknown = удалённая сторона прислала байты не из протокола MySQL ({ $bytes })
mysql_query_timeout = нет результата запроса за { $limit }
mysql_query_detail = { $version }, подключений { $used }/{ $max }
mysql_query_version = { $version }
mysql_connections_high = занято { $used } из { $max ->
    [one] { $max } подключения
   *[other] { $max } подключений
} (max_connections): пул следующего деплоя или вторая реплика могут получить ERROR 1040 Too many connections
mysql_tls_only_account = без TLS сервер отказал во входе (ERROR 1045), а с теми же пользователем и паролем через TLS впустил: учётной записи нужен TLS (REQUIRE SSL) или на сервере включён require_secure_transport=ON
var_mysql_url = URL MySQL или MariaDB (приватный URL Railway): по нему проверяется база, если не задана ни одна переменная PostgreSQL, иначе он проверяется отдельно.
var_mysql_public_url = URL MySQL на Railway через TCP-прокси: читается с --public вместо MYSQL_URL.
var_jawsdb_url = URL MySQL из дополнения JawsDB на Heroku, проверяется так же, как MYSQL_URL.
var_cleardb_database_url = URL MySQL из дополнения ClearDB на Heroku, проверяется так же, как MYSQL_URL.
var_mysqlhost = Хост MySQL, если URL MySQL не задан: тогда URL собирается из переменных MYSQL* от Railway.
var_mysqlport = Вместе с MYSQLHOST — порт MySQL (3306, если не задан).
var_mysqluser = Вместе с MYSQLHOST — имя пользователя MySQL.
var_mysqlpassword = Вместе с MYSQLHOST — пароль MySQL.
var_mysqldatabase = Вместе с MYSQLHOST — база MySQL.
mysql_tls_not_asked = не запрашивался: в URL нет TLS-параметра, и тогда mysql2 и aiomysql подключаются без шифрования (PyMySQL и mysqlclient включили бы TLS, если сервер его предлагает)
mysql_dbapi_refuses = SQLAlchemy передаёт параметр URL { $key } в { $dbapi }, а тот его не принимает: приложение падает ещё до подключения (TypeError или AttributeError, если значение ssl не того вида, что ждёт { $dbapi })
advice_mysql_missing_config =
    .cause = Для этой проверки не задан URL MySQL.
    .fix = Запишите URL базы в { $variable }: на Railway — ссылочную переменную ${"{{"}MySQL.MYSQL_URL{"}}"} (приватная сеть) или ${"{{"}MySQL.MYSQL_PUBLIC_URL{"}}"} (вне Railway); на Heroku — JAWSDB_URL или CLEARDB_DATABASE_URL.
advice_mysql_unsupported_scheme =
    .cause = Схему этого URL драйверы MySQL не понимают.
    .fix = Пишите mysql:// (или mariadb://, или mysql+pymysql:// для SQLAlchemy); mysqlx:// — это X Protocol на порту 33060, а его драйвер приложения не поддерживает.
advice_mysql_dns_not_found =
    .cause = Имя хоста базы здесь не разрешается. mysql.railway.internal существует только внутри приватной сети проекта: сборка, CI-раннер или ноутбук его не разрешат.
    .fix = Вне Railway используйте MYSQL_PUBLIC_URL (TCP-прокси *.proxy.rlwy.net со своим портом); внутри проверьте имя сервиса в { $variable } и убедитесь, что приложение работает в том же проекте и окружении.
advice_mysql_connection_refused =
    .cause = На этом порту никто не слушает: сервер остановлен или перезапускается, либо порт не тот (у TCP-прокси Railway свой порт, не 3306).
    .fix = Проверьте, что сервис MySQL запущен, и берите хост и порт вместе из MYSQL_PUBLIC_URL (или MYSQLHOST и MYSQLPORT), а не пишите 3306 вручную.
advice_mysql_tls_unsupported =
    .cause = URL требует TLS (ssl-mode REQUIRED или строже, ssl=…, ssl_ca=…), а сервер запущен без него.
    .fix = Включите TLS на сервере (ssl_cert и ssl_key) или, только в приватной сети, смягчите требование в URL: ssl-mode=PREFERRED.
advice_mysql_tls_required =
    .cause = Сервер не принимает незашифрованные соединения (require_secure_transport=ON или учётная запись создана с REQUIRE SSL).
    .fix = Запросите TLS в { $variable }: ssl-mode=REQUIRED для mysqlclient и утилит MySQL, ssl={"{"}"rejectUnauthorized":true{"}"} для mysql2, ssl_ca=/path/to/ca.pem для SQLAlchemy с PyMySQL.
advice_mysql_certificate_invalid =
    .cause = Сертификат сервера не прошёл проверку: частный CA или самоподписанный сертификат, либо в нём нет имени хоста.
    .fix = Укажите CA в URL (ssl_ca=/path/to/ca.pem) или используйте ssl-mode=VERIFY_CA, если в сертификате нет имени хоста, к которому вы подключаетесь.
advice_mysql_connection_closed =
    .cause = Сервер или прокси перед ним закрыл соединение, не дав завершить вход в MySQL: у прокси недоступен бэкенд, или сервер заблокировал этот адрес после слишком большого числа неудачных подключений (max_connect_errors).
    .fix = Посмотрите логи сервиса MySQL; если хост заблокирован, выполните на сервере FLUSH HOSTS.
advice_mysql_protocol_error =
    .cause = На этом порту ответил не сервер MySQL, или он прислал то, что railconn не смог прочитать (что именно — в сообщении выше).
    .fix = Проверьте хост и порт в { $variable }: для MySQL это 3306; X Protocol (33060), HTTP-порт или порт прокси другого сервиса не подойдут.
advice_mysql_auth_failed =
    .cause = Сервер отверг имя пользователя или пароль (ERROR 1045). Тот же ответ MariaDB даёт учётной записи, созданной с REQUIRE SSL, если соединение не зашифровано.
    .fix = Берите пароль из переменных сервиса MySQL (на Railway — ссылочная переменная ${"{{"}MySQL.MYSQLPASSWORD{"}}"} или весь ${"{{"}MySQL.MYSQL_URL{"}}"}), а не скопированное значение; если учётной записи нужен TLS, запросите его в URL (ssl-mode=REQUIRED для mysqlclient, ssl={"{"}{"}"} для mysql2, ssl_ca=… для SQLAlchemy с PyMySQL).
advice_mysql_access_denied =
    .cause = Сервер знает учётную запись, но отказывает ей здесь: с этого хоста входить нельзя (user@'host'), нет прав на базу (так же MariaDB отвечает, если базы нет) или учётная запись заблокирована.
    .fix = От имени администратора: GRANT ALL ON <база>.* TO '<пользователь>'@'%' (или хост, с которого идёт подключение), CREATE DATABASE, если базы нет, ALTER USER … ACCOUNT UNLOCK.
advice_mysql_database_not_found =
    .cause = Базы, названной в пути URL, на этом сервере нет (ERROR 1049).
    .fix = Создайте её (CREATE DATABASE <имя>) или исправьте путь в { $variable }; MySQL на Railway создаёт одну базу с именем railway.
advice_mysql_too_many_connections =
    .cause = У сервера не осталось свободных подключений: достигнут max_connections (ERROR 1040) или max_user_connections этой учётной записи (ERROR 1203/1226).
    .fix = Уменьшите пул приложения (каждая реплика открывает свой), закрывайте простаивающие подключения или увеличьте max_connections на сервере.
advice_mysql_server_starting =
    .cause = Сервер запускается или останавливается.
    .fix = Подождите и повторите: railconn wait повторяет такие проверки сам.
advice_mysql_query_failed =
    .cause = Вход удался, но сервер отклонил запрос фактов (причина — в сообщении выше).
    .fix = Проверьте права учётной записи; SELECT 1 и SHOW GLOBAL STATUS не требуют прав ни в MySQL 8, ни в MariaDB.

## Проверка RabbitMQ (AMQP 0-9-1) (issue 21)
amqp_vhost_too_long = длина vhost — { $length ->
    [one] { $length } байт
    [few] { $length } байта
   *[many] { $length } байт
}, а AMQP передаёт не больше 255
amqp_bad_heartbeat = heartbeat={ $value } — не число секунд от 0 до 65535
amqp_tls_off = не используется (amqp://)
amqp_unencrypted = соединение с брокером { $host } не зашифровано: пароль идёт по сети открытым текстом (используйте amqps://, если брокер его поддерживает)
amqp_timeout = нет ответа AMQP за { $limit }
amqp_auth_detail = PLAIN, пользователь { $user }, { $server }
amqp_default_credentials = в URL нет учётных данных: kombu, pika и amqplib входят как guest/guest, а RabbitMQ пускает guest только с localhost
amqp_no_plain = сервер не предлагает механизм PLAIN (предлагает: { $mechanisms })
amqp_unexpected = сервер ответил неожиданным методом AMQP ({ $method })
amqp_vhost_refused = vhost { $vhost }: { $said }
amqp_other_version = сервер ответил собственным заголовком протокола: он работает по AMQP { $version }, а не 0-9-1
amqp_frame_too_large = сервер прислал фрейм размером { $size ->
    [one] { $size } байт
    [few] { $size } байта
   *[many] { $size } байт
} — больше согласованного frame_max
amqp_peer_is_tls = порт отвечает по TLS: в URL amqp://, а брокер ждёт amqps://
amqp_not_amqp = на этом порту не AMQP ({ $bytes })
amqp_closed_after_credentials = сервер молча закрыл соединение сразу после учётных данных: так RabbitMQ отвечает, когда их отвергает
amqp_closed = сервер закрыл соединение без ответа AMQP
amqp_open_detail = vhost { $vhost } открыт, канал 1 открыт; frame_max { $frame_max }, channel_max { $channel_max }, heartbeat сервера { $heartbeat } с
amqp_blocked = брокер блокирует публикацию: { $reason } (сработал memory alarm или disk alarm); delay() в Celery и любая публикация будут висеть, пока брокер не снимет блокировку
advice_amqp_unsupported_scheme =
    .cause = URL не начинается с amqp://, amqps://, pyamqp:// или librabbitmq://.
    .fix = Используйте URL брокера amqp:// (amqps:// для TLS — так его выдаёт CloudAMQP).
advice_amqp_dns_not_found =
    .cause = Такого имени хоста брокера резолвер этой машины не знает: опечатка, сервис переименован или удалён, либо это приватное имя, которое резолвится только внутри своей сети.
    .fix = Заново скопируйте URL в { $variable } из панели управления брокера или из его Variables; с ноутбука или из CI используйте публичный URL.
advice_amqp_connection_refused =
    .cause = Хост ответил, но на этом порту никто не слушает: RabbitMQ остановлен или перезапускается, либо порт неверный (5672 для amqp://, 5671 для amqps://; 15672 — это веб-интерфейс управления, а не AMQP).
    .fix = Проверьте, что брокер запущен (посмотрите его логи), и скопируйте хост и порт вместе в { $variable } из параметров подключения.
advice_amqp_auth_failed =
    .cause = RabbitMQ отверг имя пользователя или пароль (ACCESS_REFUSED): пароль неверный или устаревший, либо пользователь guest подключается с другой машины — RabbitMQ пускает guest только с localhost.
    .fix = Скопируйте в { $variable } URL с актуальными пользователем и паролем (на Railway — из Variables сервиса RabbitMQ, в CloudAMQP — AMQP URL инстанса); символы @ : / в пароле кодируйте через %.
advice_amqp_vhost_not_found =
    .cause = Vhost из URL на этом брокере нет. kombu (Celery) берёт путь без первого слеша: amqp://host/ и amqp://host// открывают «/», amqp://host/name — «name»; в CloudAMQP vhost совпадает с именем пользователя.
    .fix = Укажите в пути { $variable } существующий vhost (%2F или пустой путь для «/») либо создайте его и выдайте пользователю права: rabbitmqctl add_vhost NAME, затем rabbitmqctl set_permissions -p NAME USER ".*" ".*" ".*" (у нового vhost прав нет ни у кого, и следующая проверка упадёт с access_denied).
advice_amqp_vhost_denied =
    .cause = Пользователь вошёл, но прав на этот vhost у него нет, или vhost его не пускает.
    .fix = Выдайте права (rabbitmqctl set_permissions -p VHOST USER ".*" ".*" ".*") или укажите в { $variable } vhost, доступный пользователю.
advice_amqp_connection_limit =
    .cause = Достигнут лимит соединений для vhost или пользователя: воркеры × concurrency × реплики, перекрывающиеся деплои или незакрытые соединения.
    .fix = Поднимите лимит (rabbitmqctl set_vhost_limits) или перейдите на тариф выше, либо открывайте меньше соединений (в Celery — broker_pool_limit).
advice_amqp_tls_required =
    .cause = Брокер на этом порту работает по TLS, а в URL открытый amqp://.
    .fix = Используйте amqps:// (порт 5671, если провайдер не указал другой).
advice_amqp_protocol_error =
    .cause = На этом порту не AMQP 0-9-1: веб-интерфейс управления (порт 15672), HTTP-эндпоинт, брокер AMQP 1.0 (Azure Service Bus, ActiveMQ Artemis) или сервер другого рода.
    .fix = Укажите в { $variable } AMQP-хост и порт брокера (5672 или 5671 с amqps://).
advice_amqp_connection_closed =
    .cause = На этом порту соединения принимаются, но закрываются без ответа AMQP: брокер за прокси остановлен или удалён, либо он ждёт TLS.
    .fix = Проверьте логи брокера и скопируйте его текущий URL в { $variable }; если нужен TLS, используйте amqps://.
advice_amqp_server_starting =
    .cause = Брокер сам закрыл соединение (CONNECTION_FORCED): он запускается, останавливается или перезапускается.
    .fix = Подождите несколько секунд и проверьте снова.
amqp_alarm_unknown = пользователю нельзя публиковать в exchange по умолчанию, поэтому неизвестно, не блокирует ли публикацию memory alarm или disk alarm
var_celery_broker_url = URL брокера Celery; railconn находит эту переменную сам, как и любую другую с таким URL: с amqp:// по ней идёт проверка RabbitMQ с именем CELERY_BROKER_URL, с redis:// — проверка Redis.
redis_not_named = не проверялось: переменная REDIS_URL не задана, а в манифестах приложения ({ $files }) нет ни одного клиента Redis — похоже, приложение не использует Redis (например, это приложение Celery на RabbitMQ); если использует, задайте REDIS_URL
amqp_unknown_parameter = kombu (Celery) не принимает параметр URL `{ $name }`: у Connection() нет такого аргумента (TypeError при подключении приложения); уберите его
amqp_pika_vhost = kombu (Celery) и amqplib открывают vhost «{ $vhost }», а pika — «{ $pika }» (берёт только первый сегмент пути); закодируйте vhost через % (%2F вместо слеша), чтобы все клиенты читали его одинаково
advice_amqp_tls_unsupported =
    .cause = URL требует TLS (amqps:// или ?ssl=…), а брокер на этом порту работает по AMQP без шифрования. kombu считает истиной любое непустое значение ssl=, даже ssl=false.
    .fix = Используйте amqp:// и уберите ssl= из { $variable } либо подключайтесь к TLS-порту брокера (5671).
advice_amqp_certificate_invalid =
    .cause = Цепочка сертификата брокера не доходит до доверенного корневого: сертификат самоподписанный или выпущен частным CA. Celery (py-amqp) проверяет цепочку по системным корневым сертификатам, хотя имя хоста не сверяет.
    .fix = Используйте amqps://-эндпоинт провайдера с публичным сертификатом или передайте приложению CA (в Celery — broker_use_ssl с ca_certs, указывающим на файл CA); ?ssl_cert_reqs=CERT_NONE шифрует без проверки.

## Как часто serve проверяет (issue 23)
every_whole = { $count ->
    [1] { $unit ->
        [h] раз в час
        [min] раз в минуту
       *[s] раз в секунду
    }
    [one] { $unit ->
        [h] каждый { $count } ч
        [min] каждую { $count } мин
       *[s] каждую { $count } с
    }
   *[other] каждые { $count } { $unit ->
        [h] ч
        [min] мин
       *[s] с
    }
}
every_amount = каждые { $amount }

## План подключения каждого драйвера: TLS, повтор при sslmode=prefer, списки хостов, вход в Redis (issue 20)
driver_redis_node_roots = { $drivers } проверяют сертификат сервера по хранилищу CA Node.js (встроенный список и NODE_EXTRA_CA_CERTS) — railconn проверил по тому же хранилищу
driver_redis_node_roots_cause = { $drivers } проверяют сертификат только по хранилищу CA Node.js: встроенному списку публичных CA и файлу из NODE_EXTRA_CA_CERTS. Node.js не читает ни SSL_CERT_FILE, ни системное хранилище, поэтому с частным или самоподписанным CA, которого там нет, TLS-рукопожатие не пройдёт.
driver_redis_py_cert_reqs_none = { $driver } читает ssl_cert_reqs=none из URL и сертификат не проверяет — railconn его тоже не проверял
driver_redis_py_ca_certs = { $driver } проверяет сертификат по файлу из параметра ssl_ca_certs в URL — railconn проверил по нему же
driver_node_redis_ipv6 = { $driver } ищет имя { $host } вместе с квадратными скобками (так хост записывает new URL()) и падает с getaddrinfo ENOTFOUND, не подключившись
driver_node_redis_ipv6_cause = { $driver } передаёт хост из URL в разрешение имён в том виде, в каком его записывает new URL(), — со скобками IPv6-литерала; такого имени нет, и приложение падает с ENOTFOUND, хотя redis-py, ioredis и redis-rs подключаются.
driver_node_redis_ipv6_fix = Укажите имя хоста, которое разрешается в этот IPv6-адрес, или передайте адрес без скобок в параметрах клиента: createClient({"{"} socket: {"{"} host: '::1', port: 6379 {"}"} {"}"}).
driver_sa_asyncpg_ssl_value = диалект asyncpg в SQLAlchemy передаёт ssl={ $value } в asyncpg.connect() строкой "{ $value }", а asyncpg принимает там только название режима: первое же подключение падает с ошибкой «`sslmode` parameter must be one of: disable, allow, prefer, require, verify-ca, verify-full»
driver_sa_asyncpg_ssl_value_cause = С postgresql+asyncpg:// SQLAlchemy передаёт ssl={ $value } из URL в asyncpg.connect(ssl="{ $value }"); строку asyncpg там понимает только как одно из названий режимов sslmode из libpq, поэтому приложение падает при первом подключении, хотя libpq читает ssl=true как sslmode=require.
driver_postgresjs_plaintext = { $driver } включает TLS, только если его попросить (sslmode или ssl в URL либо PGSSLMODE): без этого он подключается без шифрования — и railconn проверил подключение так же
driver_postgresjs_plaintext_cause = { $driver } включает TLS, только если в URL есть sslmode или ssl либо задана PGSSLMODE; иначе он подключается без шифрования, а этот сервер незашифрованные подключения отклоняет, хотя libpq, psql и psycopg подключаются (они предпочитают TLS).
driver_postgresjs_plaintext_fix = Добавьте в URL sslmode=require, чтобы шифровать без проверки сертификата, или sslmode=verify-full, чтобы проверять его по хранилищу CA Node.js (для частного CA — NODE_EXTRA_CA_CERTS=/path/to/ca.pem в окружении приложения).
driver_postgresjs_verifies = { $driver } для этого URL проверяет цепочку сертификатов и имя хоста по хранилищу CA Node.js (встроенный список и NODE_EXTRA_CA_CERTS; PGSSLROOTCERT он не читает) — проверено так же
driver_postgresjs_verifies_cause = { $driver } понимает ssl=true, sslmode=verify-full и verify-ca (в URL или PGSSLMODE) как TLS Node.js по умолчанию: цепочка проверяется по хранилищу CA Node.js, имя хоста сверяется. PGSSLROOTCERT и ~/.postgresql/root.crt он не читает, поэтому с частным или самоподписанным CA TLS-рукопожатие не пройдёт, если этого CA нет в хранилище Node.js.
driver_postgresjs_verifies_fix = Сделайте CA доверенным для Node.js: NODE_EXTRA_CA_CERTS=/path/to/ca.pem в окружении приложения или sslrootcert=/path/to/ca.pem в URL; sslmode=require шифрует без проверки.
pg_prefer_retry = сервер отклонил подключение по TLS ({ $code }: { $message }); при sslmode=prefer подключение повторено без TLS, как это делают libpq и asyncpg
driver_redis_nopass = у пользователя default на сервере нет пароля, и пароль из URL сервер отверг ({ $said }); драйверы Redis приложения всё равно подключаются (redis-py и node-redis передают вместе с паролем имя пользователя, ioredis только предупреждает): уберите пароль из URL или задайте его на сервере
driver_sa_asyncpg_ssl_value_fix = Напишите в URL ssl=require вместо ssl={ $value } (ssl=verify-full заодно проверяет сертификат): asyncpg принимает там названия режимов из libpq.
pg_next_host = в URL несколько хостов: к { $failed } подключиться не удалось, и railconn, как и libpq, подключился к следующему — { $host }
driver_node_pg_host_list = { $driver } берёт из URL только один хост, поэтому на этом списке хостов падает, не подключившись (Invalid URL или ENOTFOUND, когда список ищется как одно имя)
driver_node_pg_host_list_cause = { $driver } берёт из URL один хост: new URL() отвергает host:port,host:port в адресе, а ?host=a,b ищется как одно имя «a,b». libpq, psycopg, asyncpg и postgres.js перебирают хосты по очереди.
driver_node_pg_host_list_fix = Дайте node-postgres один хост на URL (основной или имя, которое само переключается на резервный, например адрес кластера у провайдера), а остальные, если приложению нужно переключение, перебирайте в коде.
driver_sa_host_list = SQLAlchemy читает host:port,host:port в адресе URL как один хост и порт, который не число: create_engine() падает с ValueError, не подключившись
driver_sa_host_list_cause = Парсер URL в SQLAlchemy (make_url) считает портом всё, что в адресе идёт после первого двоеточия, поэтому со списком хостов порт получается «5432,host:5433» — не число; те же хосты в параметрах запроса доходят до драйвера как есть.
driver_sa_host_list_fix = Перенесите хосты в параметры запроса: postgresql+DRIVER://USER:PASSWORD@/DBNAME?host=HOST1,HOST2&port=PORT1,PORT2.
driver_redis_node_roots_fix = Сделайте CA доверенным для Node.js: NODE_EXTRA_CA_CERTS=/path/to/ca.pem в окружении приложения (Node.js читает эту переменную при запуске; SSL_CERT_FILE он не читает).
driver_node_pg_channel_binding = { $driver } не читает channel_binding из URL: без enableChannelBinding в коде он аутентифицируется без привязки к каналу — railconn проверил так же
driver_node_pg_channel_binding_fix = Чтобы node-postgres привязывался к каналу, задайте enableChannelBinding: true в параметрах клиента (вместе с TLS); channel_binding в URL для него ничего не меняет.

## Драйверы AMQP: как pika читает vhost
driver_pika_vhost = { $driver } открывает vhost «{ $pika }» (берёт только первый сегмент пути URL; kombu читает «{ $kombu }») — railconn открыл тот же vhost, что и pika
driver_pika_vhost_cause = { $driver } берёт vhost из первого сегмента пути URL и декодирует %-последовательности (URLParameters), поэтому с этим URL открывается «{ $pika }», а брокер такой vhost отвергает; kombu (Celery) и amqplib читают путь целиком.
driver_pika_vhost_fix = Закодируйте vhost через % одним сегментом пути — так его одинаково читают pika, kombu и amqplib: { $url }
driver_amqp_vhost_unchecked = Для { $drivers } этот URL означает vhost «{ $vhost }», а эта проверка его не открывала (одно соединение открывает один vhost, и railconn открыл тот, что у pika); закодируйте vhost через % (%2F вместо слеша), чтобы все драйверы открывали один и тот же

## Подсказки провайдеров для MySQL и RabbitMQ (issue 21)
tip_railway_private_dns_mysql =
    .cause = Имя *.railway.internal резолвится только внутри запущенного деплоя того же проекта и окружения Railway — не с ноутбука, не из CI и не во время сборки (RUN в Dockerfile, postinstall).
    .fix = Вне Railway используйте MYSQL_PUBLIC_URL (railconn check --public); внутри оставьте MYSQL_URL и подключайтесь во время работы, а не при сборке.
tip_railway_private_dns_amqp =
    .cause = Имя *.railway.internal резолвится только внутри запущенного деплоя того же проекта и окружения Railway — не с ноутбука, не из CI и не во время сборки (RUN в Dockerfile, postinstall).
    .fix = Вне Railway включите у сервиса RabbitMQ публичный доступ (TCP-прокси) и используйте его публичный URL (переменная шаблона *_PUBLIC_URL, railconn check --public); внутри подключайтесь во время работы, а не при сборке.
tip_railway_mysql_database =
    .cause = Сервис MySQL в Railway создаёт одну базу с именем railway (MYSQLDATABASE); базы с другим именем из пути URL там нет, пока приложение её не создаст.
    .fix = Укажите в URL /railway (или ${"{{"}MySQL.MYSQLDATABASE{"}}"}) либо сначала создайте базу (CREATE DATABASE имя) от пользователя root этого сервиса.
tip_planetscale_tls =
    .cause = PlanetScale принимает только соединения по TLS с проверкой по публичным корневым сертификатам системы; соединение MySQL без шифрования отклоняется.
    .fix = Добавьте ?ssl-mode=VERIFY_IDENTITY (mysql2: ssl={"{"}"rejectUnauthorized":true{"}"}; PyMySQL/mysqlclient: ssl_ca=/etc/ssl/certs/ca-certificates.crt) и проверьте, что в образе установлены сертификаты CA.
tip_planetscale_database =
    .cause = Соединение с PlanetScale ведёт в базу одной ветки, и она уже существует; другие базы по протоколу MySQL создать нельзя (CREATE DATABASE отклоняется).
    .fix = Укажите имя базы, которое консоль PlanetScale показывает вместе с паролем ветки; базы и ветки создавайте там же или через pscale CLI.
tip_aiven_mysql_tls =
    .cause = MySQL в Aiven требует TLS, а сертификат подписан собственным CA проекта.
    .fix = Добавьте ?ssl-mode=REQUIRED, чтобы шифровать, или скачайте CA проекта (ca.pem) и используйте ssl-mode=VERIFY_CA с ssl-ca=ca.pem (PyMySQL/mysqlclient: ssl_ca=ca.pem).
tip_aiven_mysql_port =
    .cause = Сервисы Aiven слушают свой порт, указанный в Service URI, а не порт MySQL 3306; на порту из этого URL никто не отвечает.
    .fix = Скопируйте хост и порт вместе из Service URI сервиса в консоли Aiven (avn service get <имя> --format '{"{"}service_uri{"}"}').
tip_rds_mysql_tls =
    .cause = Инстанс RDS MySQL или MariaDB отклоняет соединения без шифрования (require_secure_transport=ON в группе параметров), и его сертификат подписан CA Amazon RDS, а не публичным корневым.
    .fix = Добавьте ?ssl-mode=REQUIRED; для проверки скачайте global-bundle.pem с сайта AWS и используйте ssl-mode=VERIFY_IDENTITY с ssl-ca=global-bundle.pem (mysql2: ssl={"{"}"ca":…{"}"}; PyMySQL/mysqlclient: ssl_ca=global-bundle.pem).
tip_cloudamqp_vhost =
    .cause = На общих тарифах CloudAMQP vhost называется так же, как пользователь, и пользователю доступен только он; в пути URL указан другой.
    .fix = Скопируйте URL заново на странице сведений об инстансе (CLOUDAMQP_URL): его путь и есть vhost (amqps://user:password@host/user).
tip_cloudamqp_connection_limit =
    .cause = CloudAMQP ограничивает число одновременных соединений по тарифу (на бесплатном и общих тарифах их немного); сверх лимита брокер закрывает новые соединения.
    .fix = Держите одно соединение на процесс и открывайте в нём каналы; закрывайте соединения остановленных воркеров; проверьте их число на странице обзора инстанса или перейдите на тариф выше.
tip_cloudamqp_ports =
    .cause = CloudAMQP принимает amqp:// на порту 5672, а amqps:// (TLS) — на 5671; в этом URL схема и порт не совпадают.
    .fix = Используйте amqps://…:5671 (или amqps:// без порта) либо amqp://…:5672.
provider_tls_only_mysql = соединение без шифрования, а { $provider } принимает только TLS и такое соединение отклонит; используйте ssl-mode=REQUIRED или строже (mysql2: ssl={"{"}"rejectUnauthorized":true{"}"})

## PGSSLNEGOTIATION
pg_bad_env_sslnegotiation = PGSSLNEGOTIATION содержит недопустимый sslnegotiation (libpq его отвергнет): используйте postgres или direct
var_pgsslnegotiation = sslnegotiation для PostgreSQL (postgres или direct, libpq 17), если в URL его нет, как в libpq.

## Как каждый драйвер MySQL читает TLS-параметры URL (issue 21)
mysql_ignored_parameter = { $driver } не читает { $key } из URL — параметр игнорируется (mysql2 читает только ssl={"{"}…{"}"}; PyMySQL через SQLAlchemy — только ssl_ca, ssl_cert, ssl_key, ssl_check_hostname, ssl_disabled, ssl_verify_cert, ssl_verify_identity)
mysql_mysql2_ssl = mysql2 выбрасывает исключение до подключения на ssl={ $value } ({ $error }): он принимает JSON-объект вроде ssl={"{"}"rejectUnauthorized":true{"}"}, false или имя профиля Amazon RDS
mysql_aiomysql_ssl_text = сервер предлагает TLS, а aiomysql получил ssl из URL строкой (SQLAlchemy передаёт параметры запроса строками): TLS не запускается («AttributeError: … object has no attribute 'wrap_bio'»); ssl для aiomysql должен быть SSLContext, заданным в коде (connect_args={"{"}"ssl": ssl.create_default_context(){"}"})
driver_mysql2_ignores_tls = { $driver } игнорирует { $keys } (настройки TLS он читает только из ssl={"{"}…{"}"}): подключается без шифрования — так же подключилась и проверка
driver_mysql2_ignores_tls_cause = { $driver } не читает { $keys }: печатает «Ignoring invalid configuration option» и подключается без TLS, а этот сервер не пускает эту учётную запись без шифрования.
driver_mysql2_ssl_fix = Задайте TLS параметром самого mysql2: ssl={"{"}"rejectUnauthorized":true{"}"} (в %-кодировке ssl=%7B%22rejectUnauthorized%22%3Atrue%7D) проверяет цепочку по хранилищу CA Node.js; добавьте "verifyIdentity":true, чтобы проверялось и имя хоста.
driver_mysql2_verifies = { $driver } проверяет цепочку сертификата по хранилищу CA Node.js (встроенный список плюс NODE_EXTRA_CA_CERTS), а имя хоста — только с verifyIdentity: проверено так же
driver_mysql2_verifies_cause = { $driver } проверяет сертификат сервера по хранилищу CA Node.js, а не по системному хранилищу и не по файлу из URL; издателя этого сертификата там нет, поэтому приложение не подключится.
driver_mysql2_verifies_fix = Добавьте CA сервера в доверенные для Node.js: NODE_EXTRA_CA_CERTS=/path/to/ca.pem в окружении приложения (Node.js читает эту переменную при запуске) или ssl: {"{"} ca: fs.readFileSync('/path/to/ca.pem') {"}"} в параметрах подключения.
driver_pymysql_preferred = { $driver } включает шифрование, если сервер предлагает TLS, а в URL нет TLS-параметров (PREFERRED), и сертификат не проверяет: проверено так же
driver_pymysql_preferred_cause = { $driver } запускает TLS всякий раз, когда сервер его предлагает (PREFERRED), и не переходит обратно на соединение без шифрования, если TLS-рукопожатие не удалось.
driver_pymysql_preferred_fix = Исправьте настройку TLS на сервере или отключите TLS для этого соединения параметром ssl_disabled=true в URL (SQLAlchemy передаст его PyMySQL).
driver_pymysql_ca_dropped = { $driver } отбрасывает ssl_ca из URL, если через SQLAlchemy передан ssl_verify_cert или ssl_verify_identity, и проверяет цепочку по стандартному хранилищу CA Python: проверено так же
driver_pymysql_ca_dropped_cause = SQLAlchemy переносит ssl_ca в словарь ssl для { $driver }, а PyMySQL заменяет этот словарь, когда задан ssl_verify_cert или ssl_verify_identity: файл CA не читается, а по стандартному хранилищу Python этот сертификат не проверяется.
driver_pymysql_ca_dropped_fix = Уберите из URL ssl_verify_cert и ssl_verify_identity: одного ssl_ca достаточно, чтобы проверялись цепочка и имя хоста (ssl_check_hostname=false отключает проверку имени).

## PostgreSQL через Unix-сокеты (issue 20)
socket_no_dns = Unix-сокет { $path }: имя разрешать не нужно
socket_connected = подключено к Unix-сокету { $path }
socket_missing = { $path }: файла сокета нет (ENOENT) — значит, на этом сокете не слушает ни один сервер
socket_refused = { $path }: в подключении отказано (ECONNREFUSED) — файл сокета есть, но сервер на нём подключений не принимает
socket_denied = { $path }: доступ запрещён (EACCES) — этому пользователю нельзя открыть файл сокета или его каталог
pg_tls_not_on_socket = не применяется к Unix-сокету: libpq и asyncpg подключаются через сокет без TLS при любом sslmode ({ $mode })
driver_sa_encoded_host = SQLAlchemy не декодирует хост из URL: `%2F…` доходит до драйвера как имя хоста для поиска в DNS, а не как каталог сокета, и подключение не удаётся
driver_sa_encoded_host_cause = Парсер URL в SQLAlchemy (make_url) декодирует пользователя, пароль и базу, но не хост, поэтому закодированный каталог сокета ищется в DNS как есть.
driver_sa_encoded_host_fix = Перенесите каталог сокета в параметры запроса: postgresql+DRIVER://USER@/DBNAME?host=/var/run/postgresql.
driver_abstract_socket = { $driver } не понимает `@name` как абстрактный Unix-сокет: он ищет это имя как хост, и подключение не удаётся
driver_abstract_socket_cause = Хост, начинающийся с `@`, как абстрактный сокет читает только libpq (PostgreSQL 14, Linux); { $driver } считает сокетом только путь, начинающийся с `/`.
driver_abstract_socket_fix = Укажите каталог сокета путём (?host=/var/run/postgresql) или TCP-хост и порт сервера.
driver_default_host = без хоста в URL { $driver } перебирает { $hosts } в этом порядке
driver_default_host_fix = Укажите в URL хост (или каталог сокета, ?host=/path), чтобы все драйверы подключались к одному месту.
advice_pg_socket_missing =
    .cause = На этом Unix-сокете не слушает ни один сервер PostgreSQL: сервер на этой машине не запущен, либо кладёт сокет в другой каталог (unix_socket_directories), либо слушает другой порт (файл называется .s.PGSQL.ПОРТ).
    .fix = Запустите сервер или укажите в URL каталог и порт, которые он использует (?host=/path&port=ПОРТ; каталог покажет psql -c 'SHOW unix_socket_directories'), либо подключайтесь по TCP-хосту и порту.
advice_pg_socket_denied =
    .cause = Файл сокета или его каталог не пускает этого пользователя: процессу мешают unix_socket_permissions или unix_socket_group сервера либо права самого каталога.
    .fix = Запускайте приложение от пользователя, которого сокет пускает (например, члена группы unix_socket_group), расширьте unix_socket_permissions (postgresql.conf) или подключайтесь по TCP.

## Параметры URL, которые драйвер читает по-своему (issue 20)
reading_ignored = { $driver } не читает из URL { $names }: проверка их не учитывает, как и приложение
reading_own = { $driver } сам читает { $names } (libpq таких параметров не знает): проверено так, как их читает { $driver }
reading_last_at = { $driver } считает именем пользователя и паролем всё до последнего `@` перед хостом, а libpq (psql, psycopg) — до первого: проверено так, как читает { $driver }; закодируйте `@` в пароле как %40, чтобы URL одинаково читали все клиенты
reading_redis_db = { $drivers } читают базу `{ $path }` — не число — как базу { $db } (redis-rs такой URL отвергает): проверено на базе { $db }; укажите нужный номер базы, например `/0`
reading_ioredis_select_ignored = сервер отверг SELECT { $db } ({ $said }); ioredis игнорирует эту ошибку и остаётся на базе 0 — туда и пойдут команды приложения: укажите базу, которая есть на сервере (по умолчанию 0–15), например `/0`
reading_postgresjs_setting_fix = Уберите `{ $param }` из URL: postgres.js его не читает, а у сервера такой настройки нет; задайте postgres.js его собственные параметры в коде (postgres(url, {"{"} … {"}"})).
## ed25519
mysql_ed25519_drivers = учётная запись входит через плагин MariaDB ed25519 (client_ed25519): PyMySQL умеет его только с установленным PyNaCl (pip install "PyMySQL[ed25519]"), коннекторы MariaDB умеют, а mysql2 и aiomysql — нет («unknown plugin client_ed25519», «not configured»); если приложение работает через них, переведите учётную запись на mysql_native_password (ALTER USER … IDENTIFIED VIA mysql_native_password USING PASSWORD('…'))
mysql_public_key_retrieval_sha256 = учётная запись входит через sha256_password без TLS, и railconn, как и PyMySQL, запросил открытый RSA-ключ сервера; mysql2 и Connector/J в этом случае отказывают с «Public Key Retrieval is not allowed», если в URL нет allowPublicKeyRetrieval=true (лучше подключаться через TLS: ssl-mode=REQUIRED)

## Драйверы MySQL, которые не входят там, где вошла проверка (issue 21)
mysql_driver_lacks_ed25519 = учётная запись входит через плагин MariaDB ed25519 (client_ed25519), которого в { $driver } нет: драйвер не войдёт там, где вошёл railconn
mysql2_key_retrieval_refused = учётной записи понадобилась полная аутентификация { $plugin } без TLS, а mysql2 не запрашивает для неё открытый RSA-ключ сервера: «Public Key Retrieval is not allowed»
advice_mysql_driver_lacks_ed25519 =
    .cause = Учётная запись создана как IDENTIFIED VIA ed25519, а у драйвера приложения нет плагина client_ed25519 (mysql2 падает с «unknown plugin client_ed25519», aiomysql — с «not configured»). Пароль верный: PyMySQL с PyNaCl и коннекторы MariaDB с ним входят.
    .fix = Переведите учётную запись на плагин, который драйвер умеет: ALTER USER 'user'@'%' IDENTIFIED VIA mysql_native_password USING PASSWORD('…'); или подключайтесь через PyMySQL с PyNaCl (pip install "PyMySQL[ed25519]").
advice_mysql2_key_retrieval =
    .cause = Сервер потребовал полный обмен caching_sha2_password (или sha256_password): без TLS пароль при этом шифруется RSA-ключом сервера, а mysql2 без разрешения этот ключ не запрашивает, и вход не удаётся. Так бывает, пока сервер не закешировал пароль этой учётной записи после перезапуска, поэтому ошибка то появляется, то пропадает.
    .fix = Подключайтесь через TLS (в mysql2: ssl={"{"}"rejectUnauthorized":true{"}"} в URL или ssl={"{"}{"}"} с CA сервера) — тогда пароль идёт внутри зашифрованного соединения; или добавьте в URL allowPublicKeyRetrieval=true.

## node-postgres и сервер без TLS (issue 20)
driver_node_pg_no_tls_cause = Сервер не поддерживает TLS, а { $driver } при sslmode={ $mode } (при любом режиме, кроме disable) требует его и не пробует подключиться без шифрования: падает с «The server does not support SSL connections». Настройки сертификатов тут не помогут.
driver_node_pg_no_tls_fix = Уберите sslmode из URL (тогда node-postgres подключится без TLS) или задайте sslmode=disable — в доверенной приватной сети; либо включите TLS на сервере.
## hunt
driver_prisma_param = { $driver } не понимает параметры Prisma ({ $names }): он отвергает URL или передаёт их дальше, и подключение не удаётся
driver_prisma_param_cause = { $names } — собственные параметры URL у Prisma, и читает их только Prisma. libpq (psql, psycopg2, psycopg 3) отвергает их как неизвестные параметры URI, SQLAlchemy передаёт их своему драйверу как аргументы, которых тот не принимает, asyncpg и postgres.js отправляют их серверу как настройки, которых у него нет; пропускает их только node-postgres. А этот URL читает и { $driver }.
driver_prisma_param_fix = Дайте { $driver } URL без { $names } (отдельную переменную окружения или URL, из которого код убирает эти параметры), а параметры Prisma оставьте только в URL, который читает Prisma.
driver_postgresjs_session_attrs = { $driver } не принимает target_session_attrs={ $value }: при создании клиента, ещё до подключения, он бросает исключение «target_session_attrs { $value } is not supported»
driver_postgresjs_session_attrs_cause = { $driver } знает только read-write, read-only, primary, standby и prefer-standby — из URL или из PGTARGETSESSIONATTRS; на значение libpq по умолчанию `any`, как и на любое другое, он бросает исключение.
driver_postgresjs_session_attrs_fix = Чтобы подключаться к любому серверу, уберите target_session_attrs из URL (и PGTARGETSESSIONATTRS из переменных окружения) или укажите одно из значений read-write, read-only, primary, standby, prefer-standby.
var_pgtargetsessionattrs = target_session_attrs для PostgreSQL, если в URL его нет: libpq, asyncpg и postgres.js проверяют по нему каждый хост (postgres.js отвергает незнакомые ему значения, и `any` из libpq тоже); node-postgres его игнорирует.

## Пользователь по умолчанию, если URL его не называет (issue 20)
pg_default_user = ни URL, ни PGUSER не называют пользователя: драйвер войдёт как { $user } — пользователь ОС, от имени которого он запущен

## DBAPI MySQL по умолчанию в SQLAlchemy (issue 21)
driver_sa_mysqldb = { $sqlalchemy } читает mysql:// как mysql+mysqldb://, а для него нужен mysqlclient; в манифестах приложения есть { $pymysql }, но нет mysqlclient, поэтому create_engine() упадёт: «No module named 'MySQLdb'»
driver_sa_mysqldb_cause = Для mysql:// SQLAlchemy по умолчанию берёт DBAPI mysqlclient (MySQLdb), а не PyMySQL: URL с простым mysql:// работает, только если установлен mysqlclient или код приложения вызывает pymysql.install_as_MySQLdb().
driver_sa_mysqldb_fix = Укажите DBAPI в URL: mysql+pymysql://… (или установите mysqlclient). Если приложение вызывает pymysql.install_as_MySQLdb(), оставьте URL и передайте --allow invalid_url@{ $check }.

## target_session_attrs и require_auth (issue 20)
pg_session_attrs_next = { $host } не подходит под target_session_attrs={ $wanted }, поэтому подключение, как и у драйвера, перешло к следующему хосту из URL
pg_session_attrs_read_only = target_session_attrs={ $wanted } требует основной сервер с записью, а этот сервер только для чтения (standby или включён default_transaction_read_only): драйвер закроет сессию и упадёт («session is read-only», «server is in hot standby mode»)
pg_session_attrs_writable = target_session_attrs={ $wanted } требует сессию только для чтения или standby, а этот сервер ни то ни другое: драйвер закроет сессию и упадёт («session is not read-only», «server is not in hot standby mode»)
explain_not_read_only = Вход выполнен, но target_session_attrs требует сессию только для чтения или standby, а ни один хост из URL не подходит, и драйвер сдаётся.
advice_pg_not_read_only =
    .cause = В URL (или в PGTARGETSESSIONATTRS) задан target_session_attrs=read-only или standby, а все серверы из URL — основные, с записью: libpq, asyncpg и postgres.js после входа проверяют каждый хост и падают, если ни один не подходит (node-postgres этот параметр игнорирует).
    .fix = Направьте { $variable } на эндпоинт реплики для чтения или уберите target_session_attrs (либо задайте any или prefer-standby), если подойдёт и основной сервер.
pg_require_auth_refused = require_auth={ $required } исключает метод, который запросил сервер ({ $method }): libpq 16+ и postgres.js закроют соединение («authentication method requirement … failed»); node-postgres этот параметр игнорирует
var_pgrequireauth = require_auth для PostgreSQL, если в URL его нет: методы аутентификации, которые libpq 16+ и postgres.js примут от сервера; asyncpg и node-postgres его игнорируют.
## AMQP поверх TLS: как каждый драйвер проверяет сертификат (issue 21)
amqp_ssl_parameter = py-amqp (Celery, kombu) не принимает параметр URL `{ $name }`: kombu передаёт параметры ssl_* TLS-обёртке py-amqp под их собственными именами, а таких аргументов у неё нет (TypeError при подключении приложения); уберите его и задайте параметры TLS в коде (в Celery — broker_use_ssl)
driver_amqplib_tls = { $driver } проверяет цепочку сертификата брокера и имя в нём (хост из URL) по хранилищу CA Node.js (встроенный список и NODE_EXTRA_CA_CERTS) — railconn проверил так же
driver_amqplib_tls_cause = { $driver } подключается через tls.connect из Node.js с хостом из URL в качестве servername: сертификат должен вести к CA из хранилища Node.js (встроенного списка публичных CA и файла из NODE_EXTRA_CA_CERTS; ни SSL_CERT_FILE, ни системное хранилище не читаются) и содержать хост из URL (IP-адрес — среди своих IP-адресов).
driver_amqplib_tls_fix = Сделайте CA доверенным для Node.js: NODE_EXTRA_CA_CERTS=/path/to/ca.pem в окружении приложения — и подключайтесь по имени, указанному в сертификате (или передайте ca и servername в параметрах сокета amqplib).
driver_pika_tls = { $driver } проверяет цепочку сертификата брокера и имя в нём (хост из URL) по системному хранилищу CA (или SSL_CERT_FILE) — railconn проверил так же
driver_pika_tls_cause = { $driver } оборачивает подключения amqps:// в ssl.create_default_context() с хостом из URL в качестве server_hostname: сертификат должен вести к CA из системного хранилища (или файла из SSL_CERT_FILE) и содержать этот хост.
driver_pika_tls_fix = Подключайтесь по имени, указанному в сертификате, и сделайте CA доверенным: SSL_CERT_FILE=/path/to/ca.pem в окружении приложения или ssl.SSLContext с загруженным CA, переданный в коде через pika.SSLOptions.
driver_pika_parameter = { $driver } не принимает параметр URL `{ $name }` и не подключается: ValueError из URLParameters (такого параметра нет или он задан дважды)
driver_pika_parameter_cause = { $driver } читает каждый параметр запроса своим сеттером (heartbeat, frame_max, channel_max, ssl_options, socket_timeout, …) и выбрасывает ValueError на любое другое имя и на имя, заданное больше одного раза; ssl, ssl_* и connect_timeout из kombu в их число не входят.
driver_pika_parameter_fix = Уберите `{ $name }` из URL, который читает pika (или задайте его один раз), либо дайте pika отдельный URL.
amqp_pika_ssl_options = railconn читает ssl_options для pika только в виде {"{"}'ca_certs': '/path/to/ca.pem'{"}"} (или cafile) и ничего больше; другие ключи и формы не проверяются: запишите так или задайте параметры TLS в коде (pika.SSLOptions)
amqp_pika_ssl_options_none = pika не принимает ssl_options=None вместе с amqps:// (ValueError: противоречит схеме amqps); уберите одно из двух

## Пароль, который сервер не спросил (trust в PostgreSQL)
pg_password_not_checked = сервер принял вход пользователя { $user }, не спросив пароль (trust или peer для сокета в pg_hba.conf): заданный пароль (в URL или PGPASSWORD) не проверялся, а сервер, который его спрашивает (на Railway — всегда), может его отвергнуть
explain_password_not_checked = Сервер принял вход, не спросив пароль из URL или PGPASSWORD (trust или peer для сокета), поэтому сам пароль не проверялся.
