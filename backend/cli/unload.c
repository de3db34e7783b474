/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* minderbinder unload: removes everything minderbinder pinned (the network
 * engines' state first: what other namespaces still use stays). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "engines/net.h"
#include "registry/registry.h"

static void print_removed(const char *what, void *ctx)
{
	(void)ctx;
	printf("removed %s\n", what);
}

int mb_cli_unload(int argc, char **argv)
{
	int err;

	(void)argc;
	(void)argv;
	if (geteuid() != 0)
		return mb_cli_fail(1, "unload: needs root");
	static const char *const keep_net[] = { "mb_ifaces", "mb_tc_egress", NULL };
	int foreign;

	foreign = mb_net_unload(print_removed, NULL);
	if (foreign < 0)
		return mb_cli_fail(1, "unload: %s", strerror(-foreign));
	err = mb_registry_unload(foreign ? keep_net : NULL, print_removed, NULL);
	if (err)
		return mb_cli_fail(1, "unload: %s", strerror(-err));
	return 0;
}
