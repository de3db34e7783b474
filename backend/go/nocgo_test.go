// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

//go:build !cgo

package minderbinder

import (
	"errors"
	"testing"
)

// CGO_ENABLED=0: the package builds, and says why nothing can be enabled.
func TestWithoutCgoEveryCallExplains(t *testing.T) {
	_, err := EnableSpec("openat:ENOENT", ScopeProcess)
	if !errors.Is(err, ErrNoCgo) {
		t.Fatalf("EnableSpec without cgo: %v; want ErrNoCgo", err)
	}
	ran := false
	err = (&Minderbinder{}).WithFailures(FailureConfig{Syscall: []SyscallFailure{
		{Syscall: "openat", RetCode: -2}}}, func() { ran = true })
	if !errors.Is(err, ErrNoCgo) || ran {
		t.Fatalf("WithFailures without cgo: %v (ran %v); want ErrNoCgo and fn not run", err, ran)
	}
	t.Logf("CGO_ENABLED=0: %v", err)
}
