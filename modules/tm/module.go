// Package tm is the transaction module: stateful relaying, replies,
// retransmissions, timers, forking and the failure/branch/onreply route
// hooks.
package tm

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync/atomic"
	"time"

	"gosips/api"
)

func init() {
	api.Register(api.ModuleInfo{
		Name: "tm",
		Doc:  "SIP transactions: stateful relay and replies",
		New:  func() api.Module { return New() },
	})
}

// TM is one instance of the tm module; fields hold the parameters.
type TM struct {
	RuriMatching          int
	Via1Matching          int
	FrTimeout             int // seconds
	FrInvTimeout          int // seconds
	WtTimer               int // seconds
	DeleteTimer           int // seconds
	T1Timer               int // milliseconds
	T2Timer               int // milliseconds
	UnixTxTimeout         int // seconds
	RestartFrOnEachReply  int
	TwAppend              []string
	twAppends             []*twAppend
	EnableStats           int
	PassProvisional       int
	SynBranch             int
	OnreplyAVPMode        int
	Disable6xxBlock       int
	MinorBranchFlag       string
	TimerPartitions       int
	Auto100Trying         int
	ReplicationCluster    int
	ClusterParam          string
	ClusterAutoCancel     int
	LocalReplyRoute       string
	LocalRequestRoute     string
	FrTimerAVP            string // legacy fr_timer_avp
	FrInvTimerAVP         string // legacy fr_inv_timer_avp
	minorBranchFlagResolv int    // bit of MinorBranchFlag once Init ran, else -1
	// MaxTransactions caps the transactions in flight: past it a new
	// INVITE gets a stateless 503 (0: no cap). Not an OpenSIPS parameter.
	MaxTransactions int

	inflight atomic.Int64 // transactions in the table
	surge    atomic.Bool  // the cap was hit and the load has not drained yet

	table  *table
	seq    atomic.Uint64 // transaction counter (ids are seq<<shardBits | shard)
	salt   uint64        // makes To tags and ids differ between runs
	log    *slog.Logger
	closed atomic.Bool
	stats  counters
	acks   ackWait
	unit   time.Duration // of the timer parameters in seconds
	// editors are the modules editing relayed replies.
	editors replyEditors

	// Local requests: the Core to send them with, the context bounding
	// their transactions, set by Start.
	core    atomic.Pointer[coreRef]
	root    context.Context
	started atomic.Bool
}

// New returns a tm instance with OpenSIPS 3.6 defaults.
func New() *TM {
	t := &TM{
		RuriMatching: 1, Via1Matching: 1,
		FrTimeout: 30, FrInvTimeout: 120, WtTimer: 5, DeleteTimer: 2,
		T1Timer: 500, T2Timer: 4000, UnixTxTimeout: 2,
		RestartFrOnEachReply: 1, EnableStats: 1, SynBranch: 1,
		TimerPartitions: 1, Auto100Trying: 1, MaxTransactions: DefaultMaxTransactions,
		ClusterParam: "cid", ClusterAutoCancel: 1,
		minorBranchFlagResolv: -1,
		table:                 newTable(),
		stats:                 newCounters(api.NewStats().Group("tm")),
		salt:                  rand.Uint64(),
		log:                   slog.New(slog.DiscardHandler),
		unit:                  time.Second,
	}
	// Ids start at a random point so that replies to a previous run's
	// branches do not match new transactions.
	t.seq.Store(rand.Uint64() >> (shardBits + 1))
	return t
}

