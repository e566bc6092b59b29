package schema

import (
	"reflect"
	"strings"
	"testing"
)

// The statements OpenSIPS 3.6's scripts/mysql and scripts/postgres hold
// for these tables (INSERT lines aside); the real-server tests in
// db/mysql and db/postgres compare the catalogue of every table.
func TestSQLDDLExact(t *testing.T) {
	tests := []struct {
		table string
		ddl   func(*Table) []string
		want  []string
	}{
		{"version", (*Table).MySQLDDL, []string{
			"CREATE TABLE version (\n    table_name CHAR(32) NOT NULL,\n    table_version INT UNSIGNED DEFAULT 0 NOT NULL,\n" +
				"    CONSTRAINT t_name_idx UNIQUE (table_name)\n) ENGINE=InnoDB"}},
		{"subscriber", (*Table).MySQLDDL, []string{
			"CREATE TABLE subscriber (\n    id INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,\n" +
				"    username CHAR(64) DEFAULT '' NOT NULL,\n    domain CHAR(64) DEFAULT '' NOT NULL,\n" +
				"    password CHAR(25) DEFAULT '' NOT NULL,\n    ha1 CHAR(64) DEFAULT '' NOT NULL,\n" +
				"    ha1_sha256 CHAR(64) DEFAULT '' NOT NULL,\n    ha1_sha512t256 CHAR(64) DEFAULT '' NOT NULL,\n" +
				"    CONSTRAINT account_idx UNIQUE (username, domain)\n) ENGINE=InnoDB",
			"CREATE INDEX username_idx ON subscriber (username)"}},
		{"version", (*Table).PostgresDDL, []string{
			"CREATE TABLE version (\n    table_name VARCHAR(32) NOT NULL,\n    table_version INTEGER DEFAULT 0 NOT NULL,\n" +
				"    CONSTRAINT version_t_name_idx UNIQUE (table_name)\n)"}},
		{"silo", (*Table).PostgresDDL, []string{
			"CREATE TABLE silo (\n    id SERIAL PRIMARY KEY NOT NULL,\n    src_addr VARCHAR(255) DEFAULT '' NOT NULL,\n" +
				"    dst_addr VARCHAR(255) DEFAULT '' NOT NULL,\n    username VARCHAR(64) DEFAULT '' NOT NULL,\n" +
				"    domain VARCHAR(64) DEFAULT '' NOT NULL,\n    inc_time INTEGER DEFAULT 0 NOT NULL,\n" +
				"    exp_time INTEGER DEFAULT 0 NOT NULL,\n    snd_time INTEGER DEFAULT 0 NOT NULL,\n" +
				"    ctype VARCHAR(255) DEFAULT NULL,\n    body BYTEA DEFAULT NULL\n)",
			"ALTER SEQUENCE silo_id_seq MAXVALUE 2147483647 CYCLE",
			"CREATE INDEX silo_account_idx ON silo (username, domain)"}},
		{"acc", (*Table).MySQLDDL, []string{
			"CREATE TABLE acc (\n    id INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL,\n" +
				"    method CHAR(16) DEFAULT '' NOT NULL,\n    from_tag CHAR(64) DEFAULT '' NOT NULL,\n" +
				"    to_tag CHAR(64) DEFAULT '' NOT NULL,\n    callid CHAR(64) DEFAULT '' NOT NULL,\n" +
				"    sip_code CHAR(3) DEFAULT '' NOT NULL,\n    sip_reason CHAR(32) DEFAULT '' NOT NULL,\n" +
				"    time DATETIME NOT NULL,\n    duration INT(11) UNSIGNED DEFAULT 0 NOT NULL,\n" +
				"    ms_duration INT(11) UNSIGNED DEFAULT 0 NOT NULL,\n    setuptime INT(11) UNSIGNED DEFAULT 0 NOT NULL,\n" +
				"    created DATETIME DEFAULT NULL\n) ENGINE=InnoDB",
			"CREATE INDEX callid_idx ON acc (callid)"}},
		{"missed_calls", (*Table).PostgresDDL, []string{
			"CREATE TABLE missed_calls (\n    id SERIAL PRIMARY KEY NOT NULL,\n" +
				"    method VARCHAR(16) DEFAULT '' NOT NULL,\n    from_tag VARCHAR(64) DEFAULT '' NOT NULL,\n" +
				"    to_tag VARCHAR(64) DEFAULT '' NOT NULL,\n    callid VARCHAR(64) DEFAULT '' NOT NULL,\n" +
				"    sip_code VARCHAR(3) DEFAULT '' NOT NULL,\n    sip_reason VARCHAR(32) DEFAULT '' NOT NULL,\n" +
				"    time TIMESTAMP WITHOUT TIME ZONE NOT NULL,\n    setuptime INTEGER DEFAULT 0 NOT NULL,\n" +
				"    created TIMESTAMP WITHOUT TIME ZONE DEFAULT NULL\n)",
			"ALTER SEQUENCE missed_calls_id_seq MAXVALUE 2147483647 CYCLE",
			"CREATE INDEX missed_calls_callid_idx ON missed_calls (callid)"}},
	}
	for _, tc := range tests {
		tb, _ := Lookup(tc.table)
		if got := tc.ddl(tb); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %q\nwant %q", tc.table, got, tc.want)
		}
	}
}

