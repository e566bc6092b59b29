package sipcapture

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/internal/hep"
	"gosips/sip"
)

// chunkNames are the generic chunks hep_set/hep_get/hep_del accept by
// name.
var chunkNames = map[string]uint16{
	"proto_family": hep.ChunkIPFamily, "proto_id": hep.ChunkIPProto, "src_ip": hep.ChunkSrcIP4,
	"dst_ip": hep.ChunkDstIP4, "src_port": hep.ChunkSrcPort, "dst_port": hep.ChunkDstPort,
	"timestamp": hep.ChunkTimeSec, "timestamp_us": hep.ChunkTimeUsec, "proto_type": hep.ChunkProtoType,
	"captagent_id": hep.ChunkCaptureID, "payload": hep.ChunkPayload,
}

// parseChunkID reads a chunk name, a decimal or a 0x hex id.
func parseChunkID(s string) (uint16, error) {
	s = strings.TrimSpace(s)
	if id, ok := chunkNames[strings.ToLower(s)]; ok {
		return id, nil
	}
	n, err := strconv.ParseUint(s, 0, 16)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("invalid chunk id %q", s)
	}
	return uint16(n), nil
}

func fixChunkID(_ *api.FixupCtx, a *api.FixArg) error {
	id, err := parseChunkID(a.Str)
	if err != nil {
		return err
	}
	a.Fixed = id
	return nil
}

var dataTypes = []string{"uint8", "uint16", "uint32", "inet4-addr", "inet6-addr", "utf8-string", "octet-string"}

func fixDataType(_ *api.FixupCtx, a *api.FixArg) error {
	for _, t := range dataTypes {
		if strings.EqualFold(a.Str, t) {
			return nil
		}
	}
	return fmt.Errorf("unknown data type %q (%s)", a.Str, strings.Join(dataTypes, ", "))
}

func chunkArg(v any) (uint16, error) {
	switch x := v.(type) {
	case uint16:
		return x, nil
	case string:
		return parseChunkID(x)
	}
	return 0, fmt.Errorf("bad chunk id")
}

var protoNames = map[string]uint8{"UDP": hep.IPProtoUDP, "TCP": hep.IPProtoTCP, "TLS": hep.IPProtoIDP, "SCTP": hep.IPProtoSCTP, "WS": hep.IPProtoESP, "WSS": hep.IPProtoESP}
var typeNames = []string{1: "SIP", 2: "XMPP", 3: "SDP", 4: "RTP", 5: "RTCP", 6: "MGCP", 7: "MEGACO", 8: "M2UA", 9: "M3UA", 10: "IAX", 11: "H322", 12: "H321"}

// encodeData turns a script value into chunk bytes of a data type.
func encodeData(s, typ string) ([]byte, error) {
	switch strings.ToLower(typ) {
	case "", "utf8-string", "octet-string":
		return []byte(s), nil
	case "uint8", "uint16", "uint32":
		bits := map[string]int{"uint8": 8, "uint16": 16, "uint32": 32}[strings.ToLower(typ)]
		n, err := strconv.ParseUint(strings.TrimSpace(s), 0, bits)
		if err != nil {
			return nil, fmt.Errorf("%q is not a %s", s, typ)
		}
		switch bits {
		case 8:
			return []byte{byte(n)}, nil
		case 16:
			return binary.BigEndian.AppendUint16(nil, uint16(n)), nil
		}
		return binary.BigEndian.AppendUint32(nil, uint32(n)), nil
	case "inet4-addr", "inet6-addr":
		a, err := netip.ParseAddr(strings.TrimSpace(s))
		if err != nil {
			return nil, fmt.Errorf("%q is not an address", s)
		}
		if strings.EqualFold(typ, "inet4-addr") {
			b := a.Unmap().As4()
			return b[:], nil
		}
		b := a.As16()
		return b[:], nil
	}
	return nil, fmt.Errorf("unknown data type %q", typ)
}

func decodeData(b []byte, typ string) api.Value {
	switch strings.ToLower(typ) {
	case "uint8", "uint16", "uint32":
		var n uint64
		for _, c := range b {
			n = n<<8 | uint64(c)
		}
		return api.IntValue(int64(n))
	case "inet4-addr", "inet6-addr":
		if a, ok := netip.AddrFromSlice(b); ok {
			return api.StrValue(a.String())
		}
	}
	return api.StrValue(string(b))
}

