package main

import (
	"path/filepath"
	"testing"

	"gosips/internal/testenv"
)

// TestStockConfigsCheck: OpenSIPS' own etc/opensips.cfg of every 3.x
// branch and HEAD, and the menuconfig templates rendered with m4 as
// shipped and with every switch on (TLS, presence, NAT, dialog, accounting,
// dialplan, dynamic routing, HTTP management…), pass check without errors.
func TestStockConfigsCheck(t *testing.T) {
	dir := filepath.Join(testenv.Corpus(t), "modern")
	for _, name := range []string{"3.0__etc__opensips.cfg", "3.1__etc__opensips.cfg", "3.3__etc__opensips.cfg",
		"3.4__etc__opensips.cfg", "3.6__etc__opensips.cfg", "head__etc__opensips.cfg",
		"m4__residential__default.cfg", "m4__trunking__default.cfg", "m4__loadbalancer__default.cfg",
		"m4__residential__allyes.cfg", "m4__trunking__allyes.cfg", "m4__loadbalancer__allyes.cfg"} {
		t.Run(name, func(t *testing.T) {
			_, diags := checkFile(filepath.Join(dir, name), true)
			for _, d := range diags.Errors() {
				t.Errorf("%s", d.Error())
			}
		})
	}
}
