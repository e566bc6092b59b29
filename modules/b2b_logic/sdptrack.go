package b2blogic

import (
	"strings"
	"sync"

	"gosips/api"
	"gosips/sip"
)

// sdpTracker sits between b2b_logic and b2b_entities and remembers, per
// entity, the last SDP received from it and the last SDP sent to it
// (OpenSIPS' in_sdp / out_sdp): the hold and no-late-sdp bridges start
// from them.
type sdpTracker struct {
	api.B2BEntities
	mu  sync.Mutex
	sdp map[api.B2BEntity]*sdpPair
}

type sdpPair struct{ in, out string }

func newSDPTracker(ents api.B2BEntities) *sdpTracker {
	return &sdpTracker{B2BEntities: ents, sdp: map[api.B2BEntity]*sdpPair{}}
}

func isSDP(ct, body string) bool {
	if body == "" {
		return false
	}
	ct = strings.ToLower(strings.TrimSpace(ct))
	return ct == "" || strings.HasPrefix(ct, "application/sdp")
}

func (s *sdpTracker) record(e api.B2BEntity, in bool, ct, body string) {
	if e == nil || !isSDP(ct, body) {
		return
	}
	s.mu.Lock()
	p := s.sdp[e]
	if p == nil {
		p = &sdpPair{}
		s.sdp[e] = p
	}
	if in {
		p.in = body
	} else {
		p.out = body
	}
	s.mu.Unlock()
}

// in and out return the last SDP received from / sent to e.
func (s *sdpTracker) in(e api.B2BEntity) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.sdp[e]; p != nil {
		return p.in
	}
	return ""
}

func (s *sdpTracker) out(e api.B2BEntity) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.sdp[e]; p != nil {
		return p.out
	}
	return ""
}

func (s *sdpTracker) ServerNew(c *api.Ctx, contact string, h api.B2BHandler, param string) (api.B2BEntity, error) {
	e, err := s.B2BEntities.ServerNew(c, contact, &sdpHandler{s, h}, param)
	if e != nil && c.Msg != nil {
		s.record(e, true, contentType(c.Msg), c.Msg.Body())
	}
	return e, err
}

func (s *sdpTracker) ClientNew(spec *api.B2BClientSpec, h api.B2BHandler, param string) (api.B2BEntity, error) {
	created := spec.Created
	sp := *spec
	sp.Created = func(e api.B2BEntity) {
		s.record(e, false, spec.ContentType, spec.Body)
		if created != nil {
			created(e)
		}
	}
	return s.B2BEntities.ClientNew(&sp, &sdpHandler{s, h}, param)
}

func (s *sdpTracker) SendRequest(e api.B2BEntity, method, headers, ct, body string) error {
	s.record(e, false, ct, body)
	return s.B2BEntities.SendRequest(e, method, headers, ct, body)
}

func (s *sdpTracker) SendReply(e api.B2BEntity, method string, code int, reason, headers, ct, body string) error {
	s.record(e, false, ct, body)
	return s.B2BEntities.SendReply(e, method, code, reason, headers, ct, body)
}

func (s *sdpTracker) Delete(e api.B2BEntity) {
	s.mu.Lock()
	delete(s.sdp, e)
	s.mu.Unlock()
	s.B2BEntities.Delete(e)
}

// sdpHandler records the SDP of what an entity receives before b2b_logic
// handles it.
type sdpHandler struct {
	tr *sdpTracker
	h  api.B2BHandler
}

func (h *sdpHandler) B2BRequest(e api.B2BEntity, c *api.Ctx, tx api.ServerTx) {
	if c.Msg != nil {
		h.tr.record(e, true, contentType(c.Msg), c.Msg.Body())
	}
	h.h.B2BRequest(e, c, tx)
}

func (h *sdpHandler) B2BReply(e api.B2BEntity, method string, reply *sip.Msg, code int) {
	if reply != nil && code >= 200 && code < 300 {
		h.tr.record(e, true, contentType(reply), reply.Body())
	}
	h.h.B2BReply(e, method, reply, code)
}

// holdSDP returns body with every stream made inactive (OpenSIPS'
// bridge "hold"), or "" when every stream is inactive already.
func holdSDP(body string) string {
	nl := "\r\n"
	if !strings.Contains(body, "\r\n") {
		nl = "\n"
	}
	lines := strings.Split(strings.TrimRight(body, "\r\n"), nl)
	var out []string
	changed := false
	inStream := false
	hasDir := false
	closeStream := func() {
		if inStream && !hasDir {
			out = append(out, "a=inactive")
			changed = true
		}
	}
	for _, l := range lines {
		switch {
		case strings.HasPrefix(l, "m="):
			closeStream()
			inStream, hasDir = true, false
		case inStream && (l == "a=sendrecv" || l == "a=sendonly" || l == "a=recvonly"):
			hasDir = true
			l = "a=inactive"
			changed = true
		case inStream && l == "a=inactive":
			hasDir = true
		}
		out = append(out, l)
	}
	closeStream()
	if !changed {
		return ""
	}
	return strings.Join(out, nl) + nl
}
