// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package minderbinder

import (
	"fmt"
	"strconv"
	"strings"
	"syscall"
)

// FailureConfig is the original project's config.yaml (agents_of_chaos) for one block
// of code: its syscall and outgoing_network lists. Targets are not here:
// the target is this process.
type FailureConfig struct {
	Syscall         []SyscallFailure
	OutgoingNetwork []OutgoingNetworkFailure
}

// SyscallFailure is one [syscall] rule. A zero field is left out of the
// spec, so the grammar's default applies (the README's "The fault spec").
type SyscallFailure struct {
	Syscall     string  // "openat"
	RetCode     int     // -2: the call fails with ENOENT; 5: it returns 5 without running
	FailureRate float64 // percent, 0 < rate <= 100 (0: the default, 100 or MINDERBINDER_FAILURE_RATE)
	DelayMs     int     // no faults before process start + DelayMs

	// Extensions, as in the INI file.
	Result    string // "ENOENT", "-ENOENT", "+0": instead of RetCode (which cannot say 0)
	Path      string // glob on the path argument: "/etc/*"
	After     int    // let the first After matching calls through
	Times     int    // inject at most Times faults
	LatencyMs int    // sleep this long before the call (with no result: only slow it)
	Seed      uint64 // this rule's random stream
}

// OutgoingNetworkFailure is one [outgoing_network] rule.
type OutgoingNetworkFailure struct {
	Protocol    string  // "TCP", "UDP" or "" (any)
	DestPort    int     // 0: every port
	FailureRate float64 // percent (0: the default)
	DelayMs     int

	// Extensions, as in the INI file.
	Action string // "drop" (the default, as in the original project), "refuse", or an errno: "ETIMEDOUT"
	Addr   string // destination CIDR: "10.0.0.0/8", "[fd00::]/8"
	After  int
	Times  int
	Seed   uint64
}

// Scope is who a handle's rules reach.
type Scope int

const (
	// ScopeProcess: every thread of this process (the default, and the
	// only scope a Go program can keep: see the package doc).
	ScopeProcess Scope = 1
	// ScopeThread is the C API's MB_SCOPE_THREAD. EnableSpec refuses it
	// with ErrThreadScope.
	ScopeThread Scope = 2
)

// RuleStats are one rule's counts, in the order of the spec.
type RuleStats struct {
	Calls  uint64 // calls that matched the rule's syscall (and path), or its flows
	Faults uint64 // faults it injected
}

// Error is a failure of the library (or of this package's checks).
type Error struct {
	Op    string        // "EnableSpec", "Disable", "Stats", "WithFailures"
	Spec  string        // the spec string it was about
	Errno syscall.Errno // the library's negative return, as an errno
	Msg   string        // mb_last_error(): the environment's message
	kind  *Error        // ErrThreadScope or ErrNoCgo when it is one of those
}

func (e *Error) Error() string { return e.Msg }

// Unwrap gives the errno: errors.Is(err, syscall.EINVAL).
func (e *Error) Unwrap() error { return e.Errno }

// Is lets errors.Is(err, ErrThreadScope) and errors.Is(err, ErrNoCgo) hold.
func (e *Error) Is(target error) bool {
	return e.kind != nil && target == error(e.kind)
}

// instance is a sentinel's copy for one call.
func instance(kind *Error, op, spec string) *Error {
	e := *kind
	e.Op, e.Spec, e.kind = op, spec, kind
	return &e
}

// ErrThreadScope is what EnableSpec returns for ScopeThread.
var ErrThreadScope = &Error{Errno: syscall.EINVAL, Msg: "minderbinder: thread scope is " +
	"not available in Go: goroutines move between OS threads and the code under " +
	"test starts goroutines of its own, so rules on one thread would miss calls " +
	"silently; use ScopeProcess (the default)"}

// ErrNoCgo is what every call returns when built with CGO_ENABLED=0.
var ErrNoCgo = &Error{Errno: syscall.ENOSYS, Msg: "minderbinder: this program was built " +
	"with CGO_ENABLED=0; the package needs cgo and libminderbinder " +
	"(build with CGO_ENABLED=1 and a C compiler)"}

func checkScope(scope Scope, spec string) error {
	switch scope {
	case ScopeProcess:
		return nil
	case ScopeThread:
		return instance(ErrThreadScope, "EnableSpec", spec)
	}
	return &Error{Op: "EnableSpec", Spec: spec, Errno: syscall.EINVAL,
		Msg: fmt.Sprintf("minderbinder: unknown scope %d (want ScopeProcess)", int(scope))}
}

