/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * mb-helper: installed setuid root, run by the agent over a socketpair on
 * fd 3. It registers the process that started it, and nothing else: the
 * caller's identity comes from SO_PEERCRED, a pidfd of the caller and the
 * kernel's own account of the process behind it, never from a message,
 * the environment or argv (helper/request.c).
 *
 * sanitise -> read the request -> identify -> plan (choose, then attach)
 * -> registry add -> PLAN -> INSTALLED -> arm -> spawn -> DONE, with one
 * way out: whatever failed set why, which the caller hears, and an entry
 * already written is taken out again.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engines/net.h"
#include "engines/sock_tag.h"
#include "helper/plan.h"
#include "helper/reply.h"
#include "helper/request.h"
#include "helper/sanitise.h"
#include "helper/serve.h"
#include "helper/spawn.h"
#include "registry/quota.h"
#include "registry/registry.h"

static int open_registry(struct mb_registry *reg, struct mb_error *why)
{
	struct mb_error lock;
	int err;

	/* Opened first: attaching a BPF engine happens under our pins. */
	err = mb_registry_open(reg);
	if (err == -ETIMEDOUT) {
		mb_registry_lock_why(err, &lock);
		mb_error_set(why, "mb-helper: %s", lock.msg);
	} else if (err) {
		mb_error_set(why, "mb-helper failed to open the BPF registry: %s%s", strerror(-err),
			     err == -EPERM ? " (is mb-helper installed setuid root?)" : "");
	}
	return err;
}

/* The entry this registration writes: its start time, and for a network
 * update the C API session's supervisor and start, kept on record. */
static int add_entry(struct request *rq, struct mb_registry *reg, struct mb_error *why)
{
	struct timespec now;
	struct mb_target old;
	int err;

	clock_gettime(CLOCK_BOOTTIME, &now);
	rq->target.registered_ns = (__u64)now.tv_sec * 1000000000ULL + (__u64)now.tv_nsec;
	if ((rq->msg.flags & MB_REG_NET_UPDATE) &&
	    !mb_registry_lookup(reg, rq->key, rq->target.start_ticks, &old)) {
		rq->target.supervisor = old.supervisor;
		rq->target.registered_ns = old.registered_ns;
	}
	err = mb_registry_add(reg, rq->key, &rq->target, &rq->msg.spec, rq->engines,
			      (rq->msg.flags & MB_REG_NET_UPDATE) ? rq->msg.tids : NULL);
	if (err)
		mb_quota_add_error(err, rq->target.uid, rq->target.n_rules, (int)rq->peer.pid, why);
	return err;
}

/* Drop rules reach the sockets the caller held before it asked (a pool,
 * a C API test's client). A kernel that cannot is no reason to refuse:
 * one warning, on the caller's stderr. */
static void tag_held_sockets(const struct request *rq)
{
	struct mb_error e;

	if (mb_sock_tag_held(&rq->msg.spec, rq->key, rq->pidfd, &e))
		fprintf(stderr, "minderbinder: warning: %s\n", e.msg);
}

/* Network rules: the filters of this netns, and MINDERBINDER_LOG's logger. */
static int attach_net(struct request *rq, struct mb_registry *reg, struct mb_error *why)
{
	int err;

	/* Filters and qdiscs no live target needs any more go now (best
	 * effort: a failure here is no reason to refuse this caller). */
	mb_net_sweep(reg);
	/* The daemon serves containers: their namespaces come and go. */
	if (rq->policy)
		mb_net_sweep_gone();
	if (!mb_plan_has_net(rq))
		return 0;
	err = mb_plan_has_edt(rq) ? mb_net_attach_fq(rq->msg.interfaces, why)
				  : mb_net_attach(rq->msg.interfaces, why);
	if (err)
		return err;
	tag_held_sockets(rq);
	if (!rq->msg.log_path[0])
		return 0;
	err = mb_spawn_netlog(rq, reg);
	if (err)
		mb_error_set(why, "MINDERBINDER_LOG: cannot log network faults: %s", strerror(-err));
	return err;
}

/* After INSTALLED: from here on the agent calls only through its gate. */
static int arm(struct request *rq, struct mb_registry *reg, struct mb_error *why)
{
	int err;

	if (!mb_plan_has_bpf_syscall_rules(rq))
		return 0;
	rq->target.flags |= MB_TARGET_ARMED;
	err = mb_registry_update(reg, rq->key, &rq->target);
	if (err)
		mb_error_set(why, "mb-helper failed to arm the BPF syscall engine");
	return err;
}

