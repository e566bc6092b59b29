package auth

import (
	"context"

	"gosips/api"
	"gosips/pv"
	"gosips/sip"
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

// fakeCore is the api.Core the tests run functions with.
type fakeCore struct {
	sig   *fakeSignaling
	flags map[int]string
}

func (f *fakeCore) Send(sip.Dest, []byte) error { return nil }
func (f *fakeCore) Resolve(context.Context, string, *sip.Socket) (sip.Dest, error) {
	return sip.Dest{}, nil
}
func (f *fakeCore) SendReply(*sip.Msg, []byte) error                         { return nil }
func (f *fakeCore) OutSocket(sip.Dest) *sip.Socket                           { return nil }
func (f *fakeCore) IsMyself(string, int) bool                                { return false }
func (f *fakeCore) RunRoute(*api.Ctx, api.RouteType, string) (api.Ret, bool) { return 0, false }
func (f *fakeCore) NewCtx(context.Context, api.RouteType, *sip.Msg) *api.Ctx { return nil }
func (f *fakeCore) ReleaseCtx(*api.Ctx)                                      {}
func (f *fakeCore) MsgFlagName(int) string                                   { return "" }
func (f *fakeCore) BranchFlagName(bit int) string                            { return f.flags[bit] }
func (f *fakeCore) Module(name string) api.Module {
	if name == "signaling" {
		return f.sig
	}
	return nil
}
func (f *fakeCore) ServerHeader() string { return "" }

// avpPriv gives the functions an AVP store, as the runtime's thread does.
type avpPriv struct{ st *pv.AVPStore }

func (p avpPriv) AVPs() *pv.AVPStore { return p.st }
