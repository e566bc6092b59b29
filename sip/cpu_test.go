package sip

import (
	"syscall"
	"testing"
	"time"
)

// cpuMeter reports process CPU time (user+system, GC included) per
// iteration as "cpu-ns/op": on a shared machine wall time overstates the
// cost, and CPU per transaction is the figure compared with Kamailio.
type cpuMeter struct{ start time.Duration }

func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func startCPU() cpuMeter { return cpuMeter{processCPU()} }

func (c cpuMeter) report(b *testing.B) {
	if b.N > 0 {
		b.ReportMetric(float64(processCPU()-c.start)/float64(b.N), "cpu-ns/op")
	}
}
