package rtpengine

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"gosips/api"
	"gosips/pv"
)

// rtpStat is one $rtpstat(STAT) statistic: how streams are combined
// (average, min, max, or the time of the min or max) and which figure of
// rtpengine's MOS dictionaries is read.
type rtpStat struct {
	agg   string // "average", "min", "max", "min-at", "max-at"
	field string // "MOS", "jitter", "round-trip time", "packet loss"
}

var statFields = map[string]string{"mos": "MOS", "jitter": "jitter", "roundtrip": "round-trip time", "packetloss": "packet loss"}

// parseRTPStat reads "MOS-average", "jitter-min-at", ... (any case).
func parseRTPStat(name string) (rtpStat, error) {
	what, agg, ok := strings.Cut(strings.ToLower(name), "-")
	field, known := statFields[what]
	switch agg {
	case "average", "min", "max", "min-at", "max-at":
	default:
		known = false
	}
	if !ok || !known {
		return rtpStat{}, fmt.Errorf("unknown RTP statistic %q (MOS, jitter, roundtrip or packetloss, then -average, -min, -max, -min-at or -max-at)", name)
	}
	return rtpStat{agg: agg, field: field}, nil
}

// dictKey is the MOS dictionary of a stream the aggregation reads.
func (s rtpStat) dictKey() string {
	switch s.agg {
	case "average":
		return "average MOS"
	case "max", "max-at":
		return "highest MOS"
	}
	return "lowest MOS"
}

// tagSSRCs returns the SSRCs of the streams of the call leg with that
// tag in a query answer; ok is false without such a tag.
func tagSSRCs(reply map[string]any, tag string) (map[string]bool, bool) {
	tags, _ := reply["tags"].(map[string]any)
	t, ok := tags[tag].(map[string]any)
	if !ok {
		return nil, false
	}
	out := map[string]bool{}
	medias, _ := t["medias"].([]any)
	for _, m := range medias {
		md, _ := m.(map[string]any)
		streams, _ := md["streams"].([]any)
		for _, s := range streams {
			sd, _ := s.(map[string]any)
			if n, ok := sd["SSRC"].(int64); ok {
				out[strconv.FormatInt(n, 10)] = true
			}
		}
	}
	return out, true
}

// value computes the statistic over the streams of a query answer (of
// the leg with tag when tag is not empty), as OpenSIPS does; ok is false
// when the answer has no such figure (NULL).
func (s rtpStat) value(reply map[string]any, tag string) (int64, bool) {
	var created int64
	if s.agg == "min-at" || s.agg == "max-at" {
		c, ok := reply["created"].(int64)
		if !ok {
			return 0, false
		}
		created = c
	}
	var only map[string]bool
	if tag != "" {
		var ok bool
		if only, ok = tagSSRCs(reply, tag); !ok {
			return 0, false
		}
	}
	ssrcs, ok := reply["SSRC"].(map[string]any)
	if !ok {
		return 0, false
	}
	keys := make([]string, 0, len(ssrcs))
	for k := range ssrcs {
		keys = append(keys, k)
	}
	sort.Strings(keys) // bencode dictionaries are ordered by key
	var sum, n int64
	best, at := int64(-1), int64(-1)
	if s.agg == "min" || s.agg == "min-at" {
		best = math.MaxInt64
	}
	for _, k := range keys {
		if only != nil && !only[k] {
			continue
		}
		sd, _ := ssrcs[k].(map[string]any)
		m, _ := sd[s.dictKey()].(map[string]any)
		v, ok := m[s.field].(int64)
		if !ok {
			continue
		}
		better := false
		switch s.agg {
		case "average":
			sum += v
			n++
		case "max", "max-at":
			better = v > best
		default:
			better = v < best
		}
		if better {
			best = v
			if r, ok := m["reported at"].(int64); ok {
				at = r - created
			} else {
				at = -1
			}
		}
	}
	switch s.agg {
	case "average":
		if n == 0 {
			return 0, false
		}
		return sum / n, true
	case "max":
		return best, best >= 0
	case "min":
		return best, best != math.MaxInt64
	}
	return at, at >= 0
}

// parseRTPStatInner validates a literal statistic name at load time.
func parseRTPStatInner(inner string) (any, error) { return parseRTPStat(inner) }

// getRTPStat is $rtpstat (the totals line) and $rtpstat(STAT)[tag].
func (m *Module) getRTPStat(c *api.Ctx, sp *pv.Spec) (api.Value, error) {
	if sp == nil || !sp.HasInner {
		return m.getRTPStatLine(c)
	}
	st, ok := sp.Parsed.(rtpStat)
	if !ok {
		name, err := sp.InnerName(c)
		if err != nil {
			return api.Null, err
		}
		if st, err = parseRTPStat(name); err != nil {
			c.Log.Error("rtpengine: cannot fetch RTP statistic", "err", err)
			return api.Null, nil
		}
	}
	tag := ""
	switch sp.Index.Kind {
	case pv.IdxInt:
		tag = strconv.Itoa(sp.Index.N)
	case pv.IdxPV:
		v, err := sp.Index.PV.Get(c)
		if err != nil {
			return api.Null, err
		}
		tag = pv.Str(v)
	}
	d, err := m.stats(c)
	if err != nil {
		return api.Null, nil
	}
	if v, ok := st.value(d, tag); ok {
		return api.IntValue(v), nil
	}
	return api.Null, nil
}
