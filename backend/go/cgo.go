// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

//go:build cgo

package minderbinder

/*
#cgo LDFLAGS: -lminderbinder
#include <stdlib.h>
#include <minderbinder.h>
*/
import "C"

import (
	"runtime"
	"sync"
	"syscall"
	"unsafe"
)

// Handle is one EnableSpec's rules, on until Disable.
type Handle struct {
	mu   sync.Mutex
	h    *C.struct_mb_handle // nil once disabled
	spec string
	last []RuleStats // the counts when it was disabled
}

// libError reads mb_last_error on the thread that made the failed call
// (the library keeps it per thread): call it with the OS thread locked.
func libError(op, spec string, ret C.int) *Error {
	return &Error{Op: op, Spec: spec, Errno: syscall.Errno(-ret), Msg: C.GoString(C.mb_last_error())}
}

// EnableSpec turns on the rules of spec, the grammar of
// MINDERBINDER_SYSCALL and MINDERBINDER_NET in one string
// ("openat:ENOENT:path=/etc/app.conf;tcp:443:refuse"). When it returns
// nil, the next matching call of the process is subject to them.
func EnableSpec(spec string, scope Scope) (*Handle, error) {
	if err := checkScope(scope, spec); err != nil {
		return nil, err
	}
	cs := C.CString(spec)
	defer C.free(unsafe.Pointer(cs))
	var h *C.struct_mb_handle

	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if ret := C.mb_enable(cs, C.MB_SCOPE_PROCESS, &h); ret < 0 {
		return nil, libError("EnableSpec", spec, ret)
	}
	return &Handle{h: h, spec: spec}, nil
}

// Spec is the string the handle was enabled with.
func (h *Handle) Spec() string { return h.spec }

// Stats are the counts of each rule, in the order of the spec; after
// Disable, the counts as they were then.
func (h *Handle) Stats() ([]RuleStats, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.h == nil {
		if h.last == nil {
			return nil, &Error{Op: "Stats", Spec: h.spec, Errno: syscall.ESRCH,
				Msg: "Stats: the handle was disabled and its counts could not be read then"}
		}
		return append([]RuleStats(nil), h.last...), nil
	}
	return h.stats()
}

func (h *Handle) stats() ([]RuleStats, error) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	n := C.mb_stats(h.h, nil, 0)
	if n < 0 {
		return nil, libError("Stats", h.spec, n)
	}
	if n == 0 {
		return []RuleStats{}, nil
	}
	buf := make([]C.struct_mb_rule_stats, int(n))
	ret := C.mb_stats(h.h, &buf[0], C.size_t(len(buf)))
	if ret < 0 {
		return nil, libError("Stats", h.spec, ret)
	}
	out := make([]RuleStats, len(buf))
	for i, s := range buf {
		out[i] = RuleStats{Calls: uint64(s.calls), Faults: uint64(s.faults)}
	}
	return out, nil
}

// Disable turns the rules off: when it returns, no call is subject to
// them. A second Disable does nothing.
func (h *Handle) Disable() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.h == nil {
		return nil
	}
	h.last, _ = h.stats() // nil when they cannot be read (network counters, not root)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	ret := C.mb_disable(h.h) // frees the handle, whatever it returns
	h.h = nil
	if ret < 0 {
		return libError("Disable", h.spec, ret)
	}
	return nil
}