func TestSQLDDLColumns(t *testing.T) {
	tests := []struct {
		table string
		ddl   func(*Table) []string
		want  []string // substrings of the statements, in order
	}{
		{"location", (*Table).MySQLDDL, []string{"contact_id BIGINT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL",
			"expires INT(10) UNSIGNED NOT NULL", "q FLOAT(10,2) DEFAULT 1.0 NOT NULL", "cseq INT(11) DEFAULT 13 NOT NULL",
			"last_modified DATETIME DEFAULT '1900-01-01 00:00:01' NOT NULL", "methods INT(11) DEFAULT NULL",
			"kv_store TEXT(512) DEFAULT NULL", ") ENGINE=InnoDB"}},
		{"dispatcher", (*Table).MySQLDDL, []string{"setid INT DEFAULT 0 NOT NULL", "probe_mode INT(11) UNSIGNED DEFAULT 0 NOT NULL",
			"weight CHAR(64) DEFAULT 1 NOT NULL"}},
		{"registrant", (*Table).MySQLDDL, []string{"expiry INT(1) UNSIGNED DEFAULT NULL",
			"CONSTRAINT registrant_idx UNIQUE (aor, binding_URI, registrar)"}},
		{"location", (*Table).PostgresDDL, []string{"contact_id BIGSERIAL PRIMARY KEY NOT NULL", "domain VARCHAR(64) DEFAULT NULL",
			"contact TEXT NOT NULL", "q REAL DEFAULT 1.0 NOT NULL", "last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '1900-01-01 00:00:01' NOT NULL",
			"kv_store TEXT DEFAULT NULL", "ALTER SEQUENCE location_contact_id_seq MAXVALUE 2147483647 CYCLE"}},
		{"registrant", (*Table).PostgresDDL, []string{"binding_URI VARCHAR(255) DEFAULT '' NOT NULL", "expiry INTEGER DEFAULT NULL",
			"CONSTRAINT registrant_registrant_idx UNIQUE (aor, binding_URI, registrar)", "ALTER SEQUENCE registrant_id_seq"}},
		{"usr_preferences", (*Table).MySQLDDL, []string{"id INT(10) UNSIGNED AUTO_INCREMENT PRIMARY KEY NOT NULL",
			"username CHAR(64) DEFAULT 0 NOT NULL", "type INT(11) DEFAULT 0 NOT NULL",
			"CREATE INDEX ua_idx ON usr_preferences (uuid, attribute)", "CREATE INDEX value_idx ON usr_preferences (value)"}},
		{"usr_preferences", (*Table).PostgresDDL, []string{"id SERIAL PRIMARY KEY NOT NULL", "username VARCHAR(64) DEFAULT 0 NOT NULL",
			"last_modified TIMESTAMP WITHOUT TIME ZONE DEFAULT '1900-01-01 00:00:01' NOT NULL",
			"ALTER SEQUENCE usr_preferences_id_seq", "CREATE INDEX usr_preferences_uda_idx ON usr_preferences (username, domain, attribute)"}},
	}
	for _, tc := range tests {
		tb, _ := Lookup(tc.table)
		all := strings.Join(tc.ddl(tb), ";\n")
		pos := 0
		for _, w := range tc.want {
			i := strings.Index(all[pos:], w)
			if i < 0 {
				t.Errorf("%s: %q missing (or out of order) in\n%s", tc.table, w, all)
				break
			}
			pos += i + len(w)
		}
	}
}
