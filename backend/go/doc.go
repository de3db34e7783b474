// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// Package minderbinder turns minderbinder's failures on for a block of Go
// code inside a test: a system call fails (openat returns ENOENT), a
// connection is refused or its packets vanish, in this process, and off
// again when the block ends. It is cgo over libminderbinder (the C API,
// include/minderbinder.h); the spec grammar, its checks and its error
// messages are the library's own.
//
// The original project's shape:
//
//	cfg := minderbinder.FailureConfig{
//		OutgoingNetwork: []minderbinder.OutgoingNetworkFailure{
//			{Protocol: "TCP", DestPort: port, FailureRate: 100},
//		},
//	}
//	mb := &minderbinder.Minderbinder{}
//	err := mb.WithFailures(cfg, func() { YourAPIHandler(rec, req) })
//
// The Go forms:
//
//	minderbinder.Enable(t, "tcp:443:refuse")           // off again in t.Cleanup
//	h, err := minderbinder.EnableSpec("openat:ENOENT:path=/etc/app.conf:times=1",
//		minderbinder.ScopeProcess)
//	st, err := h.Stats()                                // []RuleStats, one per rule
//	err = h.Disable()
//
// # Scope: the process, never a thread
//
// The C API can aim rules at the calling thread only (MB_SCOPE_THREAD). A
// goroutine is not a thread: the Go scheduler moves it between OS threads
// at any blocking call, and the code under test starts goroutines of its
// own (net/http dials every connection in a new goroutine). Rules tied to
// one thread would miss some of the calls of the code under test, silently
// and depending on scheduling. Even runtime.LockOSThread only pins the
// calling goroutine, not those it starts, so this package does not offer
// it either. Rules therefore cover the whole test process (every thread,
// MB_SCOPE_PROCESS); asking for ScopeThread returns an error that says so.
// Keep tests that enable rules out of t.Parallel, or give the rules a
// path= or a port only that test uses.
//
// # Errors
//
// Every failure is an *Error (never a panic), whose message is the
// library's (mb_last_error), the same text the environment prints:
//
//	mb_enable: unknown syscall 'opennat' at column 1 (did you mean 'openat'?)
//
// errors.Is(err, syscall.EINVAL) holds for a bad spec, syscall.EPERM or
// syscall.ENOENT when mb-helper cannot register the process.
//
// # Privilege
//
// As root, or as any user when mb-helper is installed set-uid root
// (make install does that; MINDERBINDER_HELPER names another copy).
// Counters of network rules are read from the pinned registry, which
// needs root: as another user Stats returns that error for a network rule.
// Also as another user: once the process has enabled a syscall rule it has
// no_new_privs (its seccomp filter needs it), so the set-uid mb-helper a
// later network rule starts would run unprivileged: the enable fails at
// once ("network rules cannot change as uid N once this process has a
// syscall rule's seccomp filter …"); enable network rules first, in the
// same spec as the syscall rules, or in a test binary of their own.
//
// # Without cgo
//
// With CGO_ENABLED=0 the package still builds, and every call returns an
// *Error saying that it needs cgo (errors.Is(err, ErrNoCgo)); the rules
// live behind libminderbinder's seccomp listener and mb-helper, which only
// the C library talks to.
package minderbinder
