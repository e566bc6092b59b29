package port

import (
	"strconv"

	"gosips/lang/ast"
)

// flagKind tells message flags from branch flags.
type flagKind int

const (
	msgFlag flagKind = iota
	branchFlag
)

// flagNamer gives one name per old flag number (FL1, FL3, FL4), so that
// setflag(6), isflagset(6) and a modparam holding 6 agree.
type flagNamer struct {
	names map[flagKind]map[int64]string
	used  map[string]bool // names already written in the script
}

func (n *flagNamer) name(k flagKind, bit int64) string {
	if s, ok := n.names[k][bit]; ok {
		return s
	}
	if k == branchFlag {
		return "BFLAG_" + strconv.FormatInt(bit, 10)
	}
	return "FLAG_" + strconv.FormatInt(bit, 10)
}

// flagParams are the modparams that hold a flag, with the descriptive
// name used when the script does not name that flag already.
var flagParams = map[[2]string]struct {
	kind flagKind
	name string
}{
	{"usrloc", "nat_bflag"}:              {branchFlag, "NAT"},
	{"registrar", "tcp_persistent_flag"}: {msgFlag, "TCP_PERSISTENT"},
	{"tm", "minor_branch_flag"}:          {branchFlag, "MINOR_BRANCH"},
	{"nathelper", "sipping_bflag"}:       {branchFlag, "SIP_PING"},
}

// flagFuncs are the functions whose first argument is a flag.
var flagFuncs = map[string]flagKind{
	"setflag": msgFlag, "resetflag": msgFlag, "isflagset": msgFlag,
	"setbflag": branchFlag, "resetbflag": branchFlag, "isbflagset": branchFlag,
	"setbranchflag": branchFlag, "resetbranchflag": branchFlag, "isbranchflagset": branchFlag,
}

// scriptFlagFuncs are the 1.x script-flag functions (K15), whose flags
// become message flags named SF_<n>.
var scriptFlagFuncs = map[string]string{
	"setsflag": "setflag", "resetsflag": "resetflag", "issflagset": "isflagset",
	"setscriptflag": "setflag", "resetscriptflag": "resetflag", "isscriptflagset": "isflagset",
}

// newFlagNamer reads the names the script already uses and the flag
// numbers held by modparams.
func newFlagNamer(f *ast.File) flagNamer {
	n := flagNamer{names: map[flagKind]map[int64]string{msgFlag: {}, branchFlag: {}}, used: map[string]bool{}}
	for _, it := range f.Items {
		ast.Inspect(it, func(nd ast.Node) bool {
			c, ok := nd.(*ast.Call)
			if !ok {
				return true
			}
			if _, isFlag := flagFuncs[c.Name]; isFlag && len(c.Args) > 0 {
				switch a := c.Args[0].(type) {
				case *ast.Ident:
					n.used[a.Name] = true
				case *ast.StrLit:
					n.used[a.Value] = true
				}
			}
			return true
		})
	}
	for _, it := range f.Items {
		mp, ok := it.(*ast.ModParam)
		if !ok || mp.Value == nil || mp.Value.Kind != ast.ValInt {
			continue
		}
		fp, ok := flagParams[[2]string{mp.Module, mp.Param}]
		if !ok || n.used[fp.name] {
			continue
		}
		if _, taken := n.names[fp.kind][mp.Value.Int]; !taken {
			n.names[fp.kind][mp.Value.Int] = fp.name
			n.used[fp.name] = true
		}
	}
	return n
}
