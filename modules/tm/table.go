package tm

import (
	"sync"

	"gosips/sip"
)

// The transaction table is sharded by the hash of the server key; the
// shard index is also the low bits of the transaction id, so that a reply
// (which carries the id in our Via branch) finds the same shard.
const (
	shardBits = 8
	shards    = 1 << shardBits
	shardMask = shards - 1
)

type shard struct {
	mu   sync.Mutex
	srv  map[sip.TxKey]*Tx
	byID map[uint64]*Tx
	// total counts the transactions ever added (t_hash "Total").
	total int64
}

type table struct {
	sh [shards]shard
}

func newTable() *table {
	t := &table{}
	for i := range t.sh {
		t.sh[i].srv = make(map[sip.TxKey]*Tx)
		t.sh[i].byID = make(map[uint64]*Tx)
	}
	return t
}

// shardOf hashes the distinguishing part of a key (FNV-1a).
func shardOf(k *sip.TxKey) uint64 {
	s := k.Branch
	if s == "" {
		s = k.Legacy
	}
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return uint64(h & shardMask)
}

// lookup finds the server transaction of key.
func (t *table) lookup(k sip.TxKey) *Tx {
	s := &t.sh[shardOf(&k)]
	s.mu.Lock()
	tx := s.srv[k]
	s.mu.Unlock()
	return tx
}

// byID finds a transaction by its id (from a reply's Via branch).
func (t *table) byID(id uint64) *Tx {
	s := &t.sh[id&shardMask]
	s.mu.Lock()
	tx := s.byID[id]
	s.mu.Unlock()
	return tx
}

// insert adds a transaction made by mk unless one with key k exists;
// it returns the transaction and whether it is new. mk gets the id.
func (t *table) insert(k sip.TxKey, seq uint64, mk func(id uint64) *Tx) (*Tx, bool) {
	si := shardOf(&k)
	s := &t.sh[si]
	s.mu.Lock()
	defer s.mu.Unlock()
	if tx := s.srv[k]; tx != nil {
		return tx, false
	}
	tx := mk(seq<<shardBits | si)
	s.srv[k] = tx
	s.byID[tx.id] = tx
	s.total++
	return tx, true
}

// insertLocal indexes a transaction tm originated: it has no server key.
func (t *table) insertLocal(tx *Tx) {
	s := &t.sh[tx.id&shardMask]
	s.mu.Lock()
	s.byID[tx.id] = tx
	s.total++
	s.mu.Unlock()
}

// remove deletes a transaction from both indexes.
func (t *table) remove(tx *Tx) {
	s := &t.sh[tx.id&shardMask]
	s.mu.Lock()
	if s.srv[tx.key] == tx {
		delete(s.srv, tx.key)
	}
	delete(s.byID, tx.id)
	s.mu.Unlock()
}

// all returns every transaction (for shutdown and counting).
func (t *table) all() []*Tx {
	var out []*Tx
	for i := range t.sh {
		s := &t.sh[i]
		s.mu.Lock()
		for _, tx := range s.byID {
			out = append(out, tx)
		}
		s.mu.Unlock()
	}
	return out
}

// count returns the number of transactions.
func (t *table) count() int {
	n := 0
	for i := range t.sh {
		s := &t.sh[i]
		s.mu.Lock()
		n += len(s.byID)
		s.mu.Unlock()
	}
	return n
}
