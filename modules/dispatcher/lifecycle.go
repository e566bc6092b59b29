package dispatcher

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"gosips/api"
	"gosips/db"
	"gosips/pv"
)

// TableVersion is the dispatcher table version OpenSIPS 3.x expects.
const TableVersion = 9

// flushInterval is how often changed states are written back
// (persistent_state), as OpenSIPS's ds-flusher timer.
const flushInterval = 30 * time.Second

// runtime holds what Init and Start set up; it is embedded in Module.
type runtime struct {
	log        *slog.Logger
	fmts       pv.FormatCache
	uac        api.UAC
	replyCodes []int
	configDir  string
	// lookupHost resolves destination host names (replaced in tests).
	lookupHost func(ctx context.Context, host string) ([]string, error)
	stop       context.CancelFunc
	done       chan struct{}
}

// Init opens every partition's database and loads the sets.
func (m *Module) Init(ic *api.InitCtx) error {
	m.log = ic.Log
	if m.log == nil {
		m.log = slog.New(slog.DiscardHandler)
	}
	if m.lookupHost == nil {
		m.lookupHost = defaultLookupHost
	}
	m.configDir = ic.ConfigDir
	if m.OptionsReplyCodes != "" {
		codes, err := parseReplyCodes(m.OptionsReplyCodes)
		if err != nil {
			return fmt.Errorf("dispatcher: %w", err)
		}
		m.replyCodes = codes
	}
	if m.PingInterval > 0 && m.uac == nil && ic.Module != nil {
		if u, ok := ic.Module("tm").(api.UAC); ok {
			m.uac = u
		} else {
			return fmt.Errorf("dispatcher: ds_ping_interval needs the tm module (no request sender found)")
		}
	}
	if m.Default.DBURL == "" && ic.Global != nil {
		if v, ok := ic.Global("db_default_url"); ok && v.IsStr() {
			m.Default.DBURL = v.S
		}
	}
	for _, p := range m.Partitions {
		if p.DBURL == "" || p.TableName == "" || p.DstAVP == "" {
			p.inherit(&m.Default, m.Default.DBURL)
		}
	}
	if err := m.initBlacklists(ic); err != nil {
		return err
	}
	ctx := context.Background()
	for _, p := range m.allPartitions() {
		if p.DBURL == "" {
			if p == &m.Default && len(m.Partitions) > 0 {
				continue
			}
			return fmt.Errorf("dispatcher: partition %q has no db_url", p.Name)
		}
		conn, err := db.Open(ctx, p.DBURL, db.WithBaseDir(ic.ConfigDir), db.WithLogger(m.log))
		if err != nil {
			m.closeConns()
			return fmt.Errorf("dispatcher: partition %q: %w", p.Name, err)
		}
		p.rt = &partData{conn: conn}
		if err := checkVersion(ctx, conn, p.TableName, m.log); err != nil {
			m.closeConns()
			return fmt.Errorf("dispatcher: partition %q: %w", p.Name, err)
		}
		dt, err := m.loadData(ctx, p, conn)
		if err != nil {
			m.closeConns()
			return fmt.Errorf("dispatcher: partition %q: %w", p.Name, err)
		}
		p.rt.data = dt
		m.fillBlacklists(p, dt)
	}
	if m.DefaultOverride != "" {
		if p := m.partition(m.DefaultOverride); p != nil && p != &m.Default {
			if m.Default.rt != nil && m.Default.rt.conn != nil {
				m.Default.rt.conn.Close()
			}
			name := m.Default.Name
			m.Default = *p
			m.Default.Name = name
		}
	}
	return nil
}

// checkVersion accepts a table without a version row with a warning, as
// db_text setups often have none.
func checkVersion(ctx context.Context, conn db.Conn, table string, log *slog.Logger) error {
	err := db.CheckVersion(ctx, conn, table, TableVersion)
	if errors.Is(err, db.ErrNoVersion) {
		log.Warn("no version row for the dispatcher table", "table", table)
		return nil
	}
	return err
}

// reload reads a partition's table again, keeping the states when
// inherit is set.
func (m *Module) reload(ctx context.Context, p *Partition, inherit bool) error {
	pd := p.rt
	if pd == nil || pd.conn == nil {
		return fmt.Errorf("partition %q has no database", p.Name)
	}
	if r, ok := pd.conn.(db.Reloader); ok {
		if err := r.Reload(ctx, p.TableName); err != nil {
			return err
		}
	}
	dt, err := m.loadData(ctx, p, pd.conn)
	if err != nil {
		return err
	}
	pd.mu.Lock()
	if inherit {
		inheritState(pd.data, dt)
	}
	pd.data = dt
	pd.mu.Unlock()
	m.fillBlacklists(p, dt)
	return nil
}

// Start runs the pinger and the state flusher.
func (m *Module) Start(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	m.stop = cancel
	m.done = make(chan struct{})
	go m.run(ctx)
	return nil
}

func (m *Module) run(ctx context.Context) {
	defer close(m.done)
	var ping <-chan time.Time
	if m.PingInterval > 0 && m.uac != nil {
		t := time.NewTicker(time.Duration(m.PingInterval) * time.Second)
		defer t.Stop()
		ping = t.C
	}
	flush := time.NewTicker(flushInterval)
	defer flush.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ping:
			m.probe(ctx)
		case <-flush.C:
			m.flush(ctx)
		}
	}
}

// Close stops the timers, writes the states back and closes the
// databases.
func (m *Module) Close() error {
	if m.stop != nil {
		m.stop()
		<-m.done
		m.stop = nil
	}
	m.flush(context.Background())
	return m.closeConns()
}

func (m *Module) closeConns() error {
	var errs []error
	seen := map[*partData]bool{}
	for _, p := range m.allPartitions() {
		if p.rt == nil || seen[p.rt] {
			continue
		}
		seen[p.rt] = true
		if p.rt.conn != nil {
			errs = append(errs, p.rt.conn.Close())
			p.rt.conn = nil
		}
	}
	return errors.Join(errs...)
}

var (
	_ api.Initer  = (*Module)(nil)
	_ api.Starter = (*Module)(nil)
	_ api.Closer  = (*Module)(nil)
)
