/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * minderbinder serve --listen ADDR:PORT: the `stats --prometheus` text on
 * /metrics over HTTP (libmicrohttpd), read again for every request.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "cli/cli.h"
#include "cli/stats.h"
#include "minderbinder/pins.h"

#define DEFAULT_LISTEN "127.0.0.1:2112"

/* "127.0.0.1:2112", "[::1]:2112": numeric addresses only. */
static int parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *in4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)ss;
	char host[INET6_ADDRSTRLEN + 1];
	const char *port, *end;
	char *stop;
	size_t hl;
	long p;

	memset(ss, 0, sizeof(*ss));
	if (text[0] == '[') {
		end = strchr(text, ']');
		if (!end || end[1] != ':')
			return -EINVAL;
		hl = (size_t)(end - text - 1);
		port = end + 2;
		text++;
	} else {
		end = strrchr(text, ':');
		if (!end)
			return -EINVAL;
		hl = (size_t)(end - text);
		port = end + 1;
	}
	if (!hl || hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, text, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtol(port, &stop, 10);
	if (!isdigit((unsigned char)*port) || *stop || errno || p > 65535)
		return -ERANGE;
	if (inet_pton(AF_INET, host, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		in4->sin_port = htons((unsigned short)p);
		*len = sizeof(*in4);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((unsigned short)p);
		*len = sizeof(*in6);
		return 0;
	}
	return -EINVAL;
}

static enum MHD_Result reply(struct MHD_Connection *conn, unsigned status, const char *type,
			     char *body, size_t len, int must_free)
{
	struct MHD_Response *resp;
	enum MHD_Result ret;

	resp = MHD_create_response_from_buffer(len, body, must_free ? MHD_RESPMEM_MUST_FREE
								    : MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		if (must_free)
			free(body);
		return MHD_NO;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* One request at a time: the daemon runs one internal polling thread. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
				  const char *method, const char *version,
				  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	static char not_found[] = "not found: the metrics are on /metrics\n";
	static char not_allowed[] = "method not allowed: use GET\n";
	static const char text_type[] = "text/plain; charset=utf-8";
	char *body = NULL;
	size_t len = 0;
	FILE *out;
	int err;

	(void)cls;
	(void)version;
	(void)upload_data;
	(void)upload_data_size;
	(void)req_cls;
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply(conn, MHD_HTTP_METHOD_NOT_ALLOWED, text_type, not_allowed,
			     strlen(not_allowed), 0);
	if (strcmp(url, "/metrics"))
		return reply(conn, MHD_HTTP_NOT_FOUND, text_type, not_found, strlen(not_found), 0);
	out = open_memstream(&body, &len);
	if (!out)
		return MHD_NO;
	err = mb_stats_print(out, MB_STATS_PROMETHEUS);
	if (err) {
		rewind(out);
		fprintf(out, "failed to read the registry %s: %s\n", MB_PIN_DIR, strerror(-err));
	}
	if (fclose(out)) {
		free(body);
		return MHD_NO;
	}
	return reply(conn, err ? MHD_HTTP_INTERNAL_SERVER_ERROR : MHD_HTTP_OK,
		     err ? text_type : "text/plain; version=0.0.4; charset=utf-8", body, len, 1);
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	(void)cls;
	fputs("minderbinder: serve: ", stderr);
	vfprintf(stderr, fmt, ap);
}

static const char serve_usage[] =
	"Usage: minderbinder serve [--listen ADDR:PORT]\n"
	"Serve `minderbinder stats --prometheus` over HTTP on /metrics, read again for\n"
	"every request. ADDR:PORT is numeric: 127.0.0.1:2112 (the default) or\n"
	"[::1]:2112; port 0 picks a free one. SIGINT or SIGTERM stops it. Needs root.\n";

int mb_cli_serve(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 },
	};
	const char *listen_s = DEFAULT_LISTEN;
	struct sockaddr_storage ss;
	struct MHD_Daemon *d;
	char shown[INET6_ADDRSTRLEN + 16], host[INET6_ADDRSTRLEN];
	socklen_t len;
	sigset_t stop;
	int c, fd, sig, err, one = 1;
	unsigned port;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
		switch (c) {
		case 'l':
			listen_s = optarg;
			break;
		case 'h':
			fputs(serve_usage, stdout);
			return 0;
		default:
			fputs(serve_usage, stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fputs(serve_usage, stderr);
		return mb_cli_fail(2, "serve: unexpected argument '%s'", argv[optind]);
	}
	err = parse_listen(listen_s, &ss, &len);
	if (err == -ERANGE)
		return mb_cli_fail(2, "serve: --listen: bad port in '%s' (want 0-65535)", listen_s);
	if (err)
		return mb_cli_fail(2, "serve: --listen: bad address '%s' (want IPV4:PORT or [IPV6]:PORT, numeric)",
				   listen_s);
	if (geteuid() != 0)
		return mb_cli_fail(1, "serve: needs root: the registry under %s is readable by root only",
				   MB_BPFFS_ROOT);

	/* Our own socket, so a failure to listen says why. */
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return mb_cli_fail(1, "serve: failed to create a socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) || listen(fd, 64)) {
		err = errno;
		close(fd);
		return mb_cli_fail(1, "serve: failed to listen on %s: %s", listen_s, strerror(err));
	}
	len = sizeof(ss);
	getsockname(fd, (struct sockaddr *)&ss, &len);
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		snprintf(shown, sizeof(shown), "[%s]:%u", host, port);
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
		port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
		snprintf(shown, sizeof(shown), "%s:%u", host, port);
	}

	/* The daemon's thread inherits this mask: only sigwait below sees
	 * SIGINT and SIGTERM. */
	sigemptyset(&stop);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop, NULL);
	signal(SIGPIPE, SIG_IGN);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
				     (ss.ss_family == AF_INET6 ? MHD_USE_IPv6 : 0),
			     0, NULL, NULL, on_request, NULL,
			     MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL,
			     MHD_OPTION_LISTEN_SOCKET, fd,
			     MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
			     MHD_OPTION_CONNECTION_LIMIT, (unsigned)64,
			     MHD_OPTION_END);
	if (!d) {
		close(fd);
		return mb_cli_fail(1, "serve: failed to start the HTTP server on %s", shown);
	}
	printf("serving http://%s/metrics\n", shown);
	fflush(stdout);
	while (sigwait(&stop, &sig))
		;
	MHD_stop_daemon(d); /* closes fd too */
	printf("stopped (%s)\n", sig == SIGINT ? "SIGINT" : "SIGTERM");
	return 0;
}
