package dialog

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"gosips/api"
)

// profileDef is a profile declared by profiles_with_value /
// profiles_no_value ("name" or "name/s"; the /s shared flag needs
// clustering and is refused).
type profileDef struct {
	name      string
	withValue bool
}

func (m *Module) addProfileDefs(list string, withValue bool) error {
	for _, p := range strings.Split(list, ";") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		name, repl, _ := strings.Cut(p, "/")
		name = strings.TrimSpace(name)
		switch strings.TrimSpace(repl) {
		case "":
		case "s", "b":
			return fmt.Errorf("profile %q: shared (/%s) profiles need clustering, which gosips does not implement", name, repl)
		default:
			return fmt.Errorf("profile %q: unknown option /%s", name, repl)
		}
		for _, d := range m.profileDefs {
			if d.name == name {
				return fmt.Errorf("profile %q defined twice", name)
			}
		}
		m.profileDefs = append(m.profileDefs, profileDef{name, withValue})
	}
	return nil
}

// profile is one dialog profile: the dialogs in it, by value ("" for
// profiles without value).
type profile struct {
	name      string
	withValue bool
	mu        sync.Mutex
	byVal     map[string]map[*dlg]int // dialog → times inserted
	count     int
}

// profiles is the set of defined profiles; definitions are added at Init
// and by AddProfile.
type profiles struct {
	mu   sync.RWMutex
	list []*profile
	m    map[string]*profile
}

func (ps *profiles) add(name string, withValue bool) *profile {
	ps.mu.Lock()
	defer ps.mu.Unlock()
	if p := ps.m[name]; p != nil {
		return p
	}
	if ps.m == nil {
		ps.m = map[string]*profile{}
	}
	p := &profile{name: name, withValue: withValue, byVal: map[string]map[*dlg]int{}}
	ps.m[name] = p
	ps.list = append(ps.list, p)
	return p
}

func (ps *profiles) get(name string) *profile {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return ps.m[name]
}

func (ps *profiles) all() []*profile {
	ps.mu.RLock()
	defer ps.mu.RUnlock()
	return slices.Clone(ps.list)
}

func (p *profile) insert(d *dlg, value string) {
	if !p.withValue {
		value = ""
	}
	p.mu.Lock()
	s := p.byVal[value]
	if s == nil {
		s = map[*dlg]int{}
		p.byVal[value] = s
	}
	s[d]++
	p.count++
	p.mu.Unlock()
}

// drop removes one insertion of d with value ("" with anyValue: all).
func (p *profile) drop(d *dlg, value string, anyValue bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for v, s := range p.byVal {
		if !anyValue && v != value {
			continue
		}
		if k := s[d]; k > 0 {
			n += k
			delete(s, d)
			if len(s) == 0 {
				delete(p.byVal, v)
			}
		}
	}
	p.count -= n
	return n
}

// size counts the insertions with value ("" with anyValue: all).
func (p *profile) size(value string, anyValue bool) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	if anyValue || !p.withValue {
		return p.count
	}
	n := 0
	for _, k := range p.byVal[value] {
		n += k
	}
	return n
}

// dialogs lists the dialogs with value (all when anyValue).
func (p *profile) dialogs(value string, anyValue bool) []*dlg {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []*dlg
	for v, s := range p.byVal {
		if !anyValue && p.withValue && v != value {
			continue
		}
		for d := range s {
			out = append(out, d)
		}
	}
	return out
}

// values lists the values and their counts.
func (p *profile) values() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.byVal))
	for v, s := range p.byVal {
		n := 0
		for _, k := range s {
			n += k
		}
		out[v] = n
	}
	return out
}

// AddProfile implements api.DialogAPI.
func (m *Module) AddProfile(name string, withValue bool) { m.profs.add(name, withValue) }

// HasProfile implements api.DialogAPI.
func (m *Module) HasProfile(name string) (withValue, ok bool) {
	p := m.profs.get(name)
	if p == nil {
		return false, false
	}
	return p.withValue, true
}

func (m *Module) profile(name string) (*profile, error) {
	p := m.profs.get(name)
	if p == nil {
		return nil, fmt.Errorf("dialog profile %q is not defined", name)
	}
	return p, nil
}

// SetProfile implements api.DialogAPI.
func (m *Module) SetProfile(di api.Dialog, name, value string) error {
	return m.setProfile(di, name, value, false)
}

func (m *Module) setProfile(di api.Dialog, name, value string, clear bool) error {
	d, ok := di.(*dlg)
	if !ok || d == nil {
		return fmt.Errorf("no dialog")
	}
	p, err := m.profile(name)
	if err != nil {
		return err
	}
	if !p.withValue {
		value = ""
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.state == api.DlgStateDeleted {
		return fmt.Errorf("dialog ended")
	}
	if clear {
		p.drop(d, "", true)
		d.profiles = slices.DeleteFunc(d.profiles, func(l profLink) bool { return l.prof == p })
	}
	p.insert(d, value)
	d.profiles = append(d.profiles, profLink{p, value})
	d.markChanged()
	return nil
}

// UnsetProfile implements api.DialogAPI.
func (m *Module) UnsetProfile(di api.Dialog, name, value string) error {
	d, ok := di.(*dlg)
	if !ok || d == nil {
		return fmt.Errorf("no dialog")
	}
	p, err := m.profile(name)
	if err != nil {
		return err
	}
	anyValue := !p.withValue || value == ""
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.profiles, func(l profLink) bool { return l.prof == p && (anyValue || l.value == value) })
	if i < 0 {
		return fmt.Errorf("dialog is not in profile %q", name)
	}
	if anyValue {
		p.drop(d, "", true)
		d.profiles = slices.DeleteFunc(d.profiles, func(l profLink) bool { return l.prof == p })
	} else {
		p.mu.Lock()
		if s := p.byVal[value]; s[d] > 0 {
			s[d]--
			p.count--
			if s[d] == 0 {
				delete(s, d)
			}
			if len(s) == 0 {
				delete(p.byVal, value)
			}
		}
		p.mu.Unlock()
		d.profiles = slices.Delete(d.profiles, i, i+1)
	}
	d.markChanged()
	return nil
}

// InProfile implements api.DialogAPI.
func (m *Module) InProfile(di api.Dialog, name, value string) bool {
	d, ok := di.(*dlg)
	if !ok || d == nil {
		return false
	}
	p := m.profs.get(name)
	if p == nil {
		return false
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return slices.ContainsFunc(d.profiles, func(l profLink) bool {
		return l.prof == p && (!p.withValue || value == "" || l.value == value)
	})
}

// ProfileSize implements api.DialogAPI.
func (m *Module) ProfileSize(name, value string) (int, error) {
	p, err := m.profile(name)
	if err != nil {
		return 0, err
	}
	return p.size(value, value == ""), nil
}

// dropProfiles takes an ended dialog out of every profile; mu held.
func (d *dlg) dropProfiles() {
	for _, l := range d.profiles {
		l.prof.drop(d, l.value, false)
	}
	d.profiles = nil
}

// profilesString is the profiles column: "name#1#value|" per link.
func (d *dlg) profilesString() string {
	var b strings.Builder
	for _, l := range d.profiles {
		writePair(&b, l.prof.name, api.StrValue(l.value))
	}
	return b.String()
}
