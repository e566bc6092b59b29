package msilo

import "testing"

// Every script function has a body: gosips run refuses nil ones.
func TestFuncsImplemented(t *testing.T) {
	for _, f := range New().Funcs() {
		if f.Call == nil {
			t.Errorf("%s has no implementation", f.Name)
		}
	}
}
