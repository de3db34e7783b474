// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

package minderbinder

import "testing"

// Enable turns the rules of spec on for the rest of the test (process
// scope) and off again in t.Cleanup. If they cannot be turned on, the test
// fails there with the library's message: it never runs without its
// faults.
func Enable(t testing.TB, spec string) *Handle {
	t.Helper()
	h, err := EnableSpec(spec, ScopeProcess)
	if err != nil {
		t.Fatalf("minderbinder.Enable(%q): %v", spec, err)
	}
	t.Cleanup(func() {
		if err := h.Disable(); err != nil {
			t.Errorf("minderbinder: disabling %q: %v", spec, err)
		}
	})
	return h
}
