package e2e

import "testing"

// TestB2BFlows runs the B2BUA acceptance scenarios through gosips.
func TestB2BFlows(t *testing.T) {
	for _, f := range b2bFlows() {
		t.Run(f.name, func(t *testing.T) { b2bRunFlow(t, b2bGosips(), f) })
	}
}
