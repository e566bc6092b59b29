package api

// StatusReports is the status-report registry (OpenSIPS sr_*) as the
// core's sr_check_status() reads it.
type StatusReports interface {
	// Status returns an identifier's status ("" = the group's "main",
	// "all" = 1 when every identifier is ready, else -1); found is false
	// for an unknown group.
	Status(group, ident string) (status int, found bool)
}
