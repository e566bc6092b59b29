-- Equivalent of the OpenSIPS 3.6 SQLite schema scripts for the tables
-- gosips uses (standard, usrloc, auth_db, msilo, dispatcher,
-- uac_registrant, avpops, acc), with the version rows those scripts insert and a few
-- rows as OpenSIPS writes them. Column lists, types, defaults and keys
-- must stay identical to upstream.

create table version (
  table_name char(32) not null,
  table_version integer default 0 not null,
  constraint version_t_name_idx unique (table_name)
);

insert into version (table_name, table_version) values ('location', '1013');
create table location (
  contact_id integer primary key autoincrement not null,
  username char(64) default '' not null,
  domain char(64) default null,
  contact text not null,
  received char(255) default null,
  path char(255) default null,
  expires integer not null,
  q float(10,2) default 1.0 not null,
  callid char(255) default 'Default-Call-ID' not null,
  cseq integer default 13 not null,
  last_modified datetime default '1900-01-01 00:00:01' not null,
  flags integer default 0 not null,
  cflags char(255) default null,
  user_agent char(255) default '' not null,
  socket char(64) default null,
  methods integer default null,
  sip_instance char(255) default null,
  kv_store text(512) default null,
  attr char(255) default null
);

insert into version (table_name, table_version) values ('subscriber', '8');
create table subscriber (
  id integer primary key autoincrement not null,
  username char(64) default '' not null,
  domain char(64) default '' not null,
  password char(25) default '' not null,
  ha1 char(64) default '' not null,
  ha1_sha256 char(64) default '' not null,
  ha1_sha512t256 char(64) default '' not null,
  constraint subscriber_account_idx unique (username, domain)
);
create index subscriber_username_idx on subscriber (username);

insert into version (table_name, table_version) values ('silo', '6');
create table silo (
  id integer primary key autoincrement not null,
  src_addr char(255) default '' not null,
  dst_addr char(255) default '' not null,
  username char(64) default '' not null,
  domain char(64) default '' not null,
  inc_time integer default 0 not null,
  exp_time integer default 0 not null,
  snd_time integer default 0 not null,
  ctype char(255) default null,
  body blob default null
);
create index silo_account_idx on silo (username, domain);

insert into version (table_name, table_version) values ('dispatcher', '9');
create table dispatcher (
  id integer primary key autoincrement not null,
  setid integer default 0 not null,
  destination char(192) default '' not null,
  socket char(128) default null,
  state integer default 0 not null,
  probe_mode integer default 0 not null,
  weight char(64) default 1 not null,
  priority integer default 0 not null,
  attrs char(128) default null,
  description char(64) default null
);

insert into version (table_name, table_version) values ('registrant', '3');
create table registrant (
  id integer primary key autoincrement not null,
  registrar char(255) default '' not null,
  proxy char(255) default null,
  aor char(255) default '' not null,
  third_party_registrant char(255) default null,
  username char(64) default null,
  password char(64) default null,
  binding_URI char(255) default '' not null,
  binding_params char(64) default null,
  expiry integer default null,
  forced_socket char(64) default null,
  cluster_shtag char(64) default null,
  state integer default 0 not null,
  constraint registrant_registrant_idx unique (aor, binding_URI, registrar)
);

insert into version (table_name, table_version) values ('usr_preferences', '3');
create table usr_preferences (
  id integer primary key autoincrement not null,
  uuid char(64) default '' not null,
  username char(64) default 0 not null,
  domain char(64) default '' not null,
  attribute char(32) default '' not null,
  type integer default 0 not null,
  value char(128) default '' not null,
  last_modified datetime default '1900-01-01 00:00:01' not null
);
create index usr_preferences_ua_idx on usr_preferences (uuid, attribute);
create index usr_preferences_uda_idx on usr_preferences (username, domain, attribute);
create index usr_preferences_value_idx on usr_preferences (value);

INSERT INTO version (table_name, table_version) values ('acc','7');
CREATE TABLE acc (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    method CHAR(16) DEFAULT '' NOT NULL,
    from_tag CHAR(64) DEFAULT '' NOT NULL,
    to_tag CHAR(64) DEFAULT '' NOT NULL,
    callid CHAR(64) DEFAULT '' NOT NULL,
    sip_code CHAR(3) DEFAULT '' NOT NULL,
    sip_reason CHAR(32) DEFAULT '' NOT NULL,
    time DATETIME NOT NULL,
    duration INTEGER DEFAULT 0 NOT NULL,
    ms_duration INTEGER DEFAULT 0 NOT NULL,
    setuptime INTEGER DEFAULT 0 NOT NULL,
    created DATETIME DEFAULT NULL
);

CREATE INDEX acc_callid_idx  ON acc (callid);

INSERT INTO version (table_name, table_version) values ('missed_calls','5');
CREATE TABLE missed_calls (
    id INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    method CHAR(16) DEFAULT '' NOT NULL,
    from_tag CHAR(64) DEFAULT '' NOT NULL,
    to_tag CHAR(64) DEFAULT '' NOT NULL,
    callid CHAR(64) DEFAULT '' NOT NULL,
    sip_code CHAR(3) DEFAULT '' NOT NULL,
    sip_reason CHAR(32) DEFAULT '' NOT NULL,
    time DATETIME NOT NULL,
    setuptime INTEGER DEFAULT 0 NOT NULL,
    created DATETIME DEFAULT NULL
);

CREATE INDEX missed_calls_callid_idx  ON missed_calls (callid);

-- Rows: a contact whose last_modified is the text default, one written by
-- db_sqlite (which binds datetimes as Unix seconds), a subscriber and a
-- gateway using the weight default.
insert into location (username, contact, expires) values ('alice', 'sip:alice@192.0.2.1', 1893456000);
insert into location (username, contact, expires, q, last_modified, methods) values ('bob', 'sip:bob@192.0.2.2', 1893456000, 0.5, 1700000000, 8191);
insert into subscriber (username, domain, password, ha1) values ('alice', 'example.com', 'secret', '5ebe2294ecd0e0f08eab7690d2a6ee69');
insert into dispatcher (setid, destination) values (1, 'sip:10.0.0.1:5060');
