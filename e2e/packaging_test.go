package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"gosips/internal/testenv"
)

// TestSystemdUnit verifies packaging/gosips.service with systemd-analyze
// (the binary path replaced by the built binary) and runs the gosips
// command lines of the unit's Exec* lines with --help, so that a renamed
// flag breaks this test.
func TestSystemdUnit(t *testing.T) {
	analyze := testenv.Tool(t, "systemd-analyze", "systemd")
	bin := gosipsBin(t)
	unit, err := os.ReadFile("../packaging/gosips.service")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "gosips.service")
	if err := os.WriteFile(p, []byte(strings.ReplaceAll(string(unit), "/usr/local/bin/gosips", bin)), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, analyze, "verify", p).CombinedOutput()
	if err != nil || strings.Contains(string(out), "gosips.service") {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
	// The flags the unit passes must exist.
	cfg := filepath.Join(dir, "opensips.cfg")
	os.WriteFile(cfg, []byte("loadmodule \"sl.so\"\nroute { sl_send_reply(200, \"OK\"); }\n"), 0o644)
	exec1 := regexp.MustCompile(`(?m)^ExecStartPre=/usr/local/bin/gosips (.*)$`).FindStringSubmatch(string(unit))
	if exec1 == nil {
		t.Fatal("no ExecStartPre running gosips check")
	}
	args := strings.Fields(strings.ReplaceAll(exec1[1], "/etc/gosips/opensips.cfg", cfg))
	if out, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
		t.Errorf("gosips %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	start := regexp.MustCompile(`(?m)^ExecStart=/usr/local/bin/gosips run (.*)$`).FindStringSubmatch(string(unit))
	if start == nil {
		t.Fatal("no ExecStart running gosips run")
	}
	for _, f := range strings.Fields(start[1]) {
		if strings.HasPrefix(f, "-") {
			if out, _ := exec.Command(bin, "run", "--help").CombinedOutput(); !strings.Contains(string(out), f+" ") && !strings.Contains(string(out), f+",") {
				t.Errorf("gosips run has no %s flag:\n%s", f, out)
			}
		}
	}
}
