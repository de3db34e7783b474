// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)

//go:build cgo

package minderbinder

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Children after in-process rules (issue 14): once this process has used
// a syscall rule, its seccomp filter chain's one listener is its
// supervisor's; a child that opts in with a supervised rule of its own is
// served through it, and cat fails with ENOENT, not 125.

// The build: MB_BUILD_DIR (check.sh sets it), else the checkout's.
func buildDir(t *testing.T) string {
	t.Helper()
	d := os.Getenv("MB_BUILD_DIR")
	if d == "" {
		d = filepath.Join("..", "..", "build")
	}
	d, err := filepath.Abs(d)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// Enables and disables a syscall rule: the filter and its listener stay.
func afterARule(t *testing.T, f string) {
	t.Helper()
	h, err := EnableSpec("openat:EACCES:path="+f, ScopeProcess)
	if err != nil {
		t.Fatalf("EnableSpec: %v", err)
	}
	if _, err := os.Open(f); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("the parent's rule: os.Open = %v", err)
	}
	if err := h.Disable(); err != nil {
		t.Fatal(err)
	}
}

func runChild(t *testing.T, rule string, argv ...string) (int, string) {
	t.Helper()
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = os.Environ()
	if rule != "" {
		cmd.Env = append(cmd.Env, "LD_PRELOAD="+filepath.Join(buildDir(t), "libmbpreload.so"),
			"MINDERBINDER_SYSCALL="+rule)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	err := cmd.Run()
	if x, ok := err.(*exec.ExitError); ok {
		return x.ExitCode(), stderr.String()
	} else if err != nil {
		t.Fatalf("%v: %v", argv, err)
	}
	return 0, stderr.String()
}

func TestChildCatUnderTheAgentFailsWithENOENT(t *testing.T) {
	f := testFile(t)
	afterARule(t, f)
	code, stderr := runChild(t, "openat:ENOENT:path="+f, "cat", f)
	if want := fmt.Sprintf("cat: %s: No such file or directory\n", f); code != 1 || stderr != want {
		t.Fatalf("cat: exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
	mustOpen(t, f)
}

func TestChildCatUnderMinderbinderRunFailsWithENOENT(t *testing.T) {
	f := testFile(t)
	afterARule(t, f)
	code, stderr := runChild(t, "", filepath.Join(buildDir(t), "minderbinder"), "run", "-s",
		"openat:ENOENT:path="+f, "--", "cat", f)
	if want := fmt.Sprintf("cat: %s: No such file or directory\n", f); code != 1 || stderr != want {
		t.Fatalf("minderbinder run cat: exit %d, stderr %q; want 1, %q", code, stderr, want)
	}
	mustOpen(t, f)
}

func TestChildExactCountsWhileTheParentMakesTheSameCalls(t *testing.T) {
	f := testFile(t)
	h := Enable(t, "openat:EACCES:after=1000000:path="+f)
	cmd := exec.Command("sh", "-c", fmt.Sprintf("read x; cat %s; cat %s; cat %s", f, f, f))
	cmd.Env = append(os.Environ(), "LD_PRELOAD="+filepath.Join(buildDir(t), "libmbpreload.so"),
		"MINDERBINDER_SYSCALL=openat:ENOENT:times=1:path="+f)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stdin.Write([]byte("go\n"))
	stdin.Close()
	for i := 0; i < 50; i++ {
		mustOpen(t, f)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("sh: %v, stderr %q", err, stderr.String())
	}
	if want := fmt.Sprintf("cat: %s: No such file or directory\n", f); stderr.String() != want ||
		stdout.String() != strings.Repeat("greeting=hi\n", 2) {
		t.Fatalf("child: stdout %q, stderr %q; want two reads and %q", stdout.String(),
			stderr.String(), want)
	}
	if st, err := h.Stats(); err != nil || len(st) != 1 || st[0] != (RuleStats{Calls: 50}) {
		t.Fatalf("the parent's rule: %+v, %v; want [{Calls:50 Faults:0}]", st, err)
	}
}

func TestChildSyscallNotRoutedIsRefused(t *testing.T) {
	f := testFile(t)
	afterARule(t, f)
	code, stderr := runChild(t, "getppid:EIO:times=1", "cat", f)
	want := fmt.Sprintf("needs the supervisor of the filter inherited from pid %d, which routes only openat", os.Getpid())
	if code != 125 || !strings.Contains(stderr, want) ||
		!strings.Contains(stderr, "MINDERBINDER_API_SYSCALLS=getppid") {
		t.Fatalf("exit %d, stderr %q; want 125 and %q", code, stderr, want)
	}
}
