/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which engine serves each rule of the request (engines/select), and the
 * BPF programs those engines need, attached once the choice is made.
 */
#ifndef MB_HELPER_PLAN_H
#define MB_HELPER_PLAN_H

#include "engines/select.h"
#include "helper/request.h"
#include "registry/registry.h"

/* A plan: what was chosen for each rule, and what the choice knew. */
struct mb_plan {
	struct mb_engine_answers answers;
	struct mb_engine_choice rules[MB_MAX_RULES];
};

/* Chooses every rule's engines, attaching nothing: 0, or -errno with err. */
int mb_plan_choose(const struct request *rq, struct mb_plan *p, struct mb_error *err);
/* Attaches the chosen BPF syscall engines and fills rq->engines. */
int mb_plan_attach(struct request *rq, const struct mb_plan *p, struct mb_error *err);
/*
 * Whether the caller is a target already, forked from one (then its
 * engines are filled in, its network rules attached in its netns, and
 * MB_PLAN_INHERITED returned with err saying so); 0 when not; -errno.
 */
int mb_plan_inherited(struct request *rq, struct mb_registry *reg, struct mb_error *err);
int mb_plan_has_net(const struct request *rq);
/* Whether a network rule went to the EDT engine (fq on the interfaces). */
int mb_plan_has_edt(const struct request *rq);
int mb_plan_has_bpf_syscall_rules(const struct request *rq);

#endif
