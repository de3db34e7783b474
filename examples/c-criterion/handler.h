/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
#ifndef HANDLER_H
#define HANDLER_H

#include <stddef.h>

#define DOWNSTREAM_TIMEOUT_MS 500

/*
 * One request: reads the service's config file (defaults when it cannot be
 * opened), asks the downstream service on 127.0.0.1:downstream_port, and
 * writes the response body into body. Returns the HTTP status:
 *   200  the downstream answered; body names the config used and its answer
 *   502  the downstream could not be reached: "Downstream service failed\n"
 *   504  it did not answer within DOWNSTREAM_TIMEOUT_MS: "Downstream service timed out\n"
 */
int handle_request(const char *config_path, int downstream_port, char *body, size_t len);

#endif
