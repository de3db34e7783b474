// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package minderbinder

import (
	"errors"
	"strings"
	"testing"
)

// The struct -> spec mapping is the INI file's (README, "The INI file").
func TestFailureConfigSpec(t *testing.T) {
	for _, c := range []struct {
		cfg  FailureConfig
		want string
	}{
		{FailureConfig{Syscall: []SyscallFailure{
			{Syscall: "openat", RetCode: -2, DelayMs: 100, FailureRate: 100}}},
			"openat:-2:delay=100ms:rate=100%"},
		{FailureConfig{OutgoingNetwork: []OutgoingNetworkFailure{
			{Protocol: "TCP", DestPort: 443, FailureRate: 100}}},
			"tcp:443:drop:rate=100%"},
		{FailureConfig{OutgoingNetwork: []OutgoingNetworkFailure{{DelayMs: 100, FailureRate: 12.5}}},
			"any:*:drop:delay=100ms:rate=12.5%"},
		{FailureConfig{
			Syscall: []SyscallFailure{
				{Syscall: "write", Result: "ENOSPC", Times: 1, After: 2, Seed: 7},
				{Syscall: "read", RetCode: 3, LatencyMs: 20, Path: `/tmp/a:b;c\d*`}},
			OutgoingNetwork: []OutgoingNetworkFailure{
				{Protocol: "udp", DestPort: 53, Action: "refuse", Addr: "10.0.0.0/8", Times: 2}}},
			`write:ENOSPC:after=2:times=1:seed=7;read:+3:path=/tmp/a\:b\;c\\d*:latency=20ms;` +
				`udp:53:refuse:times=2:addr=10.0.0.0/8`},
		{FailureConfig{Syscall: []SyscallFailure{{Syscall: "fsync", LatencyMs: 5}}}, "fsync:latency=5ms"},
		{FailureConfig{}, ""},
	} {
		if got := c.cfg.Spec(); got != c.want {
			t.Errorf("%+v.Spec() = %q, want %q", c.cfg, got, c.want)
		}
	}
}

func TestThreadScopeIsExplained(t *testing.T) {
	h, err := EnableSpec("openat:ENOENT:path=/nonexistent/mb-go", ScopeThread)
	if h != nil || err == nil {
		t.Fatalf("EnableSpec(..., ScopeThread) = %v, %v; want an error", h, err)
	}
	if !errors.Is(err, ErrThreadScope) {
		t.Fatalf("error %q is not ErrThreadScope", err)
	}
	const why = "goroutines move between OS threads"
	if !strings.Contains(err.Error(), why) {
		t.Fatalf("error %q does not say %q", err, why)
	}
	t.Logf("ScopeThread: %v", err)
}
