package dispatcher

import "testing"

// Every script function has a body: gosips run refuses nil ones.
func TestFuncsImplemented(t *testing.T) {
	for _, f := range New().Funcs() {
		if f.Call == nil {
			t.Errorf("%s has no implementation", f.Name)
		}
	}
}

// Every MI command has a handler.
func TestMIImplemented(t *testing.T) {
	for _, c := range New().MICommands() {
		if c.Handler == nil {
			t.Errorf("%s has no handler", c.Name)
		}
	}
}