func (m *Module) v3(c *api.Ctx, fn string) *hep.Packet {
	r := m.packet(c)
	if r == nil {
		c.Log.Error(fn + ": not a HEP message")
		return nil
	}
	if r.Packet.Version != 3 {
		c.Log.Error(fn + ": chunks exist in HEP version 3 only")
		return nil
	}
	return &r.Packet
}

func (m *Module) hepSet(c *api.Ctx, a []any) api.Ret {
	p := m.v3(c, "hep_set")
	if p == nil {
		return api.RetFalse
	}
	id, err := chunkArg(a[0])
	data, _ := a[1].(string)
	typ, _ := a[2].(string)
	if err == nil {
		err = setChunk(p, id, data, typ, a[3])
	}
	if err != nil {
		c.Log.Error("hep_set: " + err.Error())
		return api.RetFalse
	}
	return api.RetTrue
}

func setChunk(p *hep.Packet, id uint16, data, typ string, vendorArg any) error {
	num := func(bits int) (uint64, error) { return strconv.ParseUint(strings.TrimSpace(data), 0, bits) }
	switch id {
	case hep.ChunkIPFamily, hep.ChunkTimeSec, hep.ChunkTimeUsec:
		return fmt.Errorf("chunk %#04x cannot be set", id)
	case hep.ChunkIPProto:
		v, ok := protoNames[strings.ToUpper(data)]
		if !ok {
			n, err := num(8)
			if err != nil {
				return fmt.Errorf("bad protocol %q", data)
			}
			v = uint8(n)
		}
		p.Proto = v
	case hep.ChunkSrcIP4, hep.ChunkDstIP4, hep.ChunkSrcIP6, hep.ChunkDstIP6:
		ip, err := netip.ParseAddr(strings.TrimSpace(data))
		if err != nil {
			return fmt.Errorf("bad address %q", data)
		}
		if id == hep.ChunkSrcIP4 || id == hep.ChunkSrcIP6 {
			p.Src = netip.AddrPortFrom(ip, p.Src.Port())
		} else {
			p.Dst = netip.AddrPortFrom(ip, p.Dst.Port())
		}
		p.Family = hep.FamilyIPv4
		if p.Src.Addr().Is6() && !p.Src.Addr().Is4In6() {
			p.Family = hep.FamilyIPv6
		}
	case hep.ChunkSrcPort, hep.ChunkDstPort:
		n, err := num(16)
		if err != nil {
			return fmt.Errorf("bad port %q", data)
		}
		if id == hep.ChunkSrcPort {
			p.Src = netip.AddrPortFrom(p.Src.Addr(), uint16(n))
		} else {
			p.Dst = netip.AddrPortFrom(p.Dst.Addr(), uint16(n))
		}
	case hep.ChunkProtoType:
		for i, n := range typeNames {
			if n != "" && strings.EqualFold(n, data) {
				p.ProtoType = uint8(i)
				return nil
			}
		}
		n, err := num(8)
		if err != nil {
			return fmt.Errorf("bad protocol type %q", data)
		}
		p.ProtoType = uint8(n)
	case hep.ChunkCaptureID:
		n, err := num(32)
		if err != nil {
			return fmt.Errorf("bad capture id %q", data)
		}
		p.CaptureID = uint32(n)
	case hep.ChunkPayload, hep.ChunkCompressedPayload:
		p.Payload = []byte(data)
	default:
		vendor := uint64(3)
		if vs, ok := vendorArg.(string); ok && vs != "" {
			v, err := strconv.ParseUint(strings.TrimSpace(vs), 0, 16)
			if err != nil {
				return fmt.Errorf("bad vendor id %q", vs)
			}
			vendor = v
		}
		b, err := encodeData(data, typ)
		if err != nil {
			return err
		}
		// A chunk of that type (any vendor) is replaced; a new one goes
		// last, as OpenSIPS' sipcapture does.
		for i := range p.Chunks {
			if p.Chunks[i].Type == id {
				p.Chunks[i] = hep.Chunk{Vendor: uint16(vendor), Type: id, Data: b}
				return nil
			}
		}
		p.Chunks = append(p.Chunks, hep.Chunk{Vendor: uint16(vendor), Type: id, Data: b})
	}
	return nil
}

