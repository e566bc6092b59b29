package presxml

import (
	"encoding/xml"
	"strings"
)

// Subscription handling actions of pres-rules (RFC 5025), in the order
// OpenSIPS ranks them: the most permissive matching rule wins.
const (
	ActionNone        = -1
	ActionBlock       = 0
	ActionConfirm     = 1
	ActionPoliteBlock = 2
	ActionAllow       = 3
)

type ruleset struct {
	Rules []rule `xml:"rule"`
}

type rule struct {
	ID         string      `xml:"id,attr"`
	Conditions *conditions `xml:"conditions"`
	Actions    *struct {
		SubHandling *string `xml:"sub-handling"`
	} `xml:"actions"`
}

type conditions struct {
	Identity *struct {
		One []struct {
			ID string `xml:"id,attr"`
		} `xml:"one"`
		Many []struct {
			Domain string `xml:"domain,attr"`
			Except []struct {
				ID     string `xml:"id,attr"`
				Domain string `xml:"domain,attr"`
			} `xml:"except"`
		} `xml:"many"`
	} `xml:"identity"`
}

func action(s string) int {
	switch strings.TrimSpace(s) {
	case "block":
		return ActionBlock
	case "confirm":
		return ActionConfirm
	case "polite-block":
		return ActionPoliteBlock
	case "allow":
		return ActionAllow
	}
	return ActionNone
}

// sameURI compares SIP URIs without scheme case and surrounding space.
func sameURI(a, b string) bool {
	trim := func(s string) string {
		s = strings.TrimSpace(s)
		if i := strings.IndexByte(s, ':'); i > 0 && strings.EqualFold(s[:i], "sip") {
			s = s[i+1:]
		}
		return strings.ToLower(s)
	}
	return trim(a) == trim(b)
}

func (c *conditions) match(watcher, domain string) bool {
	if c == nil || c.Identity == nil {
		return true
	}
	for _, o := range c.Identity.One {
		if sameURI(o.ID, watcher) {
			return true
		}
	}
	for _, m := range c.Identity.Many {
		if m.Domain != "" && !strings.EqualFold(m.Domain, domain) {
			continue
		}
		excluded := false
		for _, e := range m.Except {
			if (e.ID != "" && sameURI(e.ID, watcher)) || (e.Domain != "" && strings.EqualFold(e.Domain, domain)) {
				excluded = true
			}
		}
		if !excluded {
			return true
		}
	}
	return false
}

// SubHandling evaluates a pres-rules document (common-policy, RFC 4745)
// for a watcher URI and returns the action of the matching rule ranked
// highest, or ActionNone when no rule matches.
func SubHandling(doc []byte, watcher string) (int, error) {
	var rs ruleset
	if err := xml.Unmarshal(doc, &rs); err != nil {
		return ActionNone, err
	}
	domain := watcher
	if i := strings.LastIndexByte(domain, '@'); i >= 0 {
		domain = domain[i+1:]
	}
	best := ActionNone
	for _, r := range rs.Rules {
		if r.Actions == nil || r.Actions.SubHandling == nil || !r.Conditions.match(watcher, domain) {
			continue
		}
		if a := action(*r.Actions.SubHandling); a > best {
			best = a
		}
	}
	return best, nil
}
