// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

// Package assert is the one function of testify's assert the original project's Big
// Picture uses, so that it runs verbatim with the standard library only.
package assert

import (
	"reflect"
	"testing"
)

// Equal reports a test error when expected and actual differ.
func Equal(t testing.TB, expected, actual interface{}) bool {
	t.Helper()
	if !reflect.DeepEqual(expected, actual) {
		t.Errorf("Not equal:\n\texpected: %#v\n\tactual  : %#v", expected, actual)
		return false
	}
	return true
}
