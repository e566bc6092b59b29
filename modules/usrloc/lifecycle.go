package usrloc

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gosips/api"
	"gosips/db"
)

// openDB connects to db_url (run mode only: Init is not called by check).
func (m *Module) openDB() error {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := db.Open(ctx, m.dbURL, db.WithBaseDir(m.configDir), db.WithLogger(m.log))
	if err != nil {
		return fmt.Errorf("usrloc: %w", err)
	}
	m.conn = conn
	return nil
}

// UseDB hands usrloc an open database in place of db_url (tests, tools);
// call it before Start.
func (m *Module) UseDB(c db.Conn) {
	m.conn = c
	m.mode = m.Mode()
}

// Start loads the location tables of the DB-backed modes and runs the
// expiry / write-back timer until ctx is cancelled.
func (m *Module) Start(ctx context.Context) error {
	m.mode = m.Mode()
	if m.conn != nil {
		for _, d := range m.Domains() {
			if err := m.checkVersion(ctx, d); err != nil {
				return err
			}
			if m.mode.RestartPersistency == "load-from-sql" {
				if err := m.loadDomain(ctx, d); err != nil {
					return err
				}
			}
		}
	}
	m.stop = make(chan struct{})
	m.done = make(chan struct{})
	go m.run(ctx)
	return nil
}

// checkVersion checks the table version as OpenSIPS does (1013 for
// location); a table without a version row is accepted with a warning.
func (m *Module) checkVersion(ctx context.Context, d *Domain) error {
	v, err := m.conn.TableVersion(ctx, d.Name)
	switch {
	case errors.Is(err, db.ErrNoVersion):
		m.log.Warn("no version row for the location table", "table", d.Name)
		return nil
	case err != nil:
		return fmt.Errorf("usrloc: table %s: %w", d.Name, err)
	case v != TableVersion:
		return fmt.Errorf("usrloc: table %s has version %d, expected %d (migrate the table)", d.Name, v, TableVersion)
	}
	return nil
}

// TableVersion is the location table version usrloc works with.
const TableVersion = 1013

func (m *Module) run(ctx context.Context) {
	defer close(m.done)
	t := time.NewTicker(time.Duration(m.TimerInterval) * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			m.flushAll(context.Background())
			return
		case <-m.stop:
			m.flushAll(context.Background())
			return
		case <-t.C:
			m.Timer(ctx)
		}
	}
}

// Timer runs one timer pass: expire contacts, then flush write-back
// changes. Start calls it every timer_interval seconds.
func (m *Module) Timer(ctx context.Context) {
	now := m.Now()
	for _, d := range m.Domains() {
		d.timer(ctx, now)
	}
	m.flushAll(ctx)
}

func (m *Module) flushAll(ctx context.Context) {
	if !m.writeBack() {
		return
	}
	for _, d := range m.Domains() {
		if err := m.flushDomain(ctx, d); err != nil {
			m.log.Error("write-back flush failed", "table", d.Name, "err", err)
		}
	}
}

// Flush writes every pending write-back change now (ul_flush).
func (m *Module) Flush(ctx context.Context) error {
	if !m.writeBack() {
		return nil
	}
	var errs []error
	for _, d := range m.Domains() {
		errs = append(errs, m.flushDomain(ctx, d))
	}
	return errors.Join(errs...)
}

// Close stops the timer (flushing write-back changes) and closes the
// database.
func (m *Module) Close() error {
	if m.stop != nil {
		close(m.stop)
		<-m.done
		m.stop = nil
	}
	if m.conn != nil {
		err := m.conn.Close()
		m.conn = nil
		return err
	}
	return nil
}

// SetFlagNamer gives usrloc the script's branch flag names (registrar
// passes api.Core.BranchFlagName); MI output and the cflags column use them.
func (m *Module) SetFlagNamer(f func(bit int) string) {
	if m.namerSet.Load() {
		return
	}
	m.flagMu.Lock()
	if m.flagNamer == nil {
		m.flagNamer = f
	}
	m.flagMu.Unlock()
	m.namerSet.Store(true)
}

func (m *Module) rememberFlag(name string, bit int) {
	m.flagMu.Lock()
	m.flagByName[name] = bit
	m.flagMu.Unlock()
}

// FlagNames prints a branch flag mask as OpenSIPS does: the names
// joined with ",", "" when none.
func (m *Module) FlagNames(bits uint32) string {
	if bits == 0 {
		return ""
	}
	m.flagMu.RLock()
	namer := m.flagNamer
	byName := m.flagByName
	var b strings.Builder
	for i := 0; i < 32; i++ {
		if bits&(1<<i) == 0 {
			continue
		}
		name := ""
		if namer != nil {
			name = namer(i)
		}
		if name == "" {
			for n, bit := range byName {
				if bit == i {
					name = n
					break
				}
			}
		}
		if name == "" {
			name = strconv.Itoa(i)
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(name)
	}
	m.flagMu.RUnlock()
	return b.String()
}

// flagBits turns a cflags column back into a mask, allocating unknown
// names as the script would.
func (m *Module) flagBits(names string) uint32 {
	var bits uint32
	for _, n := range strings.Split(names, ",") {
		if n = strings.TrimSpace(n); n == "" {
			continue
		}
		m.flagMu.RLock()
		bit, ok := m.flagByName[n]
		m.flagMu.RUnlock()
		if !ok {
			if i, err := strconv.Atoi(n); err == nil && i >= 0 && i < 32 {
				bit, ok = i, true
			} else if m.branchFlag != nil {
				if i, err := m.branchFlag(n); err == nil {
					bit, ok = i, true
					m.rememberFlag(n, i)
				}
			}
		}
		if ok && bit < 32 {
			bits |= 1 << bit
		}
	}
	return bits
}

var (
	_ api.Starter = (*Module)(nil)
	_ api.Closer  = (*Module)(nil)
)