/* The supervisor takes the listener and the control socket: ours close. */
static int start_supervisor(struct request *rq, struct mb_registry *reg,
			    const struct mb_installed_msg *inst, int *listener, int *control,
			    pid_t *sup, struct mb_error *why)
{
	if (!inst->has_listener && !inst->has_control)
		return 0;
	*sup = mb_spawn_supervisor(rq, reg, *listener, *control);
	if (*sup < 0) {
		int err = (int)*sup;

		*sup = 0;
		mb_error_set(why, "mb-helper failed to start the supervisor");
		return err;
	}
	if (*listener >= 0)
		close(*listener);
	if (*control >= 0)
		close(*control);
	*listener = *control = -1;
	rq->target.supervisor = (__u32)*sup;
	mb_registry_update(reg, rq->key, &rq->target);
	/* The supervisor runs: the caller must still be who it was. */
	return mb_request_reverify(rq, "after starting its supervisor", why);
}

static int configure_quota(const struct mb_policy *policy, struct mb_error *why)
{
	if (policy && policy->has_quota)
		return mb_quota_apply(&policy->quota, policy->path, why);
	return mb_quota_configure(why);
}

int mb_helper_serve(const struct mb_policy *policy)
{
	enum mb_reply_phase phase = MB_REPLY_PLAN;
	struct mb_registry reg = { -1, -1, -1 };
	struct mb_installed_msg inst;
	struct mb_error why = { "" };
	struct request *rq = NULL;
	struct mb_plan *plan = NULL;
	int err, entry = 0, listener = -1, control = -1;
	pid_t sup = 0;

	rq = mb_request_new();
	plan = calloc(1, sizeof(*plan));
	if (!rq || !plan) {
		err = -ENOMEM;
		goto out;
	}
	rq->policy = policy;
	err = mb_request_read(rq, &why);
	if (!err)
		err = mb_request_identify(rq, &why);
	if (err)
		goto out;
	mb_registry_lock_wait(mb_request_wait_ms(rq));
	err = open_registry(&reg, &why);
	if (!err)
		err = configure_quota(policy, &why);
	if (!err)
		err = mb_plan_inherited(rq, &reg, &why);
	if (!err)
		err = mb_plan_choose(rq, plan, &why);
	if (!err)
		err = mb_plan_attach(rq, plan, &why);
	if (!err)
		err = mb_request_policy_net(rq, &why);
	if (!err)
		err = mb_spawn_check_log(rq, &why);
	if (!err)
		err = add_entry(rq, &reg, &why);
	if (err)
		goto out;
	entry = 1;
	err = attach_net(rq, &reg, &why);
	/* The entry is in: is it still the caller's? (It may have exited and
	 * its pid gone to another process, or exec'd a set-uid program, while
	 * we were stopped.) */
	if (!err)
		err = mb_request_reverify(rq, "after writing its entry", &why);
	if (err)
		goto out;
	mb_reply(MB_REPLY_PLAN, 0, rq, 0, "ok");
	phase = MB_REPLY_DONE;

	err = mb_request_installed(&inst, &listener, &control, mb_request_wait_ms(rq));
	if (err == -ETIMEDOUT)
		mb_error_set(&why, "mb-helper: no INSTALLED message in time");
	else if (err)
		mb_error_set(&why, "mb-helper: bad INSTALLED message");
	else
		err = inst.status; /* the agent could not install its filter: forget it */
	if (!err)
		err = mb_request_reverify(rq, "before arming", &why);
	if (!err)
		err = arm(rq, &reg, &why);
	if (!err)
		err = start_supervisor(rq, &reg, &inst, &listener, &control, &sup, &why);
	if (!err)
		mb_error_set(&why, "ok");
out:
	if (err && err != MB_PLAN_INHERITED && entry)
		mb_registry_remove_if(&reg, rq->key, rq->target.start_ticks);
	if (why.msg[0])
		mb_reply(phase, err, rq, err ? 0 : sup, why.msg);
	/* The daemon's log (its stderr: the journal), one line a caller. */
	if (policy && rq && why.msg[0])
		fprintf(stderr, "mb-helper --daemon: pid %d uid %u: %s\n", (int)rq->peer.pid,
			(unsigned)rq->peer.uid, why.msg);
	if (listener >= 0)
		close(listener);
	if (control >= 0)
		close(control);
	mb_registry_close(&reg);
	mb_request_free(rq);
	free(plan);
	return err && err != MB_PLAN_INHERITED ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc >= 2 && !strcmp(argv[1], "--daemon"))
		return mb_daemon_main(argc, argv);
	if (argc != 2 || strcmp(argv[1], "--agent")) {
		fprintf(stderr,
			"mb-helper: run by libmbpreload.so and `minderbinder run`, not by hand "
			"(or as root: mb-helper --daemon [--socket PATH] [--policy FILE])\n");
		return 2;
	}
	if (mb_sanitise() || mb_become_root())
		return 2;
	return mb_helper_serve(NULL);
}
