package auth

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"time"
)

// SecretLen is the length of the nonce secret: an AES-256 key (OpenSIPS
// 3.2+ requires exactly 32 characters).
const SecretLen = 32

// NonceLen is the length of a nonce: 33 bytes in base64.
const NonceLen = 44

// InitialNonceIndexes is the first size of the replay-protection index
// pool; it doubles whenever every index of the nonce_expire window is in
// use, up to MaxNonceIndex.
const InitialNonceIndexes = 1 << 16

// MaxNonceIndex bounds the pool: about 4.1 bytes per index, 69 MB at the
// bound, enough for 560,000 challenges/s with the default 30 s
// nonce_expire. OpenSIPS has a fixed pool of 100,000 indexes.
const MaxNonceIndex = 1 << 24

// nonceParams is what a nonce carries.
type nonceParams struct {
	index   int32
	qop     uint8 // OpenSIPS qop_type_t numbering
	alg     uint8 // Algorithm (0 = MD5 unspecified)
	expires time.Time
}

// noncer builds and opens nonces in OpenSIPS' 3.x format: 16 random bytes
// followed by the payload XORed with them, encrypted with AES-256-ECB
// under the secret, a zero byte appended, base64-encoded. Nodes sharing
// a secret accept each other's nonces.
type noncer struct {
	block cipher.Block
}

func newNoncer(secret []byte) (*noncer, error) {
	if len(secret) != SecretLen {
		return nil, fmt.Errorf("bad secret length, must be exactly %d bytes (256-bit AES key), given: %d",
			SecretLen, len(secret))
	}
	b, err := aes.NewCipher(secret)
	if err != nil {
		return nil, fmt.Errorf("nonce cipher: %w", err)
	}
	return &noncer{block: b}, nil
}

// payload layout (little endian, as OpenSIPS' packed struct on x86):
// int32 index, then a 64-bit word qop:3 alg:3 expires_sec:34
// expires_usec:20, then zero padding.
func (n *noncer) calc(p nonceParams) (string, error) {
	var plain [32]byte
	if _, err := rand.Read(plain[:16]); err != nil {
		return "", fmt.Errorf("nonce: %w", err)
	}
	pl := plain[16:]
	binary.LittleEndian.PutUint32(pl[0:4], uint32(p.index))
	usec := uint64(p.expires.Nanosecond() / 1000)
	w := uint64(p.qop&7) | uint64(p.alg&7)<<3 | (uint64(p.expires.Unix())&(1<<34-1))<<6 | usec<<40
	binary.LittleEndian.PutUint64(pl[4:12], w)
	for i := 0; i < 16; i++ {
		pl[i] ^= plain[i]
	}
	var enc [33]byte
	n.block.Encrypt(enc[0:16], plain[0:16])
	n.block.Encrypt(enc[16:32], plain[16:32])
	return base64.StdEncoding.EncodeToString(enc[:]), nil
}

var errBadNonce = errors.New("bad nonce")

func (n *noncer) open(nonce string) (nonceParams, error) {
	var p nonceParams
	if len(nonce) != NonceLen {
		return p, errBadNonce
	}
	var raw [33]byte
	if k, err := base64.StdEncoding.Decode(raw[:], []byte(nonce)); err != nil || k != 33 || raw[32] != 0 {
		return p, errBadNonce
	}
	var plain [32]byte
	n.block.Decrypt(plain[0:16], raw[0:16])
	n.block.Decrypt(plain[16:32], raw[16:32])
	pl := plain[16:]
	for i := 0; i < 16; i++ {
		pl[i] ^= plain[i]
	}
	w := binary.LittleEndian.Uint64(pl[4:12])
	usec := w >> 40
	if usec >= 1000000 {
		return p, errBadNonce
	}
	for _, b := range pl[12:16] {
		if b != 0 {
			return p, errBadNonce
		}
	}
	p.index = int32(binary.LittleEndian.Uint32(pl[0:4]))
	p.qop = uint8(w & 7)
	p.alg = uint8(w >> 3 & 7)
	p.expires = time.Unix(int64(w>>6&(1<<34-1)), int64(usec)*1000)
	return p, nil
}

// stale reports whether a nonce has expired, or claims a lifetime longer
// than nonce_expire (is_nonce_stale).
func stale(p nonceParams, now time.Time, lifetime time.Duration) bool {
	return !now.Before(p.expires) || now.Add(lifetime).Before(p.expires)
}

// indexPool hands out nonce indexes and accepts each once, within the
// nonces issued during the last nonce_expire seconds. As OpenSIPS'
// index.c it is a ring of slots, a slot older than the window being free;
// unlike it, the ring grows (doubling, appended so that issued indexes
// keep their slot) instead of refusing challenges when the rate outruns
// it. Memory stays at the high-water size.
type indexPool struct {
	mu       sync.Mutex
	lifetime int64 // seconds
	max      int   // bound on the ring (MaxNonceIndex)
	next     int
	epoch    int64    // Unix second the offsets in issued count from
	issued   []uint32 // second each index was handed out, epoch-relative plus 1; 0 = never
	used     []uint64
	clock    func() time.Time
}

func newIndexPool(lifetime int, clock func() time.Time) *indexPool {
	return &indexPool{lifetime: int64(lifetime), max: MaxNonceIndex, epoch: clock().Unix() - 1,
		issued: make([]uint32, InitialNonceIndexes), used: make([]uint64, InitialNonceIndexes/64), clock: clock}
}

// live reports whether slot i was handed out within the window; mu held.
func (p *indexPool) live(i int, now int64) bool {
	t := p.issued[i]
	return t != 0 && now-(p.epoch+int64(t)) <= p.lifetime
}

// reserve returns a fresh index, or -1 when the ring is at its bound and
// every index is in use within the window.
func (p *indexPool) reserve() int {
	now := p.clock().Unix()
	p.mu.Lock()
	defer p.mu.Unlock()
	i := p.next
	if p.live(i, now) {
		n := len(p.issued)
		if 2*n > p.max {
			return -1
		}
		p.issued = append(p.issued, make([]uint32, n)...)
		p.used = append(p.used, make([]uint64, n/64)...)
		i = n
	}
	p.issued[i] = uint32(max(now-p.epoch, 1))
	p.used[i/64] &^= 1 << (i % 64)
	p.next = (i + 1) % len(p.issued)
	return i
}

// use accepts an index the first time it is presented while its nonce
// can still be valid.
func (p *indexPool) use(i int) bool {
	now := p.clock().Unix()
	p.mu.Lock()
	defer p.mu.Unlock()
	if i < 0 || i >= len(p.issued) || !p.live(i, now) {
		return false
	}
	if p.used[i/64]&(1<<(i%64)) != 0 {
		return false
	}
	p.used[i/64] |= 1 << (i % 64)
	return true
}