// Params lists tm's parameters, with the 1.x timer names mapped.
func (t *TM) Params() []api.Param {
	return []api.Param{
		intP("ruri_matching", &t.RuriMatching, "1"),
		intP("via1_matching", &t.Via1Matching, "1"),
		posP("fr_timeout", &t.FrTimeout, "30"),
		posP("fr_inv_timeout", &t.FrInvTimeout, "120"),
		posP("wt_timer", &t.WtTimer, "5"),
		posP("delete_timer", &t.DeleteTimer, "2"),
		posP("T1_timer", &t.T1Timer, "500"),
		posP("T2_timer", &t.T2Timer, "4000"),
		intP("max_transactions", &t.MaxTransactions, strconv.Itoa(DefaultMaxTransactions)),
		intP("unix_tx_timeout", &t.UnixTxTimeout, "2"),
		intP("restart_fr_on_each_reply", &t.RestartFrOnEachReply, "1"),
		api.FuncParam("tw_append", api.ParamStr, true, func(v api.ParamValue) error {
			app, err := parseTwAppend(v.Str)
			if err != nil {
				return err
			}
			if t.lookupTwAppend(app.name) != nil {
				return fmt.Errorf("tw_append: duplicated name %q", app.name)
			}
			t.TwAppend = append(t.TwAppend, v.Str)
			t.twAppends = append(t.twAppends, app)
			return nil
		}),
		intP("enable_stats", &t.EnableStats, "1"),
		intP("pass_provisional_replies", &t.PassProvisional, "0"),
		intP("syn_branch", &t.SynBranch, "1"),
		intP("onreply_avp_mode", &t.OnreplyAVPMode, "0"),
		intP("disable_6xx_block", &t.Disable6xxBlock, "0"),
		strP("minor_branch_flag", &t.MinorBranchFlag, ""),
		posP("timer_partitions", &t.TimerPartitions, "1"),
		intP("auto_100trying", &t.Auto100Trying, "1"),
		intP("tm_replication_cluster", &t.ReplicationCluster, "0"),
		strP("cluster_param", &t.ClusterParam, "cid"),
		intP("cluster_auto_cancel", &t.ClusterAutoCancel, "1"),
		strP("local_reply_route", &t.LocalReplyRoute, ""),
		strP("local_request_route", &t.LocalRequestRoute, ""),

		// Removed in 3.0.
		legacyP(intP("fr_timer", &t.FrTimeout, ""), `modparam("tm", "fr_timeout", N)`),
		legacyP(intP("fr_inv_timer", &t.FrInvTimeout, ""), `modparam("tm", "fr_inv_timeout", N)`),
		legacyP(strP("fr_timer_avp", &t.FrTimerAVP, ""), "remove it; set $T_fr_timeout in the script"),
		legacyP(strP("fr_inv_timer_avp", &t.FrInvTimerAVP, ""), "remove it; set $T_fr_inv_timeout in the script"),
		legacyP(api.FuncParam("own_timer_proc", api.ParamInt, false, func(api.ParamValue) error { return nil }), "remove it"),
	}
}

// Validate checks settings that depend on other modules.
func (t *TM) Validate(vc *api.ValidateCtx) error {
	if t.ReplicationCluster > 0 && vc.Loaded != nil && !vc.Loaded("clusterer") {
		return fmt.Errorf(`tm_replication_cluster is set but module clusterer is not loaded (add loadmodule "clusterer.so")`)
	}
	return nil
}

// Init registers the statistics and resolves the minor branch flag name.
func (t *TM) Init(ic *api.InitCtx) error {
	if ic.Log != nil {
		t.log = ic.Log
	}
	if ic.Stats != nil && t.EnableStats != 0 {
		t.stats = newCounters(ic.Stats.Group("tm"))
	}
	if t.MinorBranchFlag == "" || ic.BranchFlag == nil {
		return nil
	}
	n, err := ic.BranchFlag(t.MinorBranchFlag)
	if err != nil {
		return fmt.Errorf("minor_branch_flag %q: %w", t.MinorBranchFlag, err)
	}
	t.minorBranchFlagResolv = n
	return nil
}

// MinorBranchFlagBit returns the branch flag bit marking minor branches, or
// -1 when none is configured.
func (t *TM) MinorBranchFlagBit() int { return t.minorBranchFlagResolv }

func intP(name string, dst *int, def string) api.Param {
	p := api.IntParam(name, dst)
	p.Default = def
	return p
}

// posP is an integer parameter that must not be negative (timers).
func posP(name string, dst *int, def string) api.Param {
	return api.Param{Name: name, Type: api.ParamInt, Default: def, Set: func(v api.ParamValue) error {
		if v.Int < 0 {
			return fmt.Errorf("%s must not be negative, got %d", name, v.Int)
		}
		*dst = int(v.Int)
		return nil
	}}
}

func strP(name string, dst *string, def string) api.Param {
	p := api.StrParam(name, dst)
	p.Default = def
	return p
}

func legacyP(p api.Param, modern string) api.Param { p.Legacy = modern; return p }

var (
	_ api.Module    = (*TM)(nil)
	_ api.Validator = (*TM)(nil)
	_ api.Initer    = (*TM)(nil)
	_ api.Closer    = (*TM)(nil)
	_ api.Starter   = (*TM)(nil)
	_ api.UAC       = (*TM)(nil)
	_ api.Replier   = (*TM)(nil)

	_ api.ReplyReceiver = (*TM)(nil)
)
