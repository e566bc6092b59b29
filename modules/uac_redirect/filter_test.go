package uacredirect

import (
	"regexp"
	"testing"

	"gosips/api"
	"gosips/modules/core/coretest"
)

func TestFilters(t *testing.T) {
	m := New()
	for _, p := range m.Params() {
		switch p.Name {
		case "deny_filter":
			p.Set(api.ParamValue{Str: "example\\.net"})
		}
	}
	x := coretest.NewCtx(coretest.New(), nil)
	f := m.filtersOf(x)
	if m.allowed(f, "sip:a@example.net") || !m.allowed(f, "sip:a@example.com") {
		t.Fatal("module deny filter not applied")
	}
	m.addFilter(x, false, regexp.MustCompile("^sip:boss@"), "")
	if !m.allowed(f, "sip:boss@example.net") {
		t.Error("accept filter does not win over deny")
	}
	m.addFilter(x, true, regexp.MustCompile("^sip:x@"), "reset_all")
	if !m.allowed(f, "sip:a@example.net") || m.allowed(f, "sip:x@example.com") {
		t.Error("reset_all did not drop the default deny filter")
	}
	m.denyDefault = true
	if m.allowed(f, "sip:a@example.com") || !m.allowed(f, "sip:boss@example.com") {
		t.Error("default deny")
	}
}
