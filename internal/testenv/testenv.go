// Package testenv is how tests ask for what they need from the machine:
// a tool (sipp, sqlite3), a server, the shared corpus. When it is missing
// the test skips, except in strict mode (GOSIPS_E2E_REQUIRED=1, set by
// .ci/run) where it fails: a CI run cannot pass by skipping.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// StrictEnv is the variable that turns missing requirements into failures.
const StrictEnv = "GOSIPS_E2E_REQUIRED"

// Strict reports whether missing requirements fail tests.
func Strict() bool {
	v, err := strconv.ParseBool(os.Getenv(StrictEnv))
	return err == nil && v
}

// Missing ends the test because what is not available (reason says why
// and how to provide it): a skip, or a failure in strict mode.
func Missing(t testing.TB, what, reason string) {
	t.Helper()
	if Strict() {
		t.Fatalf("%s required (%s=1): %s", what, StrictEnv, reason)
	}
	t.Skipf("%s not available: %s", what, reason)
}

// Tool returns the path of a command, or ends the test through Missing;
// pkg names the Debian package that provides it.
func Tool(t testing.TB, name, pkg string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name, "not installed (Debian package "+pkg+")")
	}
	return p
}

// Root returns the repository root (the directory holding go.mod).
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("repository root (go.mod) not found")
		}
		dir = parent
	}
}

// Corpus returns the directory of the shared corpus of real configs
// (../shared/corpus beside the repository, with its MANIFEST.tsv), or
// ends the test through Missing.
func Corpus(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(Root(t), "..", "shared", "corpus")
	if _, err := os.Stat(filepath.Join(dir, "MANIFEST.tsv")); err != nil {
		Missing(t, "shared corpus", dir+" not present")
	}
	return dir
}

// OracleEnv names the real OpenSIPS binary differential tests compare with.
const OracleEnv = "OPENSIPS_BIN"

// Oracle returns the real OpenSIPS 3.6 binary of a differential test
// (OPENSIPS_BIN, built as ../shared/opensips-oracle.md says), or skips it:
// CI has no OpenSIPS, so this skip is allowed even in strict mode, by the
// Test*Oracle entry of .ci/allowed-skips.
func Oracle(t testing.TB) string {
	t.Helper()
	bin := os.Getenv(OracleEnv)
	if bin == "" {
		t.Skip(OracleEnv + " not set (a real OpenSIPS 3.6 for differential tests)")
	}
	return bin
}
