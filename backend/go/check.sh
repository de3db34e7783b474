#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
# make check-go: backend/go's tests and examples/go, built once (as the
# caller), then run as root and as uid 65534 against a set-uid copy of
# mb-helper. Environment: OUT (the build), GO_OUT (Go's cache and the test
# binaries), and the Go/cgo variables the Makefile exports.
set -e
B=$(cd "$OUT" && pwd)
# The agent and the CLI of this build, for the children the tests start.
export MB_BUILD_DIR="$B"
echo "== backend/go: go vet, and the CGO_ENABLED=0 build"
(cd backend/go && go vet . && CGO_ENABLED=0 go vet . && CGO_ENABLED=0 go test -count=1 .)
(cd examples/go && go vet .)
(cd backend/go && go test -c -o "$GO_OUT/minderbinder.test" .)
(cd examples/go && go test -c -o "$GO_OUT/example.test" .)
if [ "$(id -u)" != 0 ]; then
	echo "NOT RUN check-go (backend/go, examples/go): needs root"
	exit 0
fi
echo "== backend/go package tests (root)"
(cd backend/go && "$GO_OUT/minderbinder.test" -test.v)
echo "== examples/go (root)"
(cd examples/go && "$GO_OUT/example.test" -test.v)

# As nobody, with the helper set-uid in a directory that honours it.
if ! command -v setpriv > /dev/null; then
	echo "NOT RUN check-go as uid 65534: no setpriv (util-linux)"
	exit 0
fi
S=
for base in /var/tmp "$B"; do
	case ",$(findmnt -n -T "$base" -o OPTIONS 2>/dev/null)," in
	*,nosuid,*) continue ;;
	esac
	S=$(mktemp -d "$base/mbsuid-go.XXXXXX")
	break
done
if [ -z "$S" ]; then
	echo "NOT RUN check-go as uid 65534: no filesystem without nosuid among /var/tmp $B"
	exit 0
fi
trap 'rm -rf "$S"' EXIT
cp "$B/mb-helper" "$S/"
chown root:root "$S" "$S/mb-helper"
chmod 755 "$S"
chmod 4755 "$S/mb-helper"
AS_NOBODY="setpriv --reuid=65534 --regid=65534 --clear-groups"
export MINDERBINDER_HELPER="$S/mb-helper"
echo "== backend/go package tests (uid 65534, set-uid helper): network rules in a process of their own"
(cd backend/go && $AS_NOBODY "$GO_OUT/minderbinder.test" -test.v -test.run 'Connect|Network')
echo "== backend/go package tests (uid 65534, set-uid helper): all"
(cd backend/go && $AS_NOBODY "$GO_OUT/minderbinder.test" -test.v)
echo "== examples/go (uid 65534, set-uid helper)"
(cd examples/go && $AS_NOBODY "$GO_OUT/example.test" -test.v)
