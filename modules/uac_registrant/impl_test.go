package uacregistrant

import "testing"

// Every MI command has a handler.
func TestMIImplemented(t *testing.T) {
	for _, c := range New().MICommands() {
		if c.Handler == nil {
			t.Errorf("%s has no handler", c.Name)
		}
	}
}
