// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

//go:build !cgo

package minderbinder

// Handle is one EnableSpec's rules; without cgo there never is one.
type Handle struct{ spec string }

// EnableSpec returns ErrNoCgo: see the package doc ("Without cgo").
func EnableSpec(spec string, scope Scope) (*Handle, error) {
	if err := checkScope(scope, spec); err != nil {
		return nil, err
	}
	return nil, instance(ErrNoCgo, "EnableSpec", spec)
}

func (h *Handle) Spec() string { return h.spec }

func (h *Handle) Stats() ([]RuleStats, error) {
	return nil, instance(ErrNoCgo, "Stats", h.spec)
}

func (h *Handle) Disable() error { return nil }
