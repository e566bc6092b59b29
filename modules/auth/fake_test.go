package auth

import (
	"gosips/api"
	"gosips/modules/core/coretest"
	"gosips/pv"
)

// replied is one reply sent through the fake signaling module.
type replied struct {
	code   int
	reason string
	extra  string
}

type fakeSignaling struct{ replies []replied }

func (f *fakeSignaling) Params() []api.Param { return nil }
func (f *fakeSignaling) Funcs() []api.Func   { return nil }
func (f *fakeSignaling) Reply(_ *api.Ctx, code int, reason, extra, _ string) error {
	f.replies = append(f.replies, replied{code, reason, extra})
	return nil
}

// fakeCore is the api.Core the tests run functions with: the shared fake
// core, with the fake signaling module and named branch flags.
type fakeCore struct {
	coretest.Core
	sig   *fakeSignaling
	flags map[int]string
}

func (f *fakeCore) BranchFlagName(bit int) string { return f.flags[bit] }
func (f *fakeCore) Module(name string) api.Module {
	if name == "signaling" {
		return f.sig
	}
	return nil
}

// avpPriv gives the functions an AVP store, as the runtime's thread does.
type avpPriv struct{ st *pv.AVPStore }

func (p avpPriv) AVPs() *pv.AVPStore { return p.st }
