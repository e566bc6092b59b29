package tm

import "gosips/api"

// MICommands lists tm's management commands (3.x names; 4.x "tm:" names
// as aliases).
func (t *TM) MICommands() []api.MICommand {
	base := []string{"method", "ruri", "headers"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	reply := []string{"code", "reason", "trans_id", "to_tag"}
	withR := func(extra ...string) []string { return append(append([]string{}, reply...), extra...) }
	return []api.MICommand{
		{Name: "t_uac_dlg", Aliases: []string{"tm:uac_dlg"}, NamedOnly: true, Recipes: [][]string{
			with(), with("next_hop"), with("socket"), with("body"), with("next_hop", "socket"),
			with("next_hop", "body"), with("socket", "body"), with("next_hop", "socket", "body"),
		}},
		{Name: "t_uac_cancel", Aliases: []string{"tm:uac_cancel"}, Recipes: [][]string{{"callid", "cseq"}}},
		{Name: "t_hash", Aliases: []string{"tm:hash"}, Recipes: [][]string{{}}},
		{Name: "t_reply", Aliases: []string{"tm:reply"}, NamedOnly: true, Recipes: [][]string{
			withR(), withR("new_headers"), withR("body"), withR("new_headers", "body"),
		}},
	}
}

var _ api.MIExporter = (*TM)(nil)
