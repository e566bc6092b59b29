package registrar

import (
	"fmt"

	"gosips/api"
	"gosips/modules/usrloc"
)

const locatingRoutes = api.RequestRoute | api.FailureRoute | api.OnReplyRoute | api.BranchRoute | api.LocalRoute

// Funcs declares the registrar script functions.
func (m *Module) Funcs() []api.Func {
	domain := api.Arg{Name: "domain", Type: api.ArgStr, Static: true, Fixup: domainFixup}
	optStr := func(name string) api.Arg { return api.Arg{Name: name, Type: api.ArgStr, Optional: true} }
	return []api.Func{
		{Name: "save", Routes: api.RequestRoute | api.OnReplyRoute,
			Args: []api.Arg{domain,
				{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: saveFlagsFixup},
				optStr("aor"), optStr("ownership_tag")},
			Returns: "1 saved (reply sent unless no-reply); -1 error (error reply already sent)",
			Call:    m.save},
		{Name: "remove", Routes: api.RequestRoute | api.OnReplyRoute,
			Args: []api.Arg{domain, {Name: "aor", Type: api.ArgStr},
				optStr("contact"), optStr("next_hop"), optStr("sip_instance"),
				{Name: "bflag", Type: api.ArgStr, Optional: true, Fixup: bflagFixup}},
			Returns: "1 contacts removed; -1 AOR or contact not found, or error", Call: m.remove},
		{Name: "remove_ip_port", Routes: api.AllRoutes,
			Args: []api.Arg{{Name: "ip", Type: api.ArgStr}, {Name: "port", Type: api.ArgInt},
				domain, optStr("aor")},
			Returns: "1 contacts removed; -1 none matched or error", Call: m.removeIPPort},
		{Name: "lookup", Routes: api.RequestRoute | api.OnReplyRoute | api.FailureRoute,
			Args: []api.Arg{domain,
				{Name: "flags", Type: api.ArgStr, Optional: true, Fixup: lookupFlagsFixup},
				optStr("aor")},
			Returns: "1 found (R-URI rewritten, branches added); 2 only push notifications started; " +
				"-1 not found; -2 found but no contact supports the method; -3 internal error",
			Call: m.lookup},
		{Name: "add_sock_hdr", Routes: locatingRoutes,
			Args:    []api.Arg{{Name: "name", Type: api.ArgStr}},
			Returns: "1 header added; -1 error", Call: m.addSockHdr},
		{Name: "is_registered", Routes: locatingRoutes,
			Args:    []api.Arg{domain, optStr("aor")},
			Returns: "1 the AOR has contacts; -1 not registered", Call: m.isRegistered},
		{Name: "is_contact_registered", Routes: locatingRoutes,
			Args:    []api.Arg{domain, optStr("aor"), optStr("contact"), optStr("callid")},
			Returns: "1 the contact (or Call-ID) is registered; -1 not", Call: m.isContactRegistered},
		{Name: "is_ip_registered", Routes: locatingRoutes,
			Args: []api.Arg{domain, optStr("aor"), {Name: "ip_var", Type: api.ArgVar},
				{Name: "port_var", Type: api.ArgVar, Optional: true}},
			Returns: "1 a contact was received from one of the IPs (and ports); -1 not",
			Call:    m.isIPRegistered},
		{Name: "pn_process_purr", Async: true, Routes: api.RequestRoute,
			Args:    []api.Arg{domain},
			Returns: "1 PURR processed; -1 error (async only)", Call: m.pnProcessPURR},

		// Names removed in 2.3.
		{Name: "registered", Legacy: `is_registered("location")`, Routes: locatingRoutes,
			Args:    []api.Arg{domain, optStr("aor")},
			Returns: "1 the AOR has contacts; -1 not registered", Call: m.isRegistered},
		{Name: "is_other_contact", Legacy: `is_ip_registered("location", , $avp(ips))`,
			Routes:  api.RequestRoute | api.FailureRoute,
			Args:    []api.Arg{domain, {Name: "ips_avp", Type: api.ArgVar}},
			Returns: "1 a contact comes from another IP; -1 not", Call: m.isOtherContact},
	}
}

// domainFixup registers the table with usrloc and hands over its domain.
func domainFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if fc.Module != nil {
		if ul, ok := fc.Module("usrloc").(*usrloc.Module); ok {
			return ul.DomainFixup(fc, a)
		}
	}
	if a.Str == "" {
		return fmt.Errorf("empty table name (e.g. \"location\")")
	}
	return nil
}

// saveFlagsFixup parses the named flags into *SaveFlags, accepting the
// letter and bitmask forms of older versions with a legacy warning.
func saveFlagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	f, warns, err := ParseSaveFlags(a.Str)
	if err != nil {
		old, lerr := ParseLegacySaveFlags(a.Str)
		if lerr != nil {
			return err
		}
		legacy(fc, fmt.Sprintf("old-style save() flags %q", a.Str), old.String())
		a.Fixed = old
		return nil
	}
	for _, w := range warns {
		if fc.Warn != nil {
			fc.Warn(w, "")
		}
	}
	a.Fixed = f
	return nil
}

// lookupFlagsFixup parses the named flags into *LookupFlags (compiling the
// ua-filtering regex), accepting the old letter form with a legacy warning.
func lookupFlagsFixup(fc *api.FixupCtx, a *api.FixArg) error {
	f, err := ParseLookupFlags(a.Str)
	if err != nil {
		old, lerr := ParseLegacyLookupFlags(a.Str)
		if lerr != nil {
			return err
		}
		legacy(fc, fmt.Sprintf("old-style lookup() flags %q", a.Str), old.String())
		a.Fixed = old
		return nil
	}
	a.Fixed = f
	return nil
}

// bflagFixup resolves a branch flag name to its index.
func bflagFixup(fc *api.FixupCtx, a *api.FixArg) error {
	if a.Str == "" {
		return fmt.Errorf("empty branch flag name")
	}
	if fc.BranchFlag == nil {
		return nil
	}
	idx, err := fc.BranchFlag(a.Str)
	if err != nil {
		return fmt.Errorf("branch flag %q: %w", a.Str, err)
	}
	a.Fixed = idx
	return nil
}

func legacy(fc *api.FixupCtx, msg, modern string) {
	if fc.Legacy != nil {
		fc.Legacy(msg, fmt.Sprintf("%q", modern))
	}
}
