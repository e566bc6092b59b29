package uacregistrant

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"sync"

	"gosips/api"
)

// Sharing tags. With enable_clustering set to a cluster id, a record whose
// cluster_shtag column names a tag is handled (registered, refreshed,
// un-registered at shutdown) only by the node that holds the tag active
// in that cluster; records without a tag are handled by every node.
//
// gosips has no clusterer module, so the tag states are kept here: the
// sharing_tag parameter gives the start-up state in clusterer's syntax
// ("name/cluster_id=active|backup"), and the MI command
// clusterer_shtag_set_active makes a tag active at run time (and, with
// state=backup, backup again). A tag nobody set is backup. Moving a tag
// between nodes is the operator's (or a failover script's) job: set it
// active on the new node, backup on the old one.

// shtagState is the set of sharing tags and whether each is active here.
type shtagState struct {
	mu     sync.RWMutex
	active map[string]bool // "name/cluster_id" → active
}

// parseShtag reads "name/cluster_id[=active|backup]"; the state defaults
// to active (as clusterer_shtag_set_active).
func parseShtag(s string) (key string, active bool, err error) {
	spec, state, hasState := strings.Cut(strings.TrimSpace(s), "=")
	name, id, ok := strings.Cut(strings.TrimSpace(spec), "/")
	name = strings.TrimSpace(name)
	if !ok || name == "" {
		return "", false, fmt.Errorf("sharing tag %q: want name/cluster_id=active|backup", s)
	}
	n, err := strconv.Atoi(strings.TrimSpace(id))
	if err != nil || n <= 0 {
		return "", false, fmt.Errorf("sharing tag %q: bad cluster id %q", s, id)
	}
	active = true
	if hasState {
		switch strings.ToLower(strings.TrimSpace(state)) {
		case "active":
		case "backup":
			active = false
		default:
			return "", false, fmt.Errorf("sharing tag %q: state %q is neither active nor backup", s, state)
		}
	}
	return name + "/" + strconv.Itoa(n), active, nil
}

// addSharingTag is the sharing_tag modparam (one tag a line).
func (m *Module) addSharingTag(v api.ParamValue) error {
	key, active, err := parseShtag(v.Str)
	if err != nil {
		return err
	}
	m.shtags.set(key, active)
	return nil
}

func (s *shtagState) set(key string, active bool) (changed bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		s.active = map[string]bool{}
	}
	old, known := s.active[key]
	s.active[key] = active
	return !known || old != active
}

func (s *shtagState) isActive(key string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.active[key]
}

// owns reports whether this node handles r: always without clustering or
// without a tag, else only while the tag is active here.
func (m *Module) owns(r *record) bool {
	if m.EnableClustering <= 0 || r.shtag == "" {
		return true
	}
	return m.shtags.isActive(r.shtag + "/" + strconv.Itoa(m.EnableClustering))
}

// SetShtagActive switches a sharing tag ("name/cluster_id") at run time.
// A tag that becomes active has its enabled records registered at their
// bucket's next timer tick; one that becomes backup stops refreshing its
// records without un-registering them, since the binding now belongs to
// the node holding the tag.
func (m *Module) SetShtagActive(tag string, active bool) error {
	key, _, err := parseShtag(tag)
	if err != nil {
		return err
	}
	if !m.shtags.set(key, active) {
		return nil
	}
	name, id, _ := strings.Cut(key, "/")
	if n, _ := strconv.Atoi(id); n != m.EnableClustering {
		return nil
	}
	m.log.Info("sharing tag changed", "tag", key, "active", active)
	for _, b := range m.buckets {
		b.mu.Lock()
		for _, r := range b.recs {
			if r.shtag != name {
				continue
			}
			// Both ways the record starts over: NotRegistered with no
			// timeout is registered at the next tick when owned, and left
			// alone otherwise. A reply still in flight finds the state
			// changed and is dropped by onReply as for any stale dialog.
			r.state, r.timeout = NotRegistered, 0
			r.newDialogID(m.now(), m.seq.Add(1))
		}
		b.mu.Unlock()
	}
	return nil
}

// shtagCommands are the MI commands for the sharing tags.
func (m *Module) shtagCommands() []api.MICommand {
	return []api.MICommand{
		{Name: "clusterer_shtag_set_active", Recipes: [][]string{{"tag"}, {"tag", "state"}}, Handler: m.miShtagSet},
		{Name: "clusterer_list_shtags", Recipes: [][]string{{}}, Handler: m.miShtagList},
	}
}

func (m *Module) miShtagSet(_ context.Context, p api.MIParams) (any, error) {
	tag, ok := miStr(p, "tag")
	if !ok {
		return nil, errParams
	}
	active := true
	if st, ok := miStr(p, "state"); ok {
		switch strings.ToLower(st) {
		case "active":
		case "backup":
			active = false
		default:
			return nil, errParams
		}
	}
	if err := m.SetShtagActive(tag, active); err != nil {
		return nil, &api.MIError{Code: 400, Msg: err.Error()}
	}
	return "OK", nil
}

// miShtag is one clusterer_list_shtags entry.
type miShtag struct {
	Tag     string `json:"Tag"`
	Cluster int    `json:"Cluster"`
	State   string `json:"State"`
}

func (m *Module) miShtagList(context.Context, api.MIParams) (any, error) {
	m.shtags.mu.RLock()
	out := make([]miShtag, 0, len(m.shtags.active))
	for key, active := range m.shtags.active {
		name, id, _ := strings.Cut(key, "/")
		n, _ := strconv.Atoi(id)
		st := "backup"
		if active {
			st = "active"
		}
		out = append(out, miShtag{Tag: name, Cluster: n, State: st})
	}
	m.shtags.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		return out[i].Tag < out[j].Tag || out[i].Tag == out[j].Tag && out[i].Cluster < out[j].Cluster
	})
	return out, nil
}