// escape quotes the grammar's separators inside a value.
func escape(v string) string {
	return strings.NewReplacer(`\`, `\\`, `:`, `\:`, `;`, `\;`).Replace(v)
}

type specBuilder struct{ b strings.Builder }

func (s *specBuilder) opt(name, value string) {
	s.b.WriteString(":" + name + "=" + value)
}

func (s *specBuilder) num(name string, v int64, unit string) {
	if v != 0 {
		s.opt(name, strconv.FormatInt(v, 10)+unit)
	}
}

// window is the options both kinds of rule share, in the INI file's order.
func (s *specBuilder) window(delayMs int, rate float64, after, times int) {
	s.num("delay", int64(delayMs), "ms")
	if rate != 0 {
		s.opt("rate", strconv.FormatFloat(rate, 'f', -1, 64)+"%")
	}
	s.num("after", int64(after), "")
	s.num("times", int64(times), "")
}

func (s *specBuilder) seed(v uint64) {
	if v != 0 {
		s.opt("seed", strconv.FormatUint(v, 10))
	}
}

func (s *specBuilder) rule() {
	if s.b.Len() > 0 {
		s.b.WriteString(";")
	}
}

// Spec is the configuration in the spec grammar, one rule per entry:
// the Syscall rules, then the OutgoingNetwork rules (the order of Stats).
//
//	{Syscall: "openat", RetCode: -2, DelayMs: 100, FailureRate: 100} -> openat:-2:delay=100ms:rate=100%
//	{Protocol: "TCP", DestPort: 443, FailureRate: 100}               -> tcp:443:drop:rate=100%
func (c FailureConfig) Spec() string {
	var s specBuilder

	for _, r := range c.Syscall {
		s.rule()
		s.b.WriteString(escape(r.Syscall))
		switch {
		case r.Result != "":
			s.b.WriteString(":" + escape(r.Result))
		case r.RetCode < 0:
			s.b.WriteString(":" + strconv.Itoa(r.RetCode))
		case r.RetCode > 0:
			s.b.WriteString(":+" + strconv.Itoa(r.RetCode))
		}
		s.window(r.DelayMs, r.FailureRate, r.After, r.Times)
		if r.Path != "" {
			s.opt("path", escape(r.Path))
		}
		s.num("latency", int64(r.LatencyMs), "ms")
		s.seed(r.Seed)
	}
	for _, r := range c.OutgoingNetwork {
		s.rule()
		proto := strings.ToLower(r.Protocol)
		if proto == "" {
			proto = "any"
		}
		port := "*"
		if r.DestPort != 0 {
			port = strconv.Itoa(r.DestPort)
		}
		action := r.Action
		if action == "" {
			action = "drop"
		}
		s.b.WriteString(escape(proto) + ":" + port + ":" + escape(action))
		s.window(r.DelayMs, r.FailureRate, r.After, r.Times)
		if r.Addr != "" {
			s.opt("addr", escape(r.Addr))
		}
		s.seed(r.Seed)
	}
	return s.b.String()
}

// Minderbinder is the original project's entry point: WithFailures runs a function with
// a FailureConfig's failures on.
type Minderbinder struct {
	last []RuleStats
}

// WithFailures turns cfg's failures on for the whole process, runs fn and
// turns them off again (also when fn panics or calls t.FailNow). The error
// is the library's when the failures could not be turned on (fn did not
// run) or off.
func (m *Minderbinder) WithFailures(cfg FailureConfig, fn func()) (err error) {
	spec := cfg.Spec()
	m.last = nil
	h, err := EnableSpec(spec, ScopeProcess)
	if err != nil {
		if e, ok := err.(*Error); ok && e.kind == nil {
			e.Op = "WithFailures"
			e.Msg += fmt.Sprintf(" (in %q, the FailureConfig's spec)", spec)
		}
		return err
	}
	defer func() {
		if derr := h.Disable(); derr != nil && err == nil {
			err = derr
		}
		m.last, _ = h.Stats()
	}()
	fn()
	return err
}

// Stats are the counts of the last WithFailures' rules when it ended, in
// the order of FailureConfig.Spec; nil if they could not be read.
func (m *Minderbinder) Stats() []RuleStats { return m.last }
