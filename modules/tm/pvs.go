package tm

import "gosips/pv"

// PVs lists the pseudo-variables tm exports. Getters and setters come
// with the transaction layer.
func (t *TM) PVs() []pv.Def {
	ro := func(name, doc string) pv.Def { return pv.Def{Name: name, Module: "tm", Doc: doc} }
	branch := func(name, doc string) pv.Def {
		return pv.Def{Name: "tm.branch." + name, Module: "tm", Index: true, Doc: doc}
	}
	return []pv.Def{
		ro("T_branch_idx", "index of the branch being processed"),
		ro("T_reply_code", "code of the reply that ended or last updated the transaction"),
		ro("T_ruri", "R-URI of the transaction's request"),
		ro("T_id", "transaction identifier (hash index and label)"),
		{Name: "T_fr_timeout", Module: "tm", Writable: true, Doc: "final-response timeout of the transaction, seconds"},
		{Name: "T_fr_inv_timeout", Module: "tm", Writable: true, Doc: "INVITE final-response timeout of the transaction, seconds"},
		{Name: "T_branch_last_reply_code", Module: "tm", Index: true, Doc: "last reply code received on a branch"},
		{Name: "bavp", Module: "tm", Inner: pv.NeedInner, Writable: true, Index: true, Append: true,
			Doc: "per-branch AVP"},
		branch("uri", "R-URI of a branch"),
		branch("duri", "destination URI of a branch"),
		branch("path", "path vector of a branch"),
		branch("q", "q-value of a branch"),
		branch("flags", "branch flags of a branch"),
		branch("socket", "sending socket of a branch"),
		branch("last_received", "last reply code received on a branch"),
		branch("type", "type of a branch"),
		{Name: "tm.branch.flag", Module: "tm", Inner: pv.NeedInner, Writable: true, Index: true,
			Doc: "one named branch flag of a branch"},
		{Name: "tm.branch.attr", Module: "tm", Inner: pv.NeedInner, Writable: true, Index: true,
			Doc: "a named attribute of a branch"},
	}
}

var _ pv.Exporter = (*TM)(nil)
