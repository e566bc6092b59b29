// Package db is the database API shared by every module: typed values,
// conditions, a small CRUD interface (Conn) and a registry of drivers chosen
// by the db_url scheme ("sqlite://", "text://").
//
// Modules import this package only; the drivers register themselves from
// init() and are linked in by importing gosips/db/all.
package db
