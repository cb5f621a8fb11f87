/*
 * The libpq side of the URL differential test (tests/libpq_uri.rs).
 *
 * Reads one connection URI per line on stdin and writes one line per URI:
 *
 *   ERR <hex message>                      PQconninfoParse refused it
 *   OK <key>=<hex value>... CONN <hex>     parsed; then what PQconnectdbParams
 *                                          said when asked to connect
 *
 * The connect attempt is what psql does with the URI (dbname expansion), so
 * the checks libpq only makes at connect time (port numbers, sslmode, host
 * and port counts, integer options) are seen too. It runs in a fresh
 * network namespace with only loopback up: nothing can leave the machine,
 * names outside /etc/hosts fail at once, and 127.0.0.1 refuses. When a
 * host name does not resolve, the attempt is repeated with hostaddr
 * 127.0.0.1 for every host of the list so the checks libpq makes after the
 * lookup run too.
 * URIs naming a Unix socket are not connected (CONN socket): the socket
 * directory is shared with the host. If no namespace can be made, the
 * connect step is skipped (CONN -).
 *
 * The first line lists the keywords this libpq knows: KEYWORDS k1 k2 ...
 *
 * Values are hex-encoded because libpq stores raw bytes.
 */
#define _GNU_SOURCE
#include <libpq-fe.h>
#include <net/if.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

static void put_hex(const char *text)
{
	for (const unsigned char *p = (const unsigned char *) text; *p; p++)
		printf("%02x", *p);
}

/* Whether one of the comma-separated hosts is empty or a socket path. */
static int names_socket(const char *hosts)
{
	const char *p = hosts ? hosts : "";
	for (;;)
	{
		if (*p == '\0' || *p == ',' || *p == '/' || *p == '@')
			return 1;
		p = strchr(p, ',');
		if (p == NULL)
			return 0;
		p++;
	}
}

static int isolate_network(void)
{
	if (unshare(CLONE_NEWNET) != 0 && unshare(CLONE_NEWUSER | CLONE_NEWNET) != 0)
		return 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 0;
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	strcpy(ifr.ifr_name, "lo");
	int up = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0
		&& (ifr.ifr_flags |= IFF_UP, ioctl(fd, SIOCSIFFLAGS, &ifr) == 0);
	close(fd);
	return up;
}

/* What PQconnectdbParams says about the URI; NULL when it connected. */
static char *connect_error(const char *uri, const char *hostaddr)
{
	const char *keys[] = {"dbname", hostaddr ? "hostaddr" : NULL, NULL};
	const char *values[] = {uri, hostaddr, NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);
	char *message = PQstatus(conn) == CONNECTION_OK ? NULL : strdup(PQerrorMessage(conn));
	PQfinish(conn);
	return message;
}

int main(void)
{
	int isolated = isolate_network();
	PQconninfoOption *defaults = PQconndefaults();
	printf("KEYWORDS");
	for (PQconninfoOption *o = defaults; o && o->keyword; o++)
		printf(" %s", o->keyword);
	printf("\n");
	PQconninfoFree(defaults);
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	while ((len = getline(&line, &cap, stdin)) != -1)
	{
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		char *error = NULL;
		PQconninfoOption *options = PQconninfoParse(line, &error);
		if (options == NULL)
		{
			printf("ERR ");
			put_hex(error ? error : "out of memory");
			printf("\n");
			PQfreemem(error);
			continue;
		}
		printf("OK");
		int names = 1;
		const char *hosts = NULL;
		int has_hostaddr = 0;
		for (PQconninfoOption *o = options; o->keyword; o++)
		{
			if (o->val == NULL)
				continue;
			printf(" %s=", o->keyword);
			put_hex(o->val);
			if (strcmp(o->keyword, "host") == 0)
				hosts = o->val;
			if (strcmp(o->keyword, "hostaddr") == 0 && o->val[0])
				has_hostaddr = 1;
		}
		for (const char *c = hosts; c && *c; c++)
			if (*c == ',')
				names++;
		int socket = !has_hostaddr && names_socket(hosts);
		PQconninfoFree(options);
		printf(" CONN ");
		if (!isolated || socket)
		{
			printf("%s\n", socket ? "socket" : "-");
			continue;
		}
		char *message = connect_error(line, NULL);
		if (message && !has_hostaddr && strstr(message, "could not translate host name"))
		{
			char *addrs = malloc((size_t) names * 10 + 1);
			if (addrs)
			{
				addrs[0] = '\0';
				for (int i = 0; i < names; i++)
					strcat(addrs, i ? ",127.0.0.1" : "127.0.0.1");
				free(message);
				message = connect_error(line, addrs);
				free(addrs);
			}
		}
		if (message)
			put_hex(message);
		else
			printf("-");
		free(message);
		printf("\n");
		fflush(stdout);
	}
	free(line);
	return 0;
}
