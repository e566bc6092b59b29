package dispatcher

import (
	"fmt"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/lang/diag"
)

// Partition is one destination table with its failover AVPs.
type Partition struct {
	Name            string
	DBURL           string
	TableName       string
	DstAVP          string
	GrpAVP          string
	CntAVP          string
	SockAVP         string
	AttrsAVP        string
	ScriptAttrsAVP  string
	PingFrom        string
	PingMethod      string
	PersistentState string
	PingSock        string
	Blacklists      []string

	// rt is the partition's database and loaded sets (set by Init).
	rt *partData
}

// partitionKeys are the settings a "partition" line may carry.
var partitionKeys = []string{"db_url", "table_name", "dst_avp", "grp_avp", "cnt_avp", "sock_avp",
	"attrs_avp", "script_attrs_avp", "ping_from", "ping_method", "persistent_state", "ping_sock",
	"ds_define_blacklist"}

func (p *Partition) field(key string) *string {
	switch key {
	case "db_url":
		return &p.DBURL
	case "table_name":
		return &p.TableName
	case "dst_avp":
		return &p.DstAVP
	case "grp_avp":
		return &p.GrpAVP
	case "cnt_avp":
		return &p.CntAVP
	case "sock_avp":
		return &p.SockAVP
	case "attrs_avp":
		return &p.AttrsAVP
	case "script_attrs_avp":
		return &p.ScriptAttrsAVP
	case "ping_from":
		return &p.PingFrom
	case "ping_method":
		return &p.PingMethod
	case "persistent_state":
		return &p.PersistentState
	case "ping_sock":
		return &p.PingSock
	}
	return nil
}

// inherit fills unset settings from the default partition; inherited AVP
// names get "_<partition>" appended, as OpenSIPS does.
func (p *Partition) inherit(d *Partition, defaultURL string) {
	for _, key := range partitionKeys {
		dst, def := p.field(key), d.field(key)
		if dst == nil || *dst != "" {
			continue
		}
		v := *def
		if key == "db_url" {
			v = defaultURL
		}
		if strings.Contains(key, "avp") {
			if i := strings.LastIndexByte(v, ')'); i >= 0 {
				v = v[:i] + "_" + p.Name + v[i:]
			}
		}
		*dst = v
	}
}

// partition finds a partition by name ("default" included).
func (m *Module) partition(name string) *Partition {
	if name == "default" {
		return &m.Default
	}
	for _, p := range m.Partitions {
		if p.Name == name {
			return p
		}
	}
	return nil
}

// partitionNames lists the defined partition names.
func (m *Module) partitionNames() []string {
	names := []string{"default"}
	for _, p := range m.Partitions {
		names = append(names, p.Name)
	}
	return names
}

// setPartition parses one "partition" line:
// "name: key = value; key = value" or "default: other_partition".
func (m *Module) setPartition(v api.ParamValue) error {
	line := v.Str
	name, rest := "", line
	if i := strings.IndexByte(line, ':'); i >= 0 && !strings.HasPrefix(line[i+1:], "/") {
		name, rest = strings.TrimSpace(line[:i]), line[i+1:]
	}
	p := &m.Default
	if name != "" && name != "default" {
		if p = m.partition(name); p == nil {
			p = &Partition{Name: name}
			m.Partitions = append(m.Partitions, p)
		}
	}
	if !strings.Contains(rest, "=") {
		if p != &m.Default {
			return fmt.Errorf("partition %q: expected key = value pairs, got %q", name, strings.TrimSpace(rest))
		}
		if other := strings.TrimSpace(rest); other != "" {
			m.DefaultOverride = other
			return nil
		}
		return fmt.Errorf("empty partition definition %q", line)
	}
	for _, pair := range strings.Split(rest, ";") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		key, val, ok := strings.Cut(pair, "=")
		key, val = strings.TrimSpace(key), strings.TrimSpace(val)
		if !ok || key == "" || val == "" {
			return fmt.Errorf("partition %q: bad pair %q (expected key = value)", p.Name, strings.TrimSpace(pair))
		}
		if key == "ds_define_blacklist" {
			if err := checkBlacklist(val); err != nil {
				return fmt.Errorf("partition %q: %w", p.Name, err)
			}
			p.Blacklists = append(p.Blacklists, val)
			continue
		}
		f := p.field(key)
		if f == nil {
			msg := fmt.Sprintf("partition %q: unknown setting %q", p.Name, key)
			if h := diag.DidYouMean(key, partitionKeys); h != "" {
				msg += " (" + h + ")"
			}
			return fmt.Errorf("%s", msg)
		}
		*f = val
	}
	return nil
}

// checkBlacklist checks "name = set[, set...]".
func checkBlacklist(s string) error {
	name, sets, ok := strings.Cut(s, "=")
	if !ok || strings.TrimSpace(name) == "" {
		return fmt.Errorf("ds_define_blacklist %q: expected \"name = set,set,...\"", s)
	}
	if _, err := parseSetList(sets); err != nil {
		return fmt.Errorf("ds_define_blacklist %q: %w", s, err)
	}
	return nil
}

// parseSetList parses "1, 2, 4".
func parseSetList(s string) ([]int, error) {
	var out []int
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		n, err := strconv.Atoi(tok)
		if err != nil {
			return nil, fmt.Errorf("set id %q is not a number", tok)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseReplyCodes parses options_reply_codes: "501, 403".
func parseReplyCodes(s string) ([]int, error) {
	var out []int
	for _, tok := range strings.Split(s, ",") {
		tok = strings.TrimSpace(tok)
		n, err := strconv.Atoi(tok)
		if err != nil || n < 100 || n > 699 {
			return nil, fmt.Errorf("options_reply_codes %q: %q is not a reply code (100-699)", s, tok)
		}
		out = append(out, n)
	}
	return out, nil
}