func (m *Module) hepGet(c *api.Ctx, a []any) api.Ret {
	p := m.v3(c, "hep_get")
	if p == nil {
		return api.RetFalse
	}
	id, err := chunkArg(a[0])
	if err != nil {
		c.Log.Error("hep_get: " + err.Error())
		return api.RetFalse
	}
	typ, _ := a[1].(string)
	var val api.Value
	vendor := int64(0)
	switch id {
	case hep.ChunkIPFamily:
		val = api.StrValue("AF_INET")
		if p.Family == hep.FamilyIPv6 {
			val = api.StrValue("AF_INET6")
		}
	case hep.ChunkIPProto:
		val = api.StrValue(strings.ToUpper(hep.Transport(p.Proto)))
	case hep.ChunkSrcIP4, hep.ChunkSrcIP6:
		val = api.StrValue(p.Src.Addr().String())
	case hep.ChunkDstIP4, hep.ChunkDstIP6:
		val = api.StrValue(p.Dst.Addr().String())
	case hep.ChunkSrcPort:
		val = api.IntValue(int64(p.Src.Port()))
	case hep.ChunkDstPort:
		val = api.IntValue(int64(p.Dst.Port()))
	case hep.ChunkTimeSec:
		val = api.StrValue(time.Unix(int64(p.TimeSec), 0).UTC().Format("Mon Jan _2 15:04:05 2006"))
	case hep.ChunkTimeUsec:
		val = api.IntValue(int64(p.TimeUsec))
	case hep.ChunkProtoType:
		if int(p.ProtoType) < len(typeNames) && typeNames[p.ProtoType] != "" {
			val = api.StrValue(typeNames[p.ProtoType])
		} else {
			val = api.IntValue(int64(p.ProtoType))
		}
	case hep.ChunkCaptureID:
		val = api.IntValue(int64(p.CaptureID))
	case hep.ChunkPayload, hep.ChunkCompressedPayload:
		val = api.StrValue(string(p.Payload))
	default:
		found := false
		for _, ch := range p.Chunks {
			if ch.Type == id {
				val, vendor, found = decodeData(ch.Data, typ), int64(ch.Vendor), true
				break
			}
		}
		if !found {
			return api.RetFalse
		}
	}
	if r, ok := a[2].(api.PVRef); ok {
		if err := r.Set(c, val); err != nil {
			c.Log.Error("hep_get: " + err.Error())
			return api.RetFalse
		}
	}
	if r, ok := a[3].(api.PVRef); ok {
		if err := r.Set(c, api.IntValue(vendor)); err != nil {
			c.Log.Error("hep_get: " + err.Error())
			return api.RetFalse
		}
	}
	return api.RetTrue
}

func (m *Module) hepDel(c *api.Ctx, a []any) api.Ret {
	p := m.v3(c, "hep_del")
	if p == nil {
		return api.RetFalse
	}
	id, err := chunkArg(a[0])
	if err != nil || id <= hep.ChunkPayload && id != hep.ChunkKeepAlive && id != hep.ChunkAuthKey {
		c.Log.Error("hep_del: generic chunks cannot be removed")
		return api.RetFalse
	}
	if !p.DelChunk(id) {
		return api.RetFalse
	}
	return api.RetTrue
}

// hepRelay sends the received packet, with the script's chunk changes, to
// $du or the R-URI: UDP unless the URI says transport=tcp (version 3).
func (m *Module) hepRelay(c *api.Ctx, _ []any) api.Ret {
	r := m.packet(c)
	if r == nil || m.hep == nil {
		c.Log.Error("hep_relay: not a HEP message")
		return api.RetFalse
	}
	target := c.DstURI
	if target == "" {
		target = c.RURI()
	}
	u, err := sip.ParseURI(target)
	if err != nil {
		c.Log.Error("hep_relay: bad destination " + target)
		return api.RetFalse
	}
	transport := "udp"
	if t := paramValue(u.Params, "transport"); t != "" && r.Packet.Version == 3 {
		transport = strings.ToLower(t)
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	d := &hep.Dest{Host: strings.Trim(u.Host, "[]"), Port: port, Transport: transport, Version: r.Packet.Version}
	b := r.Raw // versions 1 and 2 go out as they came
	if r.Packet.Version == 3 {
		if b, err = r.Packet.AppendRelay(nil); err != nil {
			c.Log.Error("hep_relay: " + err.Error())
			return api.RetFalse
		}
	}
	if err := m.hep.SendRaw(d, b); err != nil {
		c.Log.Error("hep_relay: " + err.Error())
		return api.RetFalse
	}
	return api.RetTrue
}

func paramValue(params, name string) string {
	for _, p := range strings.Split(params, ";") {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
